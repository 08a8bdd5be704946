//! The logo on 帳票 (issue 19, item 1) in ショップ設定: upload (multipart, the product images'
//! wall: scan, sniffing, re-encoding), removal, and the preview the settings page shows. A file
//! that is not a picture comes back on the settings page with the reason, and nothing changes.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use akinai_core::CoreError;
use akinai_domain::admin::ManageShop;

use super::AdminExt;
use crate::error::WebError;
use crate::form::{CsrfForm, CsrfUpload};
use crate::layout::Ctx;
use crate::AppState;

const NOT_A_PICTURE: &str =
    "ロゴには JPEG・PNG・WebP の画像(10 MB・8,000 画素まで)を選んでください。変更していません。";

/// `POST /admin/settings/logo`: takes the upload as the logo for new documents.
pub(super) async fn logo_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfUpload(bytes): CsrfUpload,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageShop>()?;
    match state
        .shop
        .documents()
        .upload_logo(&proof, bytes, &ctx.client)
        .await
    {
        Ok(_) => Ok(ctx.redirect("/admin/settings?saved=1#logo")),
        Err(CoreError::ImageRejected(_)) => {
            super::settings::page(
                &state,
                &ctx,
                &a,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(NOT_A_PICTURE),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/settings/logo/delete`: new documents carry no logo (kept ones keep theirs).
pub(super) async fn logo_delete_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageShop>()?;
    state
        .shop
        .documents()
        .remove_logo(&proof, &ctx.client)
        .await?;
    Ok(ctx.redirect("/admin/settings?saved=1#logo"))
}

/// `GET /admin/settings/logo`: the current logo, for the settings page's preview.
pub(super) async fn logo_get(
    State(state): State<AppState>,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageShop>()?;
    let (content_type, bytes) = state.shop.documents().current_logo(&proof).await?;
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "private, no-cache".to_string()),
        ],
        bytes,
    )
        .into_response())
}
