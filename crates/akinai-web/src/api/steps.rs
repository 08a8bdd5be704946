//! `POST /api/v1/orders/{id}/events` (`orders:write`): the back office's order steps for a
//! warehouse or an accounting system — 入金確認 (`pay`), 発送 (`ship`, with carrier and
//! tracking number; a card payment held for shipping is captured first, as in the admin),
//! 配達完了 (`deliver`), `cancel` and `refund` (the shop's own payments). The order desk's use
//! case decides; a step the order's state does not allow is a 409 saying why. And `POST
//! /api/v1/orders/{id}/refunds` (`orders:write` and `orders:refund`, ADR 039): card and konbini
//! money back through the provider, the back office's refund without the password and code.

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use akinai_core::admin::StepProblem;
use akinai_core::CoreError;
use akinai_domain::admin::ProcessOrders;
use akinai_domain::fulfilment::{Carrier, Shipment, TrackingNumber};
use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderEvent;

use super::page::ApiJson;
use super::{Caller, Problem};
use crate::AppState;

/// A step.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    Pay,
    Ship,
    Deliver,
    Cancel,
    Refund,
}

/// A carrier.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CarrierName {
    Yamato,
    Sagawa,
    JapanPost,
    Seino,
    Fukuyama,
    Other,
}

/// What to do with the order.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderStepRequest {
    pub event: StepName,
    /// For `ship`.
    pub carrier: Option<CarrierName>,
    /// For `ship`: the carrier's number (digits, letters and hyphens).
    #[schema(max_length = 40)]
    pub tracking_number: Option<String>,
    /// An internal note kept in the order's history.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The order after the step.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderStepResult {
    /// The order number (`AK00000042`).
    pub id: String,
    pub status: String,
}

fn event(s: StepName) -> OrderEvent {
    match s {
        StepName::Pay => OrderEvent::Pay,
        StepName::Ship => OrderEvent::Ship,
        StepName::Deliver => OrderEvent::Deliver,
        StepName::Cancel => OrderEvent::Cancel,
        StepName::Refund => OrderEvent::Refund,
    }
}

fn carrier(c: CarrierName) -> Carrier {
    match c {
        CarrierName::Yamato => Carrier::Yamato,
        CarrierName::Sagawa => Carrier::Sagawa,
        CarrierName::JapanPost => Carrier::JapanPost,
        CarrierName::Seino => Carrier::Seino,
        CarrierName::Fukuyama => Carrier::Fukuyama,
        CarrierName::Other => Carrier::Other,
    }
}

/// An order by its number (`AK00000042`) or id.
fn order_id(given: &str) -> Result<OrderId, Problem> {
    akinai_core::parse_order_number(given)
        .or_else(|| given.parse::<i64>().ok().filter(|n| *n > 0).map(OrderId))
        .ok_or_else(Problem::not_found)
}

/// Takes a step with an order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/events", tag = "orders",
    params(("id" = String, Path, description = "The order number (`AK00000042`) or id"),
        ("Idempotency-Key" = String, Header, description = "A new key for each new request", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    request_body = OrderStepRequest,
    security(("bearer" = ["orders:write"])),
    responses(
        (status = 200, description = "The order's new status", body = OrderStepResult),
        (status = 400, description = "A bad body, shipping without carrier and tracking number, or a bad Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `orders:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order's state does not allow the step (or it is awaiting review, changed meanwhile, or the held card payment could not be captured); or the Idempotency-Key's request is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn order_events_post(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(step): ApiJson<OrderStepRequest>,
) -> Result<Json<OrderStepResult>, Problem> {
    let id = order_id(&id)?;
    let proof = caller.0.authorize::<ProcessOrders>()?;
    let shipment = match (step.carrier, step.tracking_number.as_deref()) {
        (Some(c), Some(t)) => Some(Shipment {
            carrier: carrier(c),
            tracking_number: TrackingNumber::parse(t).ok_or_else(|| {
                Problem::invalid_field("tracking_number", "digits, letters and hyphens")
            })?,
        }),
        _ => None,
    };
    let done = state
        .shop
        .order_desk()
        .step_order(
            &proof,
            id,
            event(step.event),
            shipment,
            step.note.as_deref().unwrap_or(""),
            &caller.1,
        )
        .await?;
    match done {
        Ok(to) => Ok(Json(OrderStepResult {
            id: akinai_core::order_number(id),
            status: to.as_str().to_string(),
        })),
        Err(StepProblem::ShipmentMissing) => Err(Problem::invalid_field(
            "tracking_number",
            "shipping needs a carrier and a tracking number",
        )),
        Err(why) => Err(Problem::conflict(match why {
            StepProblem::AwaitingReview => "the order awaits review in the back office first",
            StepProblem::Stale => "the order changed meanwhile; read it again",
            StepProblem::CaptureFailed => {
                "the held card payment could not be captured; nothing was shipped"
            }
            _ => "the order's status does not allow this step",
        })),
    }
}

/// Money back through the payment provider.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Yen to refund, at most what is left; absent: everything not yet refunded.
    #[schema(minimum = 1, maximum = 10000000)]
    #[serde(default, deserialize_with = "super::page::whole_or_none")]
    pub amount: Option<i64>,
}

/// The refund made.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundResult {
    /// The order number (`AK00000042`).
    pub id: String,
    /// Yen refunded by this request.
    pub refunded: i64,
}

/// Refunds a card or konbini payment through the provider (all that is left, or `amount`). A
/// refund that completes the payment's refunds makes the order 返金済み and mails the
/// customer.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refunds", tag = "orders",
    params(("id" = String, Path, description = "The order number (`AK00000042`) or id"),
        ("Idempotency-Key" = String, Header, description = "A new key for each new request", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    request_body = RefundRequest,
    security(("bearer" = ["orders:write", "orders:refund"])),
    responses(
        (status = 200, description = "Refunded", body = RefundResult),
        (status = 400, description = "A bad body or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No admitted token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `orders:write` or `orders:refund`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order has no provider payment that can be refunded (bank transfer and cash on delivery: the `refund` step records money the shop paid back itself), or the amount is more than is left; or the Idempotency-Key's request is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for a different request", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The payment provider could not be reached; nothing was refunded", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn order_refunds_post(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RefundRequest>,
) -> Result<Json<RefundResult>, Problem> {
    let id = order_id(&id)?;
    let proof = caller.0.authorize::<akinai_domain::admin::CancelOrders>()?;
    if r.amount.is_some_and(|a| a < 1) {
        return Err(Problem::invalid_field("amount", "1 yen or more"));
    }
    let amount = r.amount.map(|a| a.to_string()).unwrap_or_default();
    match state
        .shop
        .payments()
        .refund_by_token(&proof, id, &amount, &caller.1)
        .await
    {
        Ok(refunded) => Ok(Json(RefundResult {
            id: akinai_core::order_number(id),
            refunded: refunded.0,
        })),
        Err(CoreError::InvalidForm(fields))
            if fields.iter().any(|(_, k)| *k == "admin.refund_not_paid") =>
        {
            Err(Problem::conflict(
                "the order has no card or konbini payment that can be refunded",
            ))
        }
        Err(CoreError::InvalidForm(_)) => Err(Problem::conflict(
            "the amount is more than is left to refund",
        )),
        Err(CoreError::PaymentClosed) => Err(Problem::conflict(
            "the order has no card or konbini payment that can be refunded",
        )),
        Err(CoreError::PaymentUnavailable(_)) => Err(Problem::provider_unavailable()),
        Err(e) => Err(e.into()),
    }
}
