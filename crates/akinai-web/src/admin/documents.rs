//! 帳票 from the order page (issue 19): the invoice (issued and kept the first time) and the
//! delivery slip as PDF, for admins who may see the customer's personal data; each download is
//! audited by the core. The correction page lists the order's issued invoices and issues a
//! corrected one (a new document naming the old, JP-INV-4) for the same admins: who may print
//! an invoice may have it reissued with the buyer's name as it should read.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use akinai_core::documents::IssuedInvoice;
use akinai_core::CoreError;

use akinai_domain::admin::ViewPersonalData;
use akinai_domain::documents::DocumentKind;

use super::order_desk::parse_id;
use super::AdminExt;
use crate::error::WebError;
use crate::layout::Ctx;
use crate::AppState;

async fn document(
    raw: &str,
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    kind: DocumentKind,
) -> Result<Response, WebError> {
    let id = parse_id(raw)?;
    let proof = a.authorize::<ViewPersonalData>()?;
    let pdf = state
        .shop
        .documents()
        .for_staff(&proof, &ctx.client, id, kind)
        .await?;
    Ok(crate::pages::order::pdf_response(pdf))
}

/// `GET /admin/orders/{id}/invoice.pdf`
pub(super) async fn invoice_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    document(&raw, &state, &ctx, &a, DocumentKind::Invoice).await
}

/// `GET /admin/orders/{id}/return-invoice.pdf`
pub(super) async fn return_invoice_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    document(&raw, &state, &ctx, &a, DocumentKind::ReturnInvoice).await
}

/// `GET /admin/orders/{id}/receipt.pdf`
pub(super) async fn receipt_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    document(&raw, &state, &ctx, &a, DocumentKind::Receipt).await
}

/// `GET /admin/orders/{id}/delivery-slip.pdf`
pub(super) async fn delivery_slip_get(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    document(&raw, &state, &ctx, &a, DocumentKind::DeliverySlip).await
}

#[derive(Template)]
#[template(path = "admin/invoice_correct.html")]
struct CorrectPage {
    csrf: String,
    id: i64,
    number: String,
    invoices: Vec<IssuedInvoice>,
    buyer: String,
    reason: String,
    error: Option<&'static str>,
    done: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct CorrectForm {
    #[serde(default)]
    buyer: String,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize, Default)]
pub(super) struct CorrectQuery {
    #[serde(default)]
    issued: String,
}

async fn correct_page(
    state: &AppState,
    ctx: &Ctx,
    a: &akinai_core::admin::SignedInAdmin,
    id: akinai_domain::ids::OrderId,
    form: CorrectForm,
    error: Option<&'static str>,
    done: Option<String>,
) -> Result<CorrectPage, WebError> {
    let proof = a.authorize::<ViewPersonalData>()?;
    let (number, invoices) = state
        .shop
        .documents()
        .invoices_for_staff(&proof, id)
        .await?;
    let buyer = if form.buyer.is_empty() {
        invoices.last().map(|i| i.buyer.clone()).unwrap_or_default()
    } else {
        form.buyer
    };
    Ok(CorrectPage {
        csrf: ctx.csrf.clone(),
        id: id.0,
        number,
        invoices,
        buyer,
        reason: form.reason,
        error,
        done,
    })
}

/// `GET /admin/orders/{id}/invoice/correct`
pub(super) async fn correct_get(
    Path(raw): Path<String>,
    axum::extract::Query(q): axum::extract::Query<CorrectQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let done = (!q.issued.is_empty()).then(|| {
        format!(
            "訂正した請求書 {} を発行しました。これからの請求書(PDF)はこの内容になります。",
            q.issued
        )
    });
    let page = correct_page(&state, &ctx, &a, id, CorrectForm::default(), None, done).await?;
    ctx.page(StatusCode::OK, &page)
}

/// `POST /admin/orders/{id}/invoice/correct`
pub(super) async fn correct_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    crate::form::CsrfForm(f): crate::form::CsrfForm<CorrectForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ViewPersonalData>()?;
    let outcome = state
        .shop
        .documents()
        .correct_invoice(&proof, &ctx.client, id, &f.buyer, &f.reason)
        .await;
    let error = match outcome {
        Ok(number) => {
            return Ok(ctx.redirect(&format!(
                "/admin/orders/{}/invoice/correct?issued={number}",
                id.0
            )))
        }
        Err(CoreError::InvalidFields(_)) => {
            "宛名(60 文字まで)と訂正の理由(100 文字まで)を入力してください。発行していません。"
        }
        Err(CoreError::NotFound) => {
            "この注文の請求書はまだ発行されていません。訂正ではなく、請求書(PDF)を開くと正しい内容で発行されます。"
        }
        Err(e) => return Err(e.into()),
    };
    let page = correct_page(&state, &ctx, &a, id, f, Some(error), None).await?;
    ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
