//! The shop's order desk (admin issue, item 6): the order list with filters and keyset pages,
//! an order's detail and history, the status steps (入金確認, 発送 with carrier and tracking
//! number, 配達完了, キャンセル, 返金) and internal notes.
//!
//! Every step goes through the domain's rules ([`OrderState::step`]: the state machine, and no
//! shipping while a review flag is uncleared, CCSG-F-4), is recorded by the store only if the
//! order is still where the admin saw it, mails the customer through the job outbox in the same
//! transaction, and lands in the audit trail with before and after (IPA-C-12). Viewing an order's
//! unmasked recipient is itself audited as a view of personal data (IPA-C-8).

use crate::Audit;
use crate::Base;
use crate::Payments;
use akinai_store::fulfilment::FulfilmentStore;
use akinai_store::payments::PaymentStore;
use akinai_store::OrderStore;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::sync::Arc;

use akinai_domain::admin::note as order_note;
use akinai_domain::admin::{CancelOrders, ProcessOrders, ViewOrders, ViewPersonalData};
use akinai_domain::fulfilment::{OrderState, Shipment, StepRefused};
use akinai_domain::ids::OrderId;
use akinai_domain::order::{OrderEvent, OrderStatus};
use akinai_domain::payment::PaymentStatus;
use akinai_store::fulfilment::{
    OrderCursor, OrderFilter, OrderHistoryEntry, OrderListRow, OrderStep,
};
use akinai_store::Order;

use super::orders::recipient;
use super::Authorized;
use crate::accounts::Client;
use crate::CoreError;

/// Rows per page of the order list.
pub const ORDERS_PER_PAGE: u32 = 50;

/// A row of the order list as the admin may see it.
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub row: OrderListRow,
    /// Masked unless the admin may see personal data.
    pub recipient: String,
    pub destination: String,
}

/// One page of the order list.
#[derive(Debug, Clone)]
pub struct OrderPage {
    pub rows: Vec<OrderRow>,
    /// Where the next page starts, when there is one.
    pub next: Option<OrderCursor>,
}

/// An order with its history, as the admin may see it.
#[derive(Debug, Clone)]
pub struct OrderDetail {
    pub order: Order,
    pub recipient: String,
    pub destination: String,
    /// The phone number and e-mail address, or `None` when masked.
    pub contact: Option<(String, String)>,
    pub history: Vec<OrderHistoryEntry>,
    /// The steps the state machine allows now.
    pub next_events: Vec<OrderEvent>,
    /// The order's payment (the provider's, or the shop's own for bank transfer and cash on
    /// delivery).
    pub payment: Option<akinai_store::payments::Payment>,
    /// When the card hold of that payment lapses, if it is held.
    pub hold_lapses_at: Option<DateTime<Utc>>,
    /// The shipping method's name in the shop settings (宅配便), or its code when the shop has
    /// since removed it.
    pub shipping_method: String,
    /// The shop's hold rules now, to explain a review flag by the rule that raised it.
    pub hold_rules: akinai_domain::hold::HoldRules,
}

/// Why a step was not taken, for the admin's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepProblem {
    /// The state machine does not allow it from the current status.
    NotAllowed,
    /// Flagged for review; clear the flag first.
    AwaitingReview,
    /// Shipping needs a carrier and a valid tracking number.
    ShipmentMissing,
    /// Someone else moved the order meanwhile; the page shows its new state.
    Stale,
    /// The provider did not capture the held card payment (unreachable, or the hold lapsed):
    /// nothing shipped.
    CaptureFailed,
}

impl From<StepRefused> for StepProblem {
    fn from(e: StepRefused) -> StepProblem {
        match e {
            StepRefused::Invalid(_) => StepProblem::NotAllowed,
            StepRefused::AwaitingReview => StepProblem::AwaitingReview,
            StepRefused::ShipmentMissing => StepProblem::ShipmentMissing,
        }
    }
}

/// The outcome of a step request.
pub type StepResult = Result<OrderStatus, StepProblem>;

/// The order desk: the order list and page, the steps of an order (入金確認, 発送, 配達完了,
/// キャンセル, 返金), notes and the review queue of flagged orders.
#[derive(Clone)]
pub struct OrderDesk {
    pub(crate) base: Base,
    pub(crate) fulfilment_store: Arc<dyn FulfilmentStore>,
    pub(crate) order_store: Arc<dyn OrderStore>,
    pub(crate) payment_store: Arc<dyn PaymentStore>,
    pub(crate) audit: Audit,
    pub(crate) payments: Payments,
}

impl OrderDesk {
    /// A page of the order list, newest first.
    pub async fn admin_orders(
        &self,
        by: &Authorized<ViewOrders>,
        filter: &OrderFilter,
        after: Option<&OrderCursor>,
    ) -> Result<OrderPage, CoreError> {
        self.orders_page(by, filter, after, ORDERS_PER_PAGE).await
    }

    /// [`OrderDesk::admin_orders`] with `limit` rows a page (the API's `limit`).
    pub async fn orders_page(
        &self,
        by: &Authorized<ViewOrders>,
        filter: &OrderFilter,
        after: Option<&OrderCursor>,
        limit: u32,
    ) -> Result<OrderPage, CoreError> {
        let s = by.principal();
        let unmasked = s.holds::<ViewPersonalData>();
        let mut rows = self
            .fulfilment_store
            .list_orders(filter, after, limit + 1)
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more {
            rows.last().map(OrderListRow::cursor)
        } else {
            None
        };
        let rows = rows
            .into_iter()
            .map(|row| {
                let (recipient, destination) = recipient(&row.details, unmasked);
                OrderRow {
                    row,
                    recipient,
                    destination,
                }
            })
            .collect();
        Ok(OrderPage { rows, next })
    }

    /// One order with its history; an unmasked view is audited as a view of personal data.
    pub async fn admin_order(
        &self,
        by: &Authorized<ViewOrders>,
        id: OrderId,
        client: &Client,
    ) -> Result<OrderDetail, CoreError> {
        let s = by.principal();
        let order = self
            .order_store
            .order(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let history = self.fulfilment_store.order_history(id).await?;
        let unmasked = s.holds::<ViewPersonalData>();
        let (recipient, destination) = recipient(&order.details, unmasked);
        let contact = unmasked.then(|| {
            (
                order.details.phone.as_str().to_string(),
                order.details.email.as_str().to_string(),
            )
        });
        if unmasked {
            let fields = ["name", "address", "phone", "email"];
            let target = format!("order:{}", id.0);
            self.audit
                .record_view(&s.audit_context(client), &target, &fields)
                .await?;
        }
        let payment = self.payment_store.payment_of_order(id).await?;
        let held = payment
            .as_ref()
            .is_some_and(|p| p.status == PaymentStatus::Authorized);
        let next_events = state_of(&order, held).next_events();
        let hold_lapses_at = payment
            .as_ref()
            .and_then(|p| self.payments.hold_lapses_at(p));
        let code = &order.details.shipping_method;
        let settings = self.base.settings().await?;
        let shipping_method = settings
            .shipping_method(code)
            .map_or_else(|| code.clone(), |m| m.name.clone());
        Ok(OrderDetail {
            shipping_method,
            hold_rules: settings.holds.clone(),
            order,
            recipient,
            destination,
            contact,
            history,
            next_events,
            payment,
            hold_lapses_at,
        })
    }

    /// Takes a step with an order. Every step needs `ProcessOrders` (the proof); cancelling and
    /// refunding need `CancelOrders` too, asked of the same admin here. `Ok(Err(_))` says why
    /// the step was refused.
    pub async fn step_order(
        &self,
        by: &Authorized<ProcessOrders>,
        id: OrderId,
        event: OrderEvent,
        shipment: Option<Shipment>,
        note: &str,
        client: &Client,
    ) -> Result<StepResult, CoreError> {
        let s = by.principal();
        if matches!(event, OrderEvent::Cancel | OrderEvent::Refund) {
            s.authorize::<CancelOrders>()?;
        }
        let mut order = self
            .order_store
            .order(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let held = self.payments.held_for_shipping(&order).await?;
        let to = match state_of(&order, held.is_some()).step(event, shipment.as_ref()) {
            Ok(to) => to,
            Err(e) => return Ok(Err(e.into())),
        };
        let note = order_note(note);
        let actor = s.actor();
        // A card payment held for this moment is captured before the order ships; the order is
        // then 入金確認 (without a mail: the shipping mail follows) and ships from there.
        let mut captured = None;
        if let (Some(payment), OrderEvent::Ship) = (held, event) {
            match self.payments.capture_held(payment, actor.clone()).await {
                Ok(amount) => captured = Some(amount),
                Err(CoreError::PaymentUnavailable(e)) => {
                    tracing::warn!(target: "akinai::payments", order_id = id.0, error = %e, "capture at shipping failed");
                    return Ok(Err(StepProblem::CaptureFailed));
                }
                Err(e) => return Err(e),
            }
            order = self
                .order_store
                .order(id)
                .await?
                .ok_or(CoreError::NotFound)?;
            if order.status != OrderStatus::Paid {
                // The capture did not pay the order (a different amount flags it instead).
                return Ok(Err(StepProblem::Stale));
            }
        }
        let now = self.base.clock.now();
        // A card or konbini order not paid yet: the provider's page is closed first, and the
        // payment's failure cancels the order in the same transaction.
        let through_provider = event == OrderEvent::Cancel
            && order.payment_method.through_provider()
            && self
                .payments
                .cancel_provider_payment(id, actor.clone(), note.clone())
                .await?;
        if through_provider {
            self.audit
                .record(
                    &s.audit_context(client),
                    "order.cancel",
                    &format!("order:{}", id.0),
                    json!({
                        "before": { "status": order.status.as_str() },
                        "after": { "status": to.as_str() },
                        "payment": "released at the provider",
                        "note": note,
                    }),
                )
                .await?;
            return Ok(Ok(to));
        }
        let mut step = OrderStep::status_change(id, order.status, to, now, actor);
        step.shipment = shipment.clone().filter(|_| event == OrderEvent::Ship);
        step.note = note.clone();
        step.require_review_cleared = event == OrderEvent::Ship;
        step.payment = self.payments.shop_payment_change(&order, event).await?;
        if !self.fulfilment_store.step_order(&step).await? {
            return Ok(Err(StepProblem::Stale));
        }
        self.base.jobs_added();
        let mut detail = json!({
            "before": { "status": order.status.as_str() },
            "after": { "status": to.as_str() },
        });
        if let Some(sh) = &step.shipment {
            detail["after"]["carrier"] = json!(sh.carrier.as_str());
            detail["after"]["tracking_number"] = json!(sh.tracking_number.as_str());
        }
        if let Some(n) = &note {
            detail["note"] = json!(n);
        }
        if let Some(amount) = captured {
            detail["payment"] = json!({ "captured": amount.0 });
        }
        self.audit
            .record(
                &s.audit_context(client),
                &format!("order.{}", event.as_str()),
                &format!("order:{}", id.0),
                detail,
            )
            .await?;
        Ok(Ok(to))
    }

    /// Adds an internal note to an order (never shown to the customer).
    pub async fn add_order_note(
        &self,
        by: &Authorized<ProcessOrders>,
        id: OrderId,
        note: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.principal();
        let note =
            order_note(note).ok_or(CoreError::InvalidForm(vec![("note", "error.required")]))?;
        let actor = s.actor();
        if !self
            .fulfilment_store
            .add_order_note(id, self.base.clock.now(), &actor, &note)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                &s.audit_context(client),
                "order.note_added",
                &format!("order:{}", id.0),
                json!({ "note": note }),
            )
            .await?;
        Ok(())
    }
}

fn state_of(order: &Order, payment_held: bool) -> OrderState {
    OrderState {
        status: order.status,
        payment: order.payment_method,
        review_pending: order.review_pending,
        payment_held,
    }
}
