//! Webhook deliveries, signed as Stripe signs them: `Stripe-Signature: t=<unix>,v1=<hex>` where
//! the hex is HMAC-SHA256 over `"<t>.<body>"` with the endpoint's signing secret. Deliveries go
//! out in order and are awaited, so a test sees their effect when the shopper action returns.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::Shared;

/// How deliveries go (item 3's webhook scenarios).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookMode {
    Normal,
    /// Every event is delivered twice.
    Duplicate,
    /// The events of one action arrive in reverse order.
    Reversed,
    /// Signed with the wrong secret.
    WrongSignature,
    /// Not delivered at all (lost).
    Lost,
}

fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

pub(crate) async fn deliver(shared: &Shared, events: Vec<Value>) {
    let (url, secret, mode, t) = {
        let mut s = shared.state();
        s.delivered.extend(events.iter().cloned());
        (
            s.webhook_url.clone(),
            s.webhook_secret.clone(),
            s.webhook_mode,
            s.unix_now(),
        )
    };
    let Some(url) = url else {
        return;
    };
    let mut batch = events;
    match mode {
        WebhookMode::Lost => return,
        WebhookMode::Reversed => batch.reverse(),
        WebhookMode::Duplicate => {
            batch = batch.into_iter().flat_map(|e| [e.clone(), e]).collect();
        }
        WebhookMode::Normal | WebhookMode::WrongSignature => {}
    }
    let secret = if mode == WebhookMode::WrongSignature {
        format!("{secret}-wrong")
    } else {
        secret
    };
    for event in batch {
        let body = event.to_string().into_bytes();
        let status = match shared
            .client
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Stripe-Signature", signature(&secret, t, &body))
            .body(body)
            .send()
            .await
        {
            Ok(r) => r.status().as_u16(),
            Err(e) => {
                tracing::warn!(error = %e, "webhook delivery failed");
                0
            }
        };
        shared.state().delivery_statuses.push(status);
    }
}
