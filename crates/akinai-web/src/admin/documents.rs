//! 帳票 from the order page (issue 19): the invoice (issued and kept the first time) and the
//! delivery slip as PDF, for admins who may see the customer's personal data; each download is
//! audited by the core.

use axum::extract::{Path, State};
use axum::response::Response;

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
