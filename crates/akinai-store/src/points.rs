//! Storage side of points (issue #23, item 6): each member's balance and the movements that
//! made it, the points a shopper chose to use on the cart, and the orders whose points are due
//! to be settled.
//!
//! Points used are taken when the order is placed, inside the order's own transaction
//! (`NewOrder::points`): the balance only goes down while it holds enough, so two racing
//! checkouts can never spend the same points twice; the order that finds too few is refused
//! with `PlaceOrderError::PointsShort` and nothing of it is written. Earning on delivery and
//! giving back on cancellation or refund happen later ([`PointStore::settle_points`]), each an
//! order's state moving once, so settling twice (two nodes, a retry) moves nothing twice.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::{CartId, CustomerId, OrderId};
use akinai_domain::points::{EntryKind, OrderPointsNow, Settlement};

use crate::StoreResult;

/// An order's points as it is placed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderPoints {
    /// Taken from the member's balance now (equals `totals.points`).
    pub used: i64,
    /// Granted when the order is delivered.
    pub earned: i64,
}

/// A member's points now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PointBalance {
    pub balance: i64,
    /// The last earning or spending; `None` for a member who never held points.
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// One movement of a member's points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointEntry {
    pub kind: EntryKind,
    /// Signed: earned and returned points positive, used, revoked and lapsed negative.
    pub points: i64,
    pub balance_after: i64,
    pub order_id: Option<OrderId>,
    pub created_at: DateTime<Utc>,
}

/// An order whose points may need settling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointsDue {
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    /// The order's points, status and refunds now.
    pub points: OrderPointsNow,
    /// The yen refunded that the order's points already reflect.
    pub refund_seen: i64,
}

#[async_trait]
pub trait PointStore: Send + Sync {
    async fn point_balance(&self, customer: CustomerId) -> StoreResult<PointBalance>;
    /// The newest movements first.
    async fn point_entries(&self, customer: CustomerId, limit: u32)
        -> StoreResult<Vec<PointEntry>>;
    /// Keeps the points the shopper chose to use on the cart (0 for none).
    async fn set_cart_points(&self, cart: CartId, points: i64) -> StoreResult<()>;
    /// Orders of members whose points are due to be settled, oldest first: pending ones now
    /// delivered, cancelled or refunded; granted ones now cancelled or refunded, or refunded in
    /// part beyond what their points reflect. An order settled and not refunded since is not
    /// among them, so the batch never fills with orders that have nothing due.
    async fn points_due(&self, limit: u32) -> StoreResult<Vec<PointsDue>>;
    /// Moves the order to `settlement` (state, points revoked, the refunds seen) and records its
    /// movements against the member's balance, in one transaction; false (and nothing done)
    /// when the order has moved on since `due` was read.
    async fn settle_points(
        &self,
        due: &PointsDue,
        settlement: &Settlement,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Adds `points` (signed) to the member's balance as the shop's adjustment; `None` (and
    /// nothing done) when it would take the balance below zero.
    async fn adjust_points(
        &self,
        customer: CustomerId,
        points: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;
    /// Lapses the positive balances last earned on or spent from before `cutoff` (up to
    /// `limit` members), each with an `expire` entry; the members and points lapsed.
    async fn lapse_points(
        &self,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<(CustomerId, i64)>>;
}
