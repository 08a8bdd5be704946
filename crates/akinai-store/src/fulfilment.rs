//! Storage of the shop's work on orders (admin issue, item 6): the admin order list with filters
//! and keyset pages that stay fast at a million orders, status steps that commit together with
//! their history row, their stock release and the customer's mail job, and order notes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::checkout::CheckoutDetails;
use akinai_domain::fulfilment::Shipment;
use akinai_domain::ids::OrderId;
use akinai_domain::order::{OrderStatus, PaymentMethod};
use akinai_domain::Yen;

use crate::{NewJob, StoreResult};

/// Which orders the list shows; every field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub payment: Option<PaymentMethod>,
    /// Only orders flagged for review and not yet cleared.
    pub awaiting_review: bool,
    /// Only orders whose card payment is held for capture at shipping.
    pub payment_held: bool,
    /// Placed at or after.
    pub placed_from: Option<DateTime<Utc>>,
    /// Placed before.
    pub placed_before: Option<DateTime<Utc>>,
    /// The customer's e-mail address, exactly.
    pub email: Option<String>,
    /// Placed, or moved on (a step or a note in its history), at or after.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Where the next page of the list starts: after this order (newest first by time, then id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderCursor {
    pub placed_at: DateTime<Utc>,
    pub id: OrderId,
}

/// One row of the admin order list.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderListRow {
    pub id: OrderId,
    pub status: OrderStatus,
    pub payment_method: PaymentMethod,
    pub details: CheckoutDetails,
    pub grand_total: Yen,
    pub placed_at: DateTime<Utc>,
    pub review_pending: bool,
    /// The card payment is held, to be captured when the order ships.
    pub payment_held: bool,
}

impl OrderListRow {
    pub fn cursor(&self) -> OrderCursor {
        OrderCursor {
            placed_at: self.placed_at,
            id: self.id,
        }
    }
}

/// A status step to record. It applies only while the order is still `from` (and, when
/// `require_review_cleared`, has no uncleared review flag), so two admins clicking at once
/// record one step.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderStep {
    pub order: OrderId,
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub at: DateTime<Utc>,
    /// `admin:{id}`.
    pub actor: String,
    pub shipment: Option<Shipment>,
    pub note: Option<String>,
    pub require_review_cleared: bool,
    /// Put the order's quantities back on sale (cancellation).
    pub release_stock: bool,
    /// The customer's mail, enqueued in the same transaction.
    pub mail: Option<NewJob>,
    /// The order's payment as the step leaves it (the shop's 入金確認, a refund or a cancellation
    /// of a bank transfer or cash-on-delivery order), written only if the step applies.
    pub payment: Option<crate::payments::PaymentChange>,
}

impl OrderStep {
    /// A status step by `actor` with the customer's mail for the new status (one per order and
    /// status) and the stock release a cancellation needs; callers add a shipment, a note or
    /// the payment change. Shared by the order desk and the payment reports, which both move
    /// orders.
    pub fn status_change(
        id: OrderId,
        from: OrderStatus,
        to: OrderStatus,
        now: DateTime<Utc>,
        actor: String,
    ) -> OrderStep {
        OrderStep {
            order: id,
            from,
            to,
            at: now,
            actor,
            shipment: None,
            note: None,
            require_review_cleared: false,
            release_stock: to.releases_stock(),
            mail: Some(NewJob {
                kind: crate::JOB_ORDER_MAIL.into(),
                payload: serde_json::json!({
                    "order_id": id.0,
                    "status": to.as_str(),
                    "at": now.to_rfc3339(),
                }),
                run_at: now,
                dedup_key: Some(format!("order-mail-{}-{}", id.0, to.as_str())),
            }),
            payment: None,
        }
    }
}

/// One entry of an order's history: a status step or a note.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderHistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `None` for a note.
    pub step: Option<(OrderStatus, OrderStatus)>,
    pub shipment: Option<Shipment>,
    pub note: Option<String>,
}

#[async_trait]
pub trait FulfilmentStore: Send + Sync {
    /// Orders matching `filter`, newest first, after `after`, at most `limit`.
    async fn list_orders(
        &self,
        filter: &OrderFilter,
        after: Option<&OrderCursor>,
        limit: u32,
    ) -> StoreResult<Vec<OrderListRow>>;
    /// Records the step with its history row, stock release and mail in one transaction; false
    /// when the order is no longer in `step.from` or still awaits review (nothing written).
    async fn step_order(&self, step: &OrderStep) -> StoreResult<bool>;
    /// Records every step in one transaction, all or nothing (the bulk 発送 of a tracking
    /// file); `Some(order)` names the first order no longer where its step expected it, and
    /// then nothing was written.
    async fn step_orders(&self, steps: &[OrderStep]) -> StoreResult<Option<OrderId>>;
    /// Adds a note to the order's history; false when there is no such order.
    async fn add_order_note(
        &self,
        order: OrderId,
        at: DateTime<Utc>,
        actor: &str,
        note: &str,
    ) -> StoreResult<bool>;
    /// The order's history, oldest first.
    async fn order_history(&self, order: OrderId) -> StoreResult<Vec<OrderHistoryEntry>>;
}
