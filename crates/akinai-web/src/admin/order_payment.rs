//! The payment of an order on its admin page (payments issue, items 1 and 8): the panel (status,
//! the provider's reference or お店で確認 for bank transfer and cash on delivery, refunds, a card
//! hold's deadline), the provider refund form
//! (owners and managers, all or part of the payment, after their password and code) and the
//! 売上確定 button of a held card payment. Rules live in `akinai_core::payments`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use chrono::{DateTime, Utc};

use akinai_core::admin::{Reauth, SignedInAdmin};
use akinai_core::orders::Order;
use akinai_core::payments::{Payment, SHOP_PROVIDER};
use akinai_core::CoreError;
use akinai_domain::admin::{CancelOrders, ProcessOrders, ViewOrders};
use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderStatus;
use akinai_domain::payment::PaymentStatus;

use super::order_desk::{detail_page, parse_id};
use super::{local_time, AdminExt};
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::layout::Ctx;
use crate::AppState;

/// The provider payment as the order page shows it.
pub(super) struct PspPanel {
    pub provider: String,
    pub status: &'static str,
    pub reference: String,
    pub amount: String,
    pub refunded: String,
    /// Yen left to refund, when this admin may refund.
    pub refundable: Option<i64>,
    /// When a card hold lapses (the order is cancelled if it has not shipped by then).
    pub hold_lapses: Option<String>,
    /// Whether this admin may capture the held payment now.
    pub capturable: bool,
}

pub(super) fn panel(
    a: &SignedInAdmin,
    p: &Payment,
    order: &Order,
    hold_lapses_at: Option<DateTime<Utc>>,
) -> PspPanel {
    let left = p.amount.0 - p.refunded.0;
    let held = p.status == PaymentStatus::Authorized;
    let by_shop = p.provider == SHOP_PROVIDER;
    PspPanel {
        provider: if by_shop {
            "お店で確認".to_string()
        } else {
            p.provider.clone()
        },
        status: match (p.status, by_shop) {
            (PaymentStatus::Succeeded, _) if left <= 0 && p.refunded.0 > 0 => "全額返金済み",
            (PaymentStatus::Succeeded, _) if p.refunded.0 > 0 => "一部返金済み",
            (PaymentStatus::Open, true) => "未入金",
            (PaymentStatus::Open, false) => "未払い(お客様の支払い待ち)",
            (PaymentStatus::Awaiting, _) => "コンビニでの支払い待ち",
            (PaymentStatus::Authorized, _) => "カード与信済み(発送時に売上確定)",
            (PaymentStatus::Succeeded, true) => "入金済み",
            (PaymentStatus::Succeeded, false) => "支払い済み",
            (PaymentStatus::Failed, true) => "キャンセル",
            (PaymentStatus::Failed, false) => "期限切れ・失敗",
        },
        reference: p
            .payment_ref
            .clone()
            .or_else(|| p.session_ref.clone())
            .unwrap_or_default(),
        amount: p.amount.display(),
        refunded: p.refunded.display(),
        refundable: (!by_shop
            && p.status == PaymentStatus::Succeeded
            && left > 0
            && a.holds::<CancelOrders>())
        .then_some(left),
        hold_lapses: hold_lapses_at.filter(|_| held).map(local_time),
        capturable: held
            && order.status == OrderStatus::Placed
            && !order.review_pending
            && a.holds::<ProcessOrders>(),
    }
}

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
        .payments()
        .refund_through_provider(&proof, id, &f.amount, &reauth, &ctx.client)
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
    with_problem(&state, &ctx, &a, id, status, problem).await
}

/// 売上確定 of a held card payment without shipping.
pub(super) async fn capture_post(
    Path(raw): Path<String>,
    State(state): State<AppState>,
    ctx: Ctx,
    AdminExt(a): AdminExt,
    CsrfForm(_): CsrfForm<super::EmptyForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&raw)?;
    let proof = a.authorize::<ProcessOrders>()?;
    let outcome = state
        .shop
        .payments()
        .capture_payment(&proof, id, &ctx.client)
        .await;
    let (status, problem) = match outcome {
        Ok(_) => return Ok(ctx.redirect(&format!("/admin/orders/{}?done=1", id.0))),
        Err(CoreError::InvalidForm(_)) => (
            StatusCode::CONFLICT,
            "この注文は要確認です。「要確認の注文」で確認済みにしてから売上を確定してください。",
        ),
        Err(CoreError::PaymentClosed) => (
            StatusCode::CONFLICT,
            "この注文には売上を確定できるカード与信がありません。",
        ),
        Err(CoreError::PaymentUnavailable(_)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "決済代行会社で売上を確定できませんでした。少し待ってからもう一度お試しください。",
        ),
        Err(e) => return Err(e.into()),
    };
    with_problem(&state, &ctx, &a, id, status, problem).await
}

/// The order page again, with why the action was not taken.
async fn with_problem(
    state: &AppState,
    ctx: &Ctx,
    a: &SignedInAdmin,
    id: OrderId,
    status: StatusCode,
    problem: &'static str,
) -> Result<Response, WebError> {
    let view = a.authorize::<ViewOrders>()?;
    let d = state
        .shop
        .order_desk()
        .admin_order(&view, id, &ctx.client)
        .await?;
    let mut page = detail_page(ctx, a, d, None);
    page.problem = Some(problem);
    ctx.page(status, &page)
}
