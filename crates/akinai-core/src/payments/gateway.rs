//! The payment gateway abstraction (payments issue, item 1): what akinai asks of a payment
//! service provider and what it hears back, in akinai's terms. Stripe is the first adapter
//! ([`super::stripe`]); GMO-PG, SBPS, PAY.JP or KOMOJU fit behind the same trait (docs/payments.md).
//! Bank transfer and cash on delivery need no provider: the shop's own 入金確認 step is their
//! report, so they never reach a gateway.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::OrderId;
use akinai_domain::order::PaymentMethod;
use akinai_domain::payment::Report;
use akinai_domain::Yen;

/// A checkout session to open at the provider: the shopper pays there, never on akinai's pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRequest {
    pub order: OrderId,
    /// What the shopper sees as the item (the shop and the order reference).
    pub description: String,
    pub method: PaymentMethod,
    /// The frozen grand total.
    pub amount: Yen,
    pub email: String,
    /// Where the provider sends the shopper back after paying, and after giving up.
    pub success_url: String,
    pub cancel_url: String,
    /// The same key for a retried request, so the provider creates one session.
    pub idempotency_key: String,
    /// When an unpaid session closes.
    pub expires_at: DateTime<Utc>,
    /// Hold the card payment for the shop to capture when the order ships (card only).
    pub capture_later: bool,
}

/// An open session: its reference and the page the shopper is sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub session_ref: String,
    pub url: String,
}

/// What the provider says about a session when asked (the reconciliation job).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionState {
    /// `None` while the shopper has not finished.
    pub report: Option<Report>,
    pub payment_ref: Option<String>,
    /// Konbini instructions (JSON), once issued.
    pub instructions: Option<String>,
}

/// A webhook delivery, verified and read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    pub id: String,
    pub kind: String,
    pub session_ref: Option<String>,
    pub payment_ref: Option<String>,
    /// The order the provider's metadata names (events about a payment rather than a session).
    pub order: Option<OrderId>,
    /// `None` for events akinai does not act on (recorded and acknowledged).
    pub report: Option<Report>,
    pub instructions: Option<String>,
    /// The card's issuing country (ISO 3166 alpha-2), when the event tells it.
    pub card_country: Option<String>,
}

/// Why a call to the provider did not give an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    #[error("the payment provider did not answer in time")]
    Timeout,
    #[error("the payment provider is unavailable ({0})")]
    Unavailable(String),
    #[error("the payment provider refused the request: {0}")]
    Refused(String),
    #[error("the payment provider's answer could not be read: {0}")]
    Malformed(String),
}

/// Why a webhook delivery was not accepted (answered 400; the provider retries later).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Signature(#[from] super::signature::SignatureError),
    #[error("the event could not be read: {0}")]
    Malformed(String),
}

#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// The provider's name in payments and audit entries (`stripe`).
    fn name(&self) -> &'static str;
    /// The methods this provider takes for the shop.
    fn methods(&self) -> &[PaymentMethod];
    /// Whether the page the shopper is sent to lives at `origin` (for the CSP's `form-action`).
    fn checkout_origin(&self) -> String;
    async fn create_session(&self, request: &SessionRequest) -> Result<Session, GatewayError>;
    async fn session_state(&self, session_ref: &str) -> Result<SessionState, GatewayError>;
    /// Closes an unpaid session (cancelling the order before the shopper paid).
    async fn expire_session(&self, session_ref: &str) -> Result<(), GatewayError>;
    /// How long the card issuer holds an authorized payment before it lapses.
    fn hold_lifetime(&self) -> chrono::Duration;
    /// Captures `amount` of a held card payment; returns the amount captured.
    async fn capture(
        &self,
        payment_ref: &str,
        amount: Yen,
        idempotency_key: &str,
    ) -> Result<Yen, GatewayError>;
    /// Releases a held card payment without taking the money (an order cancelled before it
    /// shipped).
    async fn release_hold(&self, payment_ref: &str) -> Result<(), GatewayError>;
    /// Refunds `amount` of a payment; returns the amount this refund gave back.
    async fn refund(
        &self,
        payment_ref: &str,
        amount: Yen,
        idempotency_key: &str,
    ) -> Result<Yen, GatewayError>;
    /// Verifies a webhook delivery's signature at `now` (unix seconds) and reads it.
    fn read_webhook(
        &self,
        signature: &str,
        body: &[u8],
        now: i64,
    ) -> Result<ProviderEvent, WebhookError>;
}
