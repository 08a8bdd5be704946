//! A local stand-in for the parts of Stripe's HTTP API that akinai uses (payments issue, items 3
//! and 4), shaped after Stripe's public API reference: `POST /v1/checkout/sessions`,
//! `GET /v1/checkout/sessions/{id}` (with `expand[]=payment_intent`),
//! `POST /v1/checkout/sessions/{id}/expire`, `POST /v1/payment_intents/{id}/capture` and
//! `…/cancel` (card payments held with `capture_method=manual`), `POST /v1/refunds`, idempotency
//! keys, bearer
//! authentication, error objects, and webhook deliveries signed the way Stripe signs them
//! (`Stripe-Signature: t=…,v1=HMAC-SHA256("t.body")`).
//!
//! Tests start it on loopback and drive what a shopper or Stripe would do
//! ([`FakeStripe::pay_card`], [`FakeStripe::issue_konbini`], …) and how deliveries go wrong
//! ([`WebhookMode`], [`FakeStripe::fail_next`], [`FakeStripe::stall_next`]). The demo shop
//! runs it as its test payment page (`/pay/{session}`), which accepts only Stripe's published
//! test card numbers and keeps nothing of a card but its last four digits.
#![forbid(unsafe_code)]

mod api;
mod page;
mod state;
mod webhooks;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

use state::State;
pub use state::{CardOutcome, Recorded};
pub use webhooks::WebhookMode;

/// Stripe's published test cards the fake knows (any other number is refused).
pub const CARD_SUCCESS: &str = "4242424242424242";
/// Requires 3-D Secure authentication, then succeeds if the shopper completes it.
pub const CARD_3DS_REQUIRED: &str = "4000002500003155";
/// Requires 3-D Secure, then is declined.
pub const CARD_3DS_THEN_DECLINE: &str = "4000008400001629";
/// Declined (generic).
pub const CARD_DECLINED: &str = "4000000000000002";
/// Declined (insufficient funds).
pub const CARD_INSUFFICIENT_FUNDS: &str = "4000000000009995";

/// A running fake.
#[derive(Clone)]
pub struct FakeStripe {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    /// Requests told to stall wait on this forever (until the client gives up).
    never: Notify,
    client: reqwest::Client,
}

impl Shared {
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock is a bug in the fake; the data is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl FakeStripe {
    /// Starts the fake on a free loopback port. `api_key` is the secret key akinai must send;
    /// webhooks go to `webhook_url`, signed with `webhook_secret`.
    pub async fn start(
        api_key: &str,
        webhook_secret: &str,
        webhook_url: Option<String>,
    ) -> std::io::Result<FakeStripe> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(
                api_key,
                webhook_secret,
                webhook_url,
                format!("http://{addr}"),
            )),
            never: Notify::new(),
            client: reqwest::Client::new(),
        });
        let app = api::router(shared.clone()).merge(page::router(shared.clone()));
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "fake payment provider stopped");
            }
        });
        Ok(FakeStripe { addr, shared })
    }

    /// `http://127.0.0.1:<port>`: both the API base and the checkout page origin.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where webhooks go (set after akinai's address is known).
    pub fn set_webhook_url(&self, url: &str) {
        self.shared.state().webhook_url = Some(url.to_string());
    }

    /// The unix time deliveries are signed with (default: the system clock).
    pub fn set_time(&self, unix: i64) {
        self.shared.state().now = Some(unix);
    }

    pub fn set_webhook_mode(&self, mode: WebhookMode) {
        self.shared.state().webhook_mode = mode;
    }

    /// Makes the provider report `amount` instead of the session's amount (a tampered or
    /// mismatched total).
    pub fn report_amount(&self, amount: Option<i64>) {
        self.shared.state().amount_override = amount;
    }

    /// The issuing country reported for the cards paid from now on (default `JP`).
    pub fn set_card_country(&self, country: &str) {
        self.shared.state().card_country = country.to_string();
    }

    /// Answers the next API requests with these HTTP statuses (e.g. `[503]`), one each.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.shared.state().fail_next.extend_from_slice(statuses);
    }

    /// The next `n` API requests never get an answer (the client's timeout decides).
    pub fn stall_next(&self, n: u32) {
        self.shared.state().stall_next += n;
    }

    /// Every API request received (method, path, idempotency key, form fields).
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.state().requests.clone()
    }

    /// Every session id created, oldest first.
    pub fn sessions(&self) -> Vec<String> {
        self.shared.state().sessions.keys().cloned().collect()
    }

    /// The shopper pays session `session` with a card number on the hosted page; webhooks are
    /// delivered before this returns.
    pub async fn pay_card(&self, session: &str, number: &str) -> CardOutcome {
        let (outcome, events) = self.shared.state().pay_card(session, number);
        webhooks::deliver(&self.shared, events).await;
        outcome
    }

    /// The shopper completes (or fails) the 3-D Secure challenge of `session`.
    pub async fn complete_3ds(&self, session: &str, authenticated: bool) -> CardOutcome {
        let (outcome, events) = self.shared.state().complete_3ds(session, authenticated);
        webhooks::deliver(&self.shared, events).await;
        outcome
    }

    /// The shopper chooses a store on the konbini page: a payment number and deadline are issued.
    pub async fn issue_konbini(&self, session: &str) -> bool {
        let events = self.shared.state().issue_konbini(session);
        let issued = !events.is_empty();
        webhooks::deliver(&self.shared, events).await;
        issued
    }

    /// The shopper pays at the store.
    pub async fn pay_konbini(&self, session: &str) -> bool {
        let events = self.shared.state().settle_konbini(session, true);
        let paid = !events.is_empty();
        webhooks::deliver(&self.shared, events).await;
        paid
    }

    /// The konbini deadline passes unpaid.
    pub async fn expire_konbini(&self, session: &str) -> bool {
        let events = self.shared.state().settle_konbini(session, false);
        let expired = !events.is_empty();
        webhooks::deliver(&self.shared, events).await;
        expired
    }

    /// The card hold of `session` lapses uncaptured (Stripe cancels it after seven days).
    pub async fn lapse_hold(&self, session: &str) -> bool {
        let result = {
            let mut s = self.shared.state();
            match s.intent_of(session) {
                Some(i) => s.cancel_intent(&i, "automatic"),
                None => Err("no payment"),
            }
        };
        match result {
            Ok((_, events)) => {
                webhooks::deliver(&self.shared, events).await;
                true
            }
            Err(_) => false,
        }
    }

    /// The status of the payment intent behind `session` (`requires_capture`, `succeeded`, …).
    pub fn intent_status(&self, session: &str) -> Option<String> {
        let s = self.shared.state();
        s.intent_of(session)
            .and_then(|i| s.intents.get(&i).map(|i| i.status.to_string()))
    }

    /// Sends the events again exactly as before (a provider retrying deliveries).
    pub async fn redeliver_all(&self) {
        let events = self.shared.state().delivered.clone();
        webhooks::deliver(&self.shared, events).await;
    }

    /// The HTTP statuses akinai answered deliveries with, in order.
    pub fn delivery_statuses(&self) -> Vec<u16> {
        self.shared.state().delivery_statuses.clone()
    }
}
