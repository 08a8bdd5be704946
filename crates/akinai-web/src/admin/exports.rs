//! Downloads from the admin (CSV issue, item 3): the catalog and inventory for whoever manages
//! the catalog; customers and orders — personal data — only for holders of
//! `ExportPersonalData`, with the password and code asked again (the core checks and audits);
//! and the invitations of imported members. Files come as attachments named by kind and JST date.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use akinai_core::admin::{Reauth, SignedInAdmin};
use akinai_core::transfer::{ExportKind, Format, OutEncoding, PeopleExport};
use akinai_core::CoreError;
use akinai_domain::admin::{ExportPersonalData, ManageCatalog, ManageCustomers};

use super::AdminExt;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// A CSV file as a download.
pub(super) fn download(bytes: Vec<u8>, name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// A file name for today (JST): `products-20261203.csv`.
fn file_name(what: &str, encoding: OutEncoding) -> String {
    let day = chrono::Utc::now()
        .with_timezone(&akinai_core::clock::jst())
        .format("%Y%m%d");
    let suffix = match encoding {
        OutEncoding::Utf8 => "",
        OutEncoding::ShiftJis => "-sjis",
    };
    format!("{what}-{day}{suffix}.csv")
}

fn encoding_of(value: &str) -> Result<OutEncoding, WebError> {
    match value {
        "" | "utf-8" => Ok(OutEncoding::Utf8),
        "shift_jis" => Ok(OutEncoding::ShiftJis),
        _ => Err(WebError::BadRequest("errorpage.unreadable_form")),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct CatalogExportForm {
    /// `akinai`, `shopify` or `inventory`.
    #[serde(default)]
    what: String,
    #[serde(default)]
    encoding: String,
}

pub(super) async fn catalog_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<CatalogExportForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCatalog>()?;
    let (kind, name) = match f.what.as_str() {
        "akinai" => (ExportKind::Products(Format::Akinai), "products"),
        "shopify" => (ExportKind::Products(Format::Shopify), "products-shopify"),
        "inventory" => (ExportKind::Inventory, "inventory"),
        _ => return Err(WebError::BadRequest("errorpage.unreadable_form")),
    };
    let encoding = encoding_of(&f.encoding)?;
    let bytes = state
        .shop
        .transfer()
        .export_catalog_as_admin(&proof, kind, encoding, &ctx.client)
        .await?;
    Ok(download(bytes, &file_name(name, encoding)))
}

#[derive(Deserialize, Default)]
pub(super) struct PeopleExportForm {
    #[serde(default)]
    encoding: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// Customers or orders as a file; a wrong password or code shows `again` with the error.
async fn people(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    what: PeopleExport,
    f: PeopleExportForm,
) -> Result<Result<Response, &'static str>, WebError> {
    let proof = a.authorize::<ExportPersonalData>()?;
    let encoding = encoding_of(&f.encoding)?;
    let reauth = Reauth {
        password: f.password,
        code: f.code,
    };
    let outcome = state
        .shop
        .transfer()
        .export_people_as_admin(&proof, what, encoding, &reauth, &ctx.client)
        .await;
    let name = match what {
        PeopleExport::Customers => "customers",
        PeopleExport::Orders => "orders",
    };
    match outcome {
        Ok(bytes) => Ok(Ok(download(bytes, &file_name(name, encoding)))),
        Err(CoreError::InvalidForm(fields)) if super::reauth_failed(&fields) => Ok(Err(
            "パスワードまたは認証コードが違います。書き出していません。",
        )),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn customers_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<PeopleExportForm>,
) -> Result<Response, WebError> {
    match people(&state, &ctx, &a, PeopleExport::Customers, f).await? {
        Ok(file) => Ok(file),
        Err(error) => super::transfers::customers_page(&state, &ctx, &a, Some(error), None).await,
    }
}

#[derive(Template)]
#[template(path = "admin/orders_export.html")]
struct OrdersExportPage {
    csrf: String,
    error: Option<&'static str>,
}

pub(super) async fn orders_get(ctx: Ctx, AdminExt(a): AdminExt) -> Result<Response, WebError> {
    a.authorize::<ExportPersonalData>()?;
    let page = OrdersExportPage {
        csrf: ctx.csrf.clone(),
        error: None,
    };
    ctx.page(StatusCode::OK, &page)
}

pub(super) async fn orders_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<PeopleExportForm>,
) -> Result<Response, WebError> {
    match people(&state, &ctx, &a, PeopleExport::Orders, f).await? {
        Ok(file) => Ok(file),
        Err(error) => {
            let page = OrdersExportPage {
                csrf: ctx.csrf.clone(),
                error: Some(error),
            };
            ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct InviteForm {
    #[serde(default)]
    per_hour: String,
}

pub(super) async fn invite_post(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(f): CsrfForm<InviteForm>,
) -> Result<Response, WebError> {
    let proof = a.authorize::<ManageCustomers>()?;
    let Some(per_hour) = f
        .per_hour
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=10_000).contains(n))
    else {
        let error =
            "1 時間あたりの通数は 1〜10,000 の数字で入力してください。招待はまだ送っていません。";
        return super::transfers::customers_page(&state, &ctx, &a, Some(error), None).await;
    };
    let queued = state
        .shop
        .transfer()
        .invite_imported_as_admin(&proof, per_hour, &ctx.client)
        .await?;
    let notice =
        format!("{queued} 人への招待メールを予約しました(1 時間に {per_hour} 通ずつ送ります)。");
    super::transfers::customers_page(&state, &ctx, &a, None, Some(notice)).await
}
