//! Storage side of outgoing webhooks (issue 20, item 4; ADR 038): endpoints with their secrets
//! (and the previous one during a rotation's overlap), events written in the transaction of the
//! change they report (the outbox: order placement, order steps, product edits, stock, new
//! customers call into it inside their own transactions), and one delivery per subscribed
//! endpoint that the worker claims under a lease, like jobs.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::{WebhookDeliveryId, WebhookEndpointId};

use crate::StoreResult;

/// An endpoint to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhookEndpoint {
    pub url: String,
    /// Event names separated by spaces (`akinai_domain::webhook::EventSet::to_text`).
    pub events: String,
    /// The `whsec_…` secret.
    pub secret: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// A kept endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: WebhookEndpointId,
    pub endpoint: NewWebhookEndpoint,
    /// The secret before the last rotation and until when it still signs.
    pub previous_secret: Option<(String, DateTime<Utc>)>,
    /// When and why deliveries stopped (a `410 Gone`, or the owner).
    pub disabled: Option<(DateTime<Utc>, String)>,
    pub removed: Option<(DateTime<Utc>, String)>,
}

/// A delivery due now, with what sending it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    pub id: WebhookDeliveryId,
    pub event_id: i64,
    pub event_type: String,
    pub body: String,
    /// Attempts made, this one included.
    pub attempts: i64,
    pub endpoint: WebhookEndpoint,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver answered 2xx.
    Delivered { status: u16 },
    /// Try again at `retry_at`, or (None) give up.
    Failed {
        status: Option<u16>,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
    /// `410 Gone`: the endpoint is disabled and its open deliveries end.
    Gone,
}

/// One line of an endpoint's delivery log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryLogEntry {
    pub id: WebhookDeliveryId,
    pub endpoint_id: WebhookEndpointId,
    pub event_id: i64,
    pub event_type: String,
    pub created_at: DateTime<Utc>,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn add_webhook_endpoint(
        &self,
        endpoint: &NewWebhookEndpoint,
    ) -> StoreResult<WebhookEndpointId>;
    /// Endpoints not removed, newest first.
    async fn webhook_endpoints(&self) -> StoreResult<Vec<WebhookEndpoint>>;
    async fn webhook_endpoint(&self, id: WebhookEndpointId)
        -> StoreResult<Option<WebhookEndpoint>>;
    /// Removes an endpoint (kept for the log, sent nothing more); false when there is none.
    async fn remove_webhook_endpoint(
        &self,
        id: WebhookEndpointId,
        at: DateTime<Utc>,
        by: &str,
    ) -> StoreResult<bool>;
    /// Puts in a new secret; the old one keeps signing until `overlap_until`.
    async fn rotate_webhook_secret(
        &self,
        id: WebhookEndpointId,
        secret: &str,
        overlap_until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Turns deliveries back on for a disabled endpoint.
    async fn enable_webhook_endpoint(&self, id: WebhookEndpointId) -> StoreResult<bool>;
    /// Claims the oldest due delivery of an endpoint still live, counting the attempt.
    async fn claim_webhook_delivery(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<DueDelivery>>;
    async fn finish_webhook_attempt(
        &self,
        delivery: &DueDelivery,
        at: DateTime<Utc>,
        outcome: &AttemptOutcome,
    ) -> StoreResult<()>;
    /// Sends a failed delivery again now (the admin's 再送); false unless it had failed.
    async fn retry_webhook_delivery(
        &self,
        id: WebhookDeliveryId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// The newest deliveries, of one endpoint or all.
    async fn webhook_deliveries(
        &self,
        endpoint: Option<WebhookEndpointId>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryLogEntry>>;
    /// Records an event outside any other change (a test ping from the admin).
    async fn record_webhook_event(
        &self,
        event_type: &str,
        data: &serde_json::Value,
        at: DateTime<Utc>,
        only: Option<WebhookEndpointId>,
    ) -> StoreResult<Option<i64>>;
}
