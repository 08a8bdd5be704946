//! Outgoing webhooks (issue 20, item 4; ADR 038): endpoints registered by an owner (back
//! office), an operator (CLI) or a token with `webhooks:write` (API), each with a `whsec_`
//! secret shown once; events written by the store in the transaction of their change (the
//! outbox); deliveries sent by the worker, signed per Standard Webhooks 1.0, retried on the
//! domain's schedule, an endpoint disabled by `410 Gone`; a delivery log with 再送. Secret
//! rotation keeps the old secret signing beside the new one for [`ROTATION_OVERLAP_HOURS`].

mod sender;

use std::sync::Arc;

use chrono::Duration;
use rand::RngCore;
use serde_json::json;
use tokio::task::JoinSet;

use akinai_domain::admin::ManageSecurity;
use akinai_domain::api::Scope;
use akinai_domain::ids::{WebhookDeliveryId, WebhookEndpointId};
use akinai_domain::webhook::{
    message_id, parse_url, retry_after, signature_header, BadUrl, EventSet, Secret,
};
use akinai_store::webhooks::{AttemptOutcome, DueDelivery, NewWebhookEndpoint, WebhookStore};

pub use akinai_store::webhooks::{DeliveryLogEntry, WebhookEndpoint};
pub use sender::{Sender, MAX_BODY, TIMEOUT};

use crate::accounts::Client;
use crate::admin::Authorized;
use crate::api::ApiCaller;
use crate::audit::AuditContext;
use crate::{Audit, Base, CoreError};

/// Hours the secret before a rotation keeps signing beside the new one.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
/// Deliveries sent at once by one worker.
pub const PARALLEL: usize = 8;
/// How long a claimed delivery is reserved for its worker (longer than [`TIMEOUT`]).
const LEASE_SECS: i64 = 60;
/// Endpoints a shop may have.
pub const MAX_ENDPOINTS: usize = 20;

/// An endpoint just made or rotated: the secret is shown this once.
#[derive(Debug, Clone)]
pub struct NewSecret {
    pub id: WebhookEndpointId,
    pub secret: String,
}

/// The webhook area.
#[derive(Clone)]
pub struct Webhooks {
    pub(crate) base: Base,
    pub(crate) webhook_store: Arc<dyn WebhookStore>,
    pub(crate) audit: Audit,
    pub(crate) sender: Option<Sender>,
    pub(crate) allow_internal: bool,
}

fn bad_url(e: BadUrl) -> CoreError {
    CoreError::InvalidForm(vec![(
        "url",
        match e {
            BadUrl::Internal => "webhook.internal_url",
            BadUrl::PlainHttp => "webhook.plain_http",
            _ => "webhook.bad_url",
        },
    )])
}

fn draw_secret() -> Secret {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    Secret::from_key(key)
}

impl Webhooks {
    /// Registers an endpoint for `events` (names separated by commas or spaces); a bad URL
    /// (internal addresses outside development, see ADR 038) or event list saves nothing.
    pub async fn add(
        &self,
        who: &AuditContext,
        url: &str,
        events: &str,
    ) -> Result<NewSecret, CoreError> {
        let url = parse_url(url, self.allow_internal).map_err(bad_url)?;
        let events = EventSet::parse(events)
            .map_err(|_| CoreError::InvalidForm(vec![("events", "webhook.bad_events")]))?;
        if self.webhook_store.webhook_endpoints().await?.len() >= MAX_ENDPOINTS {
            return Err(CoreError::InvalidForm(vec![("url", "webhook.too_many")]));
        }
        let secret = draw_secret().to_text();
        let id = self
            .webhook_store
            .add_webhook_endpoint(&NewWebhookEndpoint {
                url: url.to_string(),
                events: events.to_text(),
                secret: secret.clone(),
                created_at: self.base.clock.now(),
                created_by: who.actor.clone(),
            })
            .await?;
        self.audit
            .record(
                who,
                "webhook.add",
                &format!("webhook:{}", id.0),
                json!({ "url": url.as_str(), "events": events.to_text() }),
            )
            .await?;
        Ok(NewSecret { id, secret })
    }

    /// Endpoints not removed, newest first.
    pub async fn list(&self) -> Result<Vec<WebhookEndpoint>, CoreError> {
        Ok(self.webhook_store.webhook_endpoints().await?)
    }

    async fn live(&self, id: WebhookEndpointId) -> Result<WebhookEndpoint, CoreError> {
        self.webhook_store
            .webhook_endpoint(id)
            .await?
            .filter(|e| e.removed.is_none())
            .ok_or(CoreError::NotFound)
    }

    /// Removes an endpoint; its open deliveries end.
    pub async fn remove(&self, who: &AuditContext, id: WebhookEndpointId) -> Result<(), CoreError> {
        let endpoint = self.live(id).await?;
        if !self
            .webhook_store
            .remove_webhook_endpoint(id, self.base.clock.now(), &who.actor)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                who,
                "webhook.remove",
                &format!("webhook:{}", id.0),
                json!({ "url": endpoint.endpoint.url }),
            )
            .await?;
        Ok(())
    }

    /// Gives an endpoint a new secret, returned once; the old one signs too for
    /// [`ROTATION_OVERLAP_HOURS`].
    pub async fn rotate(
        &self,
        who: &AuditContext,
        id: WebhookEndpointId,
    ) -> Result<NewSecret, CoreError> {
        self.live(id).await?;
        let secret = draw_secret().to_text();
        let until = self.base.clock.now() + Duration::hours(ROTATION_OVERLAP_HOURS);
        if !self
            .webhook_store
            .rotate_webhook_secret(id, &secret, until)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                who,
                "webhook.rotate",
                &format!("webhook:{}", id.0),
                json!({ "old_secret_until": until }),
            )
            .await?;
        Ok(NewSecret { id, secret })
    }

    /// Turns a disabled endpoint (after a 410) back on.
    pub async fn enable(&self, who: &AuditContext, id: WebhookEndpointId) -> Result<(), CoreError> {
        self.live(id).await?;
        if !self.webhook_store.enable_webhook_endpoint(id).await? {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                who,
                "webhook.enable",
                &format!("webhook:{}", id.0),
                json!({}),
            )
            .await?;
        Ok(())
    }

    /// Sends a failed delivery again at the next round of the worker.
    pub async fn retry(&self, who: &AuditContext, id: WebhookDeliveryId) -> Result<(), CoreError> {
        if !self
            .webhook_store
            .retry_webhook_delivery(id, self.base.clock.now())
            .await?
        {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                who,
                "webhook.retry",
                &format!("webhook-delivery:{}", id.0),
                json!({}),
            )
            .await?;
        Ok(())
    }

    /// The newest deliveries, of one endpoint or all.
    pub async fn deliveries(
        &self,
        endpoint: Option<WebhookEndpointId>,
        limit: u32,
    ) -> Result<Vec<DeliveryLogEntry>, CoreError> {
        Ok(self
            .webhook_store
            .webhook_deliveries(endpoint, limit.clamp(1, 500))
            .await?)
    }

    /// Sends a `webhook.test` event to one endpoint (the admin's テスト送信).
    pub async fn ping(&self, who: &AuditContext, id: WebhookEndpointId) -> Result<(), CoreError> {
        let endpoint = self.live(id).await?;
        let first = EventSet::parse(&endpoint.endpoint.events)
            .map_err(|_| CoreError::NotFound)?
            .events()[0];
        self.webhook_store
            .record_webhook_event(
                first.as_str(),
                &json!({ "test": true }),
                self.base.clock.now(),
                Some(id),
            )
            .await?;
        self.audit
            .record(who, "webhook.ping", &format!("webhook:{}", id.0), json!({}))
            .await?;
        Ok(())
    }

    /// The audit context of an owner in the back office.
    pub fn owner(by: &Authorized<ManageSecurity>, client: &Client) -> AuditContext {
        by.principal().audit_context(client)
    }

    /// The audit context of a token, refused unless it has `scope`.
    pub fn token(
        caller: &ApiCaller,
        ip: std::net::IpAddr,
        scope: Scope,
    ) -> Result<AuditContext, CoreError> {
        caller.require(scope)?;
        Ok(caller.audit_context(ip))
    }

    /// Sends every due delivery, [`PARALLEL`] at a time; how many attempts were made.
    pub async fn deliver_due(&self) -> Result<usize, CoreError> {
        let Some(sender) = self.sender.clone() else {
            return Ok(0);
        };
        let mut made = 0;
        loop {
            let mut batch = JoinSet::new();
            for _ in 0..PARALLEL {
                let now = self.base.clock.now();
                let lease = now + Duration::seconds(LEASE_SECS);
                let Some(due) = self
                    .webhook_store
                    .claim_webhook_delivery(now, lease)
                    .await?
                else {
                    break;
                };
                let sender = sender.clone();
                let this = self.clone();
                batch.spawn(async move { this.attempt(&sender, due).await });
            }
            if batch.is_empty() {
                return Ok(made);
            }
            while let Some(done) = batch.join_next().await {
                made += 1;
                if let Ok(Err(e)) = done {
                    tracing::error!(error = %e, "could not record a webhook attempt");
                }
            }
        }
    }

    /// One attempt of one delivery, recorded.
    async fn attempt(&self, sender: &Sender, due: DueDelivery) -> Result<(), CoreError> {
        let now = self.base.clock.now();
        let timestamp = now.timestamp();
        let msg_id = message_id(due.event_id);
        let mut secrets = Vec::new();
        if let Ok(s) = Secret::parse(&due.endpoint.endpoint.secret) {
            secrets.push(s);
        }
        if let Some((old, until)) = &due.endpoint.previous_secret {
            if *until > now {
                if let Ok(s) = Secret::parse(old) {
                    secrets.push(s);
                }
            }
        }
        let refs: Vec<&Secret> = secrets.iter().collect();
        let headers = [
            ("webhook-id", msg_id.clone()),
            ("webhook-timestamp", timestamp.to_string()),
            (
                "webhook-signature",
                signature_header(&refs, &msg_id, timestamp, &due.body),
            ),
        ];
        let answer = sender
            .post(&due.endpoint.endpoint.url, &headers, &due.body)
            .await;
        let done_at = self.base.clock.now();
        let retry_at = retry_after(due.attempts).map(|d| done_at + d);
        let outcome = match answer {
            Ok(a) if (200..300).contains(&a.status) => {
                AttemptOutcome::Delivered { status: a.status }
            }
            Ok(a) if a.status == 410 => AttemptOutcome::Gone,
            Ok(a) => AttemptOutcome::Failed {
                status: Some(a.status),
                error: format!("HTTP {}: {}", a.status, a.body.trim()),
                retry_at,
            },
            Err(e) => AttemptOutcome::Failed {
                status: None,
                error: e,
                retry_at,
            },
        };
        match &outcome {
            AttemptOutcome::Delivered { .. } => {}
            AttemptOutcome::Gone => tracing::warn!(
                endpoint = due.endpoint.id.0,
                "webhook endpoint answered 410 Gone; disabled"
            ),
            AttemptOutcome::Failed { error, .. } => tracing::warn!(
                endpoint = due.endpoint.id.0,
                delivery = due.id.0,
                attempts = due.attempts,
                error = %error,
                "webhook delivery failed"
            ),
        }
        self.webhook_store
            .finish_webhook_attempt(&due, done_at, &outcome)
            .await?;
        Ok(())
    }
}
