//! Storage of payments through a provider (payments issue, items 1 and 2): one payment per
//! order with its frozen amount, the provider's references, and the provider events already
//! applied. An update is applied whole in one transaction — the event id (so a webhook delivered
//! twice is applied once), the payment's new status guarded by its version (so a webhook and the
//! reconciliation job racing apply one after the other), a review flag and a status step on the
//! order — or not at all.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::card_testing::{Tallies, Tally};
use akinai_domain::ids::{CartId, CustomerId, OrderId, PaymentId};
use akinai_domain::order::PaymentMethod;
use akinai_domain::payment::PaymentStatus;
use akinai_domain::Yen;

use crate::fulfilment::OrderStep;
use crate::StoreResult;

/// The provider name of payments the shop itself confirms (bank transfer: its 入金確認; cash on
/// delivery: the delivery). Their rows are created with the order.
pub const SHOP_PROVIDER: &str = "shop";

/// A payment's new standing, written with the order step that caused it (the shop's own
/// report of a bank transfer or cash-on-delivery payment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentChange {
    pub payment: PaymentId,
    pub status: PaymentStatus,
    pub refunded: Yen,
}

/// A payment to create when an order is placed with a provider's method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub order: OrderId,
    pub provider: String,
    pub method: PaymentMethod,
    /// The order's grand total, frozen: what the provider must report.
    pub amount: Yen,
    pub at: DateTime<Utc>,
}

/// One refund as it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub order: OrderId,
    pub amount: Yen,
    pub at: DateTime<Utc>,
}

/// A stored payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: PaymentId,
    pub order: OrderId,
    pub provider: String,
    pub method: PaymentMethod,
    pub amount: Yen,
    pub status: PaymentStatus,
    pub refunded: Yen,
    /// The provider's checkout session, once created.
    pub session_ref: Option<String>,
    /// The provider's payment (Stripe: PaymentIntent), once known.
    pub payment_ref: Option<String>,
    /// Where the shopper pays (the provider's page).
    pub redirect_url: Option<String>,
    /// Konbini payment instructions as JSON (store, number, deadline), once issued.
    pub instructions: Option<String>,
    /// How many checkout sessions were started (each with its own idempotency key).
    pub attempt: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When akinai last heard from or asked the provider about it.
    pub checked_at: DateTime<Utc>,
    /// When the card issuer began holding the money (a payment captured at shipping).
    pub authorized_at: Option<DateTime<Utc>>,
}

/// A provider event being applied (recorded once per provider and id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenEvent {
    pub id: String,
    pub kind: String,
}

/// What to write for one report about a payment.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentUpdate {
    pub payment: PaymentId,
    /// The version the caller read; the update applies only if it is still current.
    pub version: i64,
    pub status: PaymentStatus,
    pub refunded: Yen,
    pub payment_ref: Option<String>,
    pub instructions: Option<String>,
    pub at: DateTime<Utc>,
    /// The webhook event this update comes from (`None` for the reconciliation job's query).
    pub event: Option<SeenEvent>,
    /// A review reason to put on the order (CCSG-F-4).
    pub flag: Option<String>,
    /// A status step for the order (paid, or cancelled when the payment failed); skipped
    /// without error when the order has moved on meanwhile.
    pub step: Option<OrderStep>,
}

/// How an update went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    Applied,
    /// The event was applied before: nothing written.
    Duplicate,
    /// The payment changed since it was read: nothing written; read again and retry.
    Stale,
}

/// Who is behind a payment attempt (card testing defence, payments issue item 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub payment: PaymentId,
    pub at: DateTime<Utc>,
    pub source: String,
    pub cart: CartId,
    pub customer: Option<CustomerId>,
    pub email: String,
    pub address_key: String,
}

#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// Creates the order's payment, or returns the one it has.
    async fn create_payment(&self, payment: &NewPayment) -> StoreResult<Payment>;
    async fn payment_of_order(&self, order: OrderId) -> StoreResult<Option<Payment>>;
    /// The refunds made at or after `from` and before `before`, oldest first (the ledger every
    /// raise of a payment's refunded total writes).
    async fn refunds_between(
        &self,
        from: DateTime<Utc>,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<Refund>>;
    async fn payment_by_session(
        &self,
        provider: &str,
        session_ref: &str,
    ) -> StoreResult<Option<Payment>>;
    /// Records a new checkout session for attempt `attempt` (one more than the stored one);
    /// false when another request started that attempt first.
    async fn set_payment_session(
        &self,
        payment: PaymentId,
        attempt: i64,
        session_ref: &str,
        redirect_url: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Applies an update whole or not at all.
    async fn update_payment(&self, update: &PaymentUpdate) -> StoreResult<UpdateOutcome>;
    /// Records an event that concerns no payment akinai knows (so it is not looked at again);
    /// false when it was recorded before.
    async fn record_payment_event(
        &self,
        provider: &str,
        event: &SeenEvent,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// `provider`'s pending payments not heard of since `before`, oldest first (the
    /// reconciliation job).
    async fn payments_to_check(
        &self,
        provider: &str,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Payment>>;
    /// How many card payments are held for capture at shipping, and how many of them began
    /// before `lapsing_if_before` (the dashboard's reminder of holds about to lapse).
    async fn held_payments(&self, lapsing_if_before: DateTime<Utc>) -> StoreResult<(i64, i64)>;
    /// Marks a payment as asked about now (the provider had no news).
    async fn touch_payment(&self, payment: PaymentId, at: DateTime<Utc>) -> StoreResult<()>;
    /// Records a checkout session opened for a payment, with who is behind it.
    async fn record_attempt(&self, attempt: &Attempt) -> StoreResult<()>;
    /// Records a decline of a payment, attributed to the people behind its last attempt.
    async fn record_decline(&self, payment: PaymentId, at: DateTime<Utc>) -> StoreResult<()>;
    /// Attempts and declines since `since`, site-wide.
    async fn site_tally(&self, since: DateTime<Utc>) -> StoreResult<Tally>;
    /// Attempts and declines since `since` by the identities of `attempt` (its payment and time
    /// are ignored), and site-wide.
    async fn attempt_tallies(
        &self,
        attempt: &Attempt,
        since: DateTime<Utc>,
    ) -> StoreResult<Tallies>;
}
