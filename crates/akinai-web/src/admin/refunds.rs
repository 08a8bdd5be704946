//! The refund form of a card or konbini order (payments issue, item 8): owners and managers
//! refund all or part of the payment through the provider after their password and code. Rules
//! live in `akinai_core::payments` (refund).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::admin::Reauth;
use akinai_core::CoreError;
use akinai_domain::admin::{CancelOrders, ViewOrders};

use super::order_desk::{detail_page, parse_id};
use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

#[derive(Deserialize, Default)]
pub(super) struct RefundForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn refund_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<RefundForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<CancelOrders>()?;
    let reauth = Reauth {
        password: f.password,
        code: f.code,
    };
    let outcome = state
        .shop
        .refund_through_provider(&proof, &a, id, &f.amount, &reauth, &ctx.client)
        .await;
    let (status, problem) = match outcome {
        Ok(_) => return Ok(ctx.redirect(&format!("/admin/orders/{}?done=1", id.0))),
        Err(CoreError::InvalidForm(fields)) if super::reauth_failed(&fields) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "パスワードまたは認証コードが正しくありません。",
        ),
        Err(CoreError::InvalidForm(_)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "返金額は 1 円以上、返金できる残額以下の整数で入力してください(支払い済みの注文だけ返金できます)。",
        ),
        Err(CoreError::PaymentUnavailable(_)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "決済代行会社に接続できませんでした。返金はされていません。少し待ってからもう一度お試しください。",
        ),
        Err(e) => return Err(e.into()),
    };
    let view = a.authorize::<ViewOrders>()?;
    let d = state.shop.admin_order(&view, &a, id, &ctx.client).await?;
    let mut page = detail_page(&ctx, &a, d, false);
    page.problem = Some(problem);
    ctx.page(status, &page)
}
