//! The order status page (顧客確認) and the order's document (ご注文明細書, a simplified qualified
//! invoice 適格簡易請求書 when the shop is a registered issuer; JP-INV-1/2), both reached only
//! through the unguessable link in the confirmation mail — never by order number. Members reach
//! their own orders' links from my page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use akinai_core::clock::jst;
use akinai_core::orders::Order;
use akinai_domain::order::{OrderStatus, PaymentMethod};
use akinai_domain::settings::ShopSettings;

use crate::error::WebError;
use crate::i18n::{Lang, Tr};
use crate::layout::{Ctx, Layout};
use crate::pages::checkout::{format_date, payment_label};
use crate::pages::payment::PaymentView;
use crate::AppState;

#[derive(Template)]
#[template(path = "order.html")]
pub struct OrderPage {
    pub l: Layout,
    pub order: Order,
    pub number: String,
    /// The first words: thanks, or that the order was cancelled or refunded.
    pub lead: &'static str,
    pub status: &'static str,
    pub placed_at: String,
    pub payment: &'static str,
    pub bank_due: String,
    pub settings: ShopSettings,
    pub prefecture: &'static str,
    pub shipping_method: String,
    pub delivery_date: String,
    pub is_bank_transfer: bool,
    pub receipt_path: String,
    /// 「もう一度注文する」: the order's lines in the quick-order form.
    pub reorder_path: String,
    /// The invoice PDF, unless the order was cancelled before one was issued.
    pub invoice_path: Option<String>,
    /// The receipt (領収書) once the money is received: its form, or its reissue.
    pub receipt_pdf: Option<ReceiptOffer>,
    /// The return invoice once something was refunded.
    pub return_invoice_path: Option<String>,
    /// Card and konbini orders: the provider payment's state, instructions and pay button.
    pub provider: Option<PaymentView>,
    pub pay_path: String,
    pub csrf: String,
    /// Back from the provider's page, payment not confirmed yet.
    pub checking: bool,
    /// The bot challenge the pay button must carry (card testing defence), and its script.
    pub challenge: Option<akinai_core::accounts::challenge::Challenge>,
    pub pow: crate::assets::Script,
}

/// The status page's receipt section.
pub struct ReceiptOffer {
    pub path: String,
    /// Issued already: later copies are reissues.
    pub issued: bool,
    /// The default 但し書き.
    pub purpose: &'static str,
    /// The form came back with an empty or too long field.
    pub invalid: bool,
}

/// `?paid=1` when the provider sends the shopper back after paying.
#[derive(serde::Deserialize, Default)]
pub struct OrderQuery {
    #[serde(default)]
    paid: Option<String>,
    /// The pay button needs the bot challenge.
    #[serde(default)]
    verify: Option<String>,
    /// The receipt form was sent back with an empty or too long field.
    #[serde(default)]
    receipt: Option<String>,
}

pub fn status_label(t: Tr, s: OrderStatus) -> &'static str {
    t.get(match s {
        OrderStatus::Placed => "status.placed",
        OrderStatus::Paid => "status.paid",
        OrderStatus::Shipped => "status.shipped",
        OrderStatus::Delivered => "status.delivered",
        OrderStatus::Cancelled => "status.cancelled",
        OrderStatus::Refunded => "status.refunded",
    })
}

pub async fn order_get(
    Path(token): Path<String>,
    Query(q): Query<OrderQuery>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let order = state.shop.orders().order_by_status_secret(&token).await?;
    let receipt_pdf =
        if akinai_domain::documents::may_issue_receipt(order.status, order.payment_method) {
            let kept = state.shop.documents().kept_kinds(&order).await?;
            Some(ReceiptOffer {
                path: format!("/order/{token}/receipt.pdf"),
                issued: kept.contains(&akinai_domain::documents::DocumentKind::Receipt),
                purpose: akinai_domain::documents::DEFAULT_RECEIPT_PURPOSE,
                invalid: q.receipt.as_deref() == Some("invalid"),
            })
        } else {
            None
        };
    let return_invoice_path = (state.shop.documents().refunded(&order).await?.0 > 0)
        .then(|| format!("/order/{token}/return-invoice.pdf"));
    let provider = if order.payment_method.through_provider() {
        let payment = state.shop.payments().payment_of(&order).await?;
        Some(PaymentView::of(
            ctx.t,
            payment.as_ref(),
            order.status == OrderStatus::Placed && state.shop.payments().gateway().is_some(),
        ))
    } else {
        None
    };
    let settings = state.shop.storefront().settings().await?;
    let t = ctx.t;
    let placed = order.placed_at.with_timezone(&jst());
    let due = placed.date_naive() + chrono::Days::new(u64::from(settings.bank_account.due_days));
    let d = &order.details;
    let page = OrderPage {
        number: order.number(),
        lead: t.get(match order.status {
            OrderStatus::Cancelled => "order.lead_cancelled",
            OrderStatus::Refunded => "order.lead_refunded",
            _ => "order.thanks",
        }),
        status: status_label(t, order.status),
        placed_at: format!(
            "{} {}",
            format_date(t, placed.date_naive()),
            placed.format("%H:%M")
        ),
        payment: payment_label(t, order.payment_method),
        bank_due: format_date(t, due),
        prefecture: if t.lang == Lang::Ja {
            d.address.prefecture.name_ja()
        } else {
            d.address.prefecture.name_en()
        },
        shipping_method: settings
            .shipping_method(&d.shipping_method)
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        delivery_date: d
            .delivery_date
            .map(|x| format_date(t, x))
            .unwrap_or_else(|| t.get("checkout.no_preference").to_string()),
        is_bank_transfer: order.payment_method == PaymentMethod::BankTransfer,
        receipt_path: format!("/order/{token}/receipt"),
        reorder_path: format!("/order/{token}/reorder"),
        invoice_path: akinai_domain::documents::may_issue_order_invoice(
            order.status,
            order.payment_method,
        )
        .then(|| format!("/order/{token}/invoice.pdf")),
        receipt_pdf,
        return_invoice_path,
        checking: q.paid.is_some() && provider.as_ref().is_some_and(|p| p.can_pay),
        challenge: (q.verify.is_some() && provider.as_ref().is_some_and(|p| p.can_pay))
            .then(|| state.shop.challenges().issue_challenge()),
        pow: crate::assets::pow_script(),
        provider,
        pay_path: format!("/order/{token}/pay"),
        csrf: ctx.csrf.clone(),
        l: ctx.layout(&state).await?,
        settings,
        order,
    };
    ctx.page(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    pub l: Layout,
    pub order: Order,
    pub number: String,
    pub settings: ShopSettings,
    /// Transaction date (the order's day, JST) and the day this copy is printed.
    pub placed_on: String,
    pub issued_on: String,
    pub cancelled: bool,
    pub status_path: String,
}

/// A PDF shown in the browser's viewer (and saved under its file name); never cached, as it
/// carries the customer's name.
pub(crate) fn pdf_response(pdf: akinai_core::documents::Pdf) -> Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    let mut response = pdf.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", pdf.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// `/order/{token}/invoice.pdf`: the order's invoice (適格請求書 when the shop is registered),
/// issued and kept the first time it is asked for (JP-INV-1, JP-INV-4).
pub async fn invoice_get(
    Path(token): Path<String>,
    State(state): State<AppState>,
) -> Result<Response, WebError> {
    customer_document(
        &state,
        &token,
        akinai_domain::documents::DocumentKind::Invoice,
    )
    .await
}

/// The customer's document of `kind` for the order behind a status link.
async fn customer_document(
    state: &AppState,
    token: &str,
    kind: akinai_domain::documents::DocumentKind,
) -> Result<Response, WebError> {
    let order = state.shop.orders().order_by_status_secret(token).await?;
    let pdf = state.shop.documents().for_customer(&order, kind).await?;
    Ok(pdf_response(pdf))
}

/// `GET /order/{token}/return-invoice.pdf`: the return invoice of a refund (JP-INV-3).
pub async fn return_invoice_get(
    Path(token): Path<String>,
    State(state): State<AppState>,
) -> Result<Response, WebError> {
    customer_document(
        &state,
        &token,
        akinai_domain::documents::DocumentKind::ReturnInvoice,
    )
    .await
}

/// `GET /order/{token}/receipt.pdf`: the receipt (領収書) — a copy marked 再発行 when it was
/// issued before, otherwise issued now to the buyer's name.
pub async fn receipt_pdf_get(
    Path(token): Path<String>,
    State(state): State<AppState>,
) -> Result<Response, WebError> {
    customer_document(
        &state,
        &token,
        akinai_domain::documents::DocumentKind::Receipt,
    )
    .await
}

#[derive(serde::Deserialize, Default)]
pub struct ReceiptForm {
    #[serde(default)]
    addressee: String,
    #[serde(default)]
    purpose: String,
}

/// `POST /order/{token}/receipt.pdf`: the receipt issued with the customer's 宛名 and 但し書き
/// (once; afterwards this is a reissue and the fields are ignored).
pub async fn receipt_pdf_post(
    Path(token): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    crate::form::CsrfForm(f): crate::form::CsrfForm<ReceiptForm>,
) -> Result<Response, WebError> {
    let order = state.shop.orders().order_by_status_secret(&token).await?;
    match state
        .shop
        .documents()
        .receipt_for_customer(&order, &f.addressee, &f.purpose)
        .await
    {
        Ok(pdf) => Ok(pdf_response(pdf)),
        Err(akinai_core::CoreError::InvalidFields(_)) => {
            Ok(ctx.redirect(&format!("/order/{token}?receipt=invalid#receipt-pdf-head")))
        }
        Err(e) => Err(e.into()),
    }
}

/// `/order/{token}/receipt`: the printable document of an order. It is rendered from the stored
/// order, which nothing edits, so every copy says the same (JP-INV-4).
pub async fn receipt_get(
    Path(token): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let order = state.shop.orders().order_by_status_secret(&token).await?;
    let settings = state.shop.storefront().settings().await?;
    let t = ctx.t;
    let placed = order.placed_at.with_timezone(&jst()).date_naive();
    let page = ReceiptPage {
        number: order.number(),
        placed_on: format_date(t, placed),
        issued_on: format_date(t, state.shop.storefront().today()),
        cancelled: matches!(order.status, OrderStatus::Cancelled | OrderStatus::Refunded),
        status_path: format!("/order/{token}"),
        l: ctx.layout(&state).await?,
        settings,
        order,
    };
    ctx.page(StatusCode::OK, &page)
}
