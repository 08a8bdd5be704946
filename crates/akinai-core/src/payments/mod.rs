//! Paying through a payment service provider (payments issue, items 1 and 2; CCSG-P-1,
//! CCSG-F-1, CCSG-F-4).
//!
//! - [`Shop::start_payment`] freezes the order's total in a payment row and opens a checkout
//!   session at the provider (one per attempt, each with its own idempotency key); the shopper
//!   pays on the provider's page. akinai's pages never carry card fields.
//! - [`Shop::handle_payment_webhook`] accepts a delivery only with a valid signature, applies
//!   each event once (its id is stored in the same transaction as its effect), and lets the
//!   domain's payment lattice (`akinai_domain::payment`) decide, so duplicates and reports out of
//!   order are harmless. A paid order moves to 入金確認 by `psp:<provider>` with the customer's
//!   mail; a different amount flags the order instead (CCSG-F-4); a failed or expired payment
//!   cancels the unpaid order and puts its stock back.
//! - [`Shop::reconcile_payments`] (the worker, every minute) asks the provider about payments
//!   that have been quiet for [`RECONCILE_AFTER`], so a lost webhook delays an order, never
//!   loses it.
//! - A shop that captures card payments at shipping gets *held* payments; `capture` takes the
//!   money when the order ships and releases the hold when it is cancelled.
//! - Bank transfer and cash on delivery have payment rows too, moved by the shop's own order
//!   steps through the same lattice (`shop`).

use crate::AdminAccounts;
use crate::Alerts;
use crate::Audit;
use crate::Base;
use crate::Challenges;
use crate::Orders;
use akinai_store::fulfilment::{FulfilmentStore, OrderStep};
use akinai_store::payments::PaymentStore;
/// A payment record and the provider name of the shop's own methods, as pages read them.
pub use akinai_store::payments::{Payment, SHOP_PROVIDER};
use akinai_store::JobStore;
use akinai_store::OrderStore;
use akinai_store::SettingsStore;
mod capture;
mod card_testing;
mod gateway;
mod refund;
mod shop;
mod signature;
mod stripe;

use std::sync::Arc;

use chrono::Duration;

use akinai_domain::order::{OrderStatus, PaymentMethod};
use akinai_domain::payment::{apply, Applied, OrderEffect, PaymentStatus, Report};
use akinai_domain::settings::CardCapture;
use akinai_store::payments::{NewPayment, PaymentUpdate, SeenEvent, UpdateOutcome};
use akinai_store::Order;

pub use capture::{HeldOrders, LAPSE_WARNING};
pub use gateway::{
    GatewayError, PaymentGateway, ProviderEvent, Session, SessionRequest, SessionState,
    WebhookError,
};
pub use signature::{SignatureError, TOLERANCE_SECS};
pub use stripe::{StripeConfig, StripeGateway};

use crate::CoreError;

/// How long a payment may stay quiet before the reconciliation job asks the provider.
pub const RECONCILE_AFTER: Duration = Duration::minutes(10);
/// How long a checkout session stays open at the provider (Stripe's minimum is 30 minutes).
pub const SESSION_LIFETIME: Duration = Duration::minutes(60);
/// A payment whose session could never be opened is given up after this long.
pub const GIVE_UP_WITHOUT_SESSION: Duration = Duration::hours(2);

/// A payment report with what came with it.
#[derive(Default)]
struct Incoming {
    report: Option<Report>,
    payment_ref: Option<String>,
    instructions: Option<String>,
    event: Option<SeenEvent>,
    /// Who the order's step is attributed to (default `psp:<provider>`), with a note.
    actor: Option<String>,
    note: Option<String>,
    /// A step to take whatever the report's effect (a full refund's 返金済み).
    step: Option<akinai_store::fulfilment::OrderStep>,
    /// A hold reason that comes with the news (a card issued abroad).
    flag: Option<&'static str>,
}

/// Payments through a provider and by the shop: sessions, webhooks, reconciliation, capture,
/// refunds, card-testing defence.
#[derive(Clone)]
pub struct Payments {
    pub(crate) base: Base,
    pub(crate) fulfilment_store: Arc<dyn FulfilmentStore>,
    pub(crate) job_store: Arc<dyn JobStore>,
    pub(crate) order_store: Arc<dyn OrderStore>,
    pub(crate) payment_store: Arc<dyn PaymentStore>,
    pub(crate) settings_store: Arc<dyn SettingsStore>,
    pub(crate) admin_accounts: AdminAccounts,
    pub(crate) alerts: Alerts,
    pub(crate) audit: Audit,
    pub(crate) challenges: Challenges,
    pub(crate) orders: Orders,
    pub(crate) gateway: Option<Arc<dyn PaymentGateway>>,
}

impl Payments {
    pub fn gateway(&self) -> Option<&Arc<dyn PaymentGateway>> {
        self.gateway.as_ref()
    }

    /// Whether the shopper may choose `method`: provider methods need a provider that takes them.
    fn can_take(&self, method: PaymentMethod) -> bool {
        !method.through_provider()
            || self
                .gateway
                .as_ref()
                .is_some_and(|g| g.methods().contains(&method))
    }

    /// The shop settings as checkout offers them: card and konbini only when a provider takes
    /// them.
    pub async fn checkout_settings(
        &self,
    ) -> Result<akinai_domain::settings::ShopSettings, CoreError> {
        let mut settings = self.base.settings().await?;
        let paused = settings.card_payments_paused;
        settings
            .payment_methods
            .retain(|m| self.can_take(*m) && !(paused && *m == PaymentMethod::Card));
        Ok(settings)
    }

    fn provider(&self) -> Result<&Arc<dyn PaymentGateway>, CoreError> {
        self.gateway.as_ref().ok_or(CoreError::PaymentClosed)
    }

    /// The payment of the order behind a status link, if it is paid through the provider.
    pub async fn payment_of(&self, order: &Order) -> Result<Option<Payment>, CoreError> {
        Ok(self.payment_store.payment_of_order(order.id).await?)
    }

    /// Opens (or reopens) the provider's checkout for the order behind `status_secret`; returns
    /// the page to send the shopper to.
    pub async fn start_payment(
        &self,
        status_secret: &str,
        client: &crate::accounts::Client,
        answer: Option<&crate::accounts::challenge::Answer>,
    ) -> Result<String, CoreError> {
        let order = self.orders.order_by_status_secret(status_secret).await?;
        self.open_session(order, status_secret, client, answer)
            .await
    }

    /// The same for an order checkout has just placed (by its id); bank transfer and cash on
    /// delivery need no session (`PaymentClosed`).
    pub(crate) async fn start_payment_for(
        &self,
        order: akinai_domain::ids::OrderId,
        status_secret: &str,
        client: &crate::accounts::Client,
        answer: Option<&crate::accounts::challenge::Answer>,
    ) -> Result<String, CoreError> {
        let order = self
            .order_store
            .order(order)
            .await?
            .ok_or(CoreError::NotFound)?;
        if !order.payment_method.through_provider() {
            return Err(CoreError::PaymentClosed);
        }
        self.open_session(order, status_secret, client, answer)
            .await
    }

    async fn open_session(
        &self,
        order: Order,
        status_secret: &str,
        client: &crate::accounts::Client,
        answer: Option<&crate::accounts::challenge::Answer>,
    ) -> Result<String, CoreError> {
        let gateway = self.provider()?;
        if !order.payment_method.through_provider() || order.status != OrderStatus::Placed {
            return Err(CoreError::PaymentClosed);
        }
        let now = self.base.clock.now();
        let payment = self
            .payment_store
            .create_payment(&NewPayment {
                order: order.id,
                provider: gateway.name().to_string(),
                method: order.payment_method,
                amount: order.totals.grand_total,
                at: now,
            })
            .await?;
        if payment.status != PaymentStatus::Open {
            return Err(CoreError::PaymentClosed);
        }
        // A session opened recently is still usable: send the shopper back to it.
        if let Some(url) = &payment.redirect_url {
            if now - payment.updated_at < SESSION_LIFETIME - Duration::minutes(5) {
                return Ok(url.clone());
            }
        }
        let settings = self.base.settings().await?;
        let signal = self
            .card_testing_gate(&order, &payment, client, answer, &settings)
            .await?;
        let attempt = payment.attempt + 1;
        let status_url = self.orders.status_url(status_secret);
        let session = gateway
            .create_session(&SessionRequest {
                order: order.id,
                description: format!("{} ご注文 {}", settings.shop_name, order.number()),
                method: order.payment_method,
                amount: payment.amount,
                email: order.details.email.as_str().to_string(),
                success_url: format!("{status_url}?paid=1"),
                cancel_url: status_url,
                idempotency_key: format!("akinai-order-{}-attempt-{attempt}", order.id.0),
                expires_at: now + SESSION_LIFETIME,
                capture_later: order.payment_method == PaymentMethod::Card
                    && settings.card_capture == CardCapture::AtShipping,
            })
            .await?;
        if !self
            .payment_store
            .set_payment_session(payment.id, attempt, &session.session_ref, &session.url, now)
            .await?
        {
            // Another request opened this attempt first; send the shopper to that one.
            let current = self.payment_store.payment_of_order(order.id).await?;
            return current
                .and_then(|p| p.redirect_url)
                .ok_or(CoreError::PaymentClosed);
        }
        if let Some(signal) = signal {
            self.payment_store.record_attempt(&signal).await?;
        }
        tracing::info!(order_id = order.id.0, attempt, "payment session opened");
        Ok(session.url)
    }

    /// A webhook delivery from the provider: `signature` is its signature header, `body` the
    /// raw bytes. Refused (400) unless signed; applied once.
    pub async fn handle_payment_webhook(
        &self,
        signature: &str,
        body: &[u8],
    ) -> Result<(), CoreError> {
        let gateway = self.provider()?;
        let now = self.base.clock.now();
        let event = match gateway.read_webhook(signature, body, now.timestamp()) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(target: "akinai::payments", error = %e, "webhook refused");
                return Err(e.into());
            }
        };
        let seen = SeenEvent {
            id: event.id.clone(),
            kind: event.kind.clone(),
        };
        let payment = match &event.session_ref {
            Some(s) => {
                self.payment_store
                    .payment_by_session(gateway.name(), s)
                    .await?
            }
            None => None,
        };
        let payment = match (payment, event.order) {
            (Some(p), _) => Some(p),
            (None, Some(order)) => self
                .payment_store
                .payment_of_order(order)
                .await?
                .filter(|p| p.provider == gateway.name()),
            (None, None) => None,
        };
        let Some(payment) = payment else {
            self.payment_store
                .record_payment_event(gateway.name(), &seen, now)
                .await?;
            tracing::info!(event = %event.kind, "webhook for no known payment");
            return Ok(());
        };
        let flag = event
            .card_country
            .as_deref()
            .filter(|c| akinai_domain::hold::card_country_mismatch(c))
            .map(|_| akinai_domain::hold::CARD_COUNTRY_MISMATCH);
        let incoming = Incoming {
            report: event.report,
            payment_ref: event.payment_ref,
            instructions: event.instructions,
            event: Some(seen),
            flag,
            ..Incoming::default()
        };
        self.apply_incoming(payment, incoming).await
    }

    /// Applies a report to a payment, re-reading it when another writer got there first.
    async fn apply_incoming(
        &self,
        mut payment: Payment,
        incoming: Incoming,
    ) -> Result<(), CoreError> {
        // Konbini instructions, the first time they arrive: mailed to the customer (once per
        // order, whatever arrives again; enqueued first so that nothing is lost).
        if let (Some(instructions), None) = (&incoming.instructions, &payment.instructions) {
            let value: serde_json::Value = serde_json::from_str(instructions).unwrap_or_default();
            self.job_store
                .enqueue_job(&akinai_store::NewJob {
                    kind: akinai_store::JOB_ORDER_MAIL.into(),
                    payload: serde_json::json!({
                        "order_id": payment.order.0,
                        "mail": "konbini",
                        "instructions": value,
                    }),
                    run_at: self.base.clock.now(),
                    dedup_key: Some(format!("konbini-mail-{}", payment.order.0)),
                })
                .await?;
        }
        // Each retry follows a concurrent update that did commit, so three are plenty.
        for _ in 0..3 {
            let now = self.base.clock.now();
            let applied = match &incoming.report {
                Some(r) => apply(payment.status, payment.refunded, payment.amount, r),
                // News without a report (konbini instructions): stored, nothing decided.
                None => Applied {
                    status: payment.status,
                    refunded: payment.refunded,
                    effect: OrderEffect::None,
                },
            };
            let actor = incoming
                .actor
                .clone()
                .unwrap_or_else(|| format!("psp:{}", payment.provider));
            let step_to = |to| {
                let mut step = OrderStep::status_change(
                    payment.order,
                    OrderStatus::Placed,
                    to,
                    now,
                    actor.clone(),
                );
                step.note = incoming.note.clone();
                if payment.status == PaymentStatus::Authorized && to == OrderStatus::Paid {
                    // A hold captured (by the shop's capture or the provider's report of it,
                    // whichever is recorded first): the customer was told at checkout that the
                    // card is charged when the order ships, and hears of the shipping instead.
                    step.mail = None;
                    step.note = step
                        .note
                        .or_else(|| Some(format!("カード売上を確定({})", payment.provider)));
                }
                step
            };
            let (flag, step) = match applied.effect {
                OrderEffect::None | OrderEffect::Release => {
                    (incoming.flag.map(str::to_string), incoming.step.clone())
                }
                OrderEffect::MarkPaid => (None, Some(step_to(OrderStatus::Paid))),
                OrderEffect::CancelUnpaid => (None, Some(step_to(OrderStatus::Cancelled))),
                OrderEffect::Flag(reason) => (Some(reason.to_string()), None),
            };
            let update = PaymentUpdate {
                payment: payment.id,
                version: payment.version,
                status: applied.status,
                refunded: applied.refunded,
                payment_ref: incoming.payment_ref.clone(),
                instructions: incoming.instructions.clone(),
                at: now,
                event: incoming.event.clone(),
                flag,
                step,
            };
            match self.payment_store.update_payment(&update).await? {
                UpdateOutcome::Applied => {
                    if incoming.report == Some(Report::Declined) {
                        self.count_decline(&payment).await?;
                    }
                    if applied.status != payment.status {
                        tracing::info!(
                            target: "akinai::payments",
                            order_id = payment.order.0,
                            from = payment.status.as_str(),
                            to = applied.status.as_str(),
                            effect = ?applied.effect,
                            "payment updated"
                        );
                    }
                    if applied.effect == OrderEffect::Release {
                        let payment_ref = incoming
                            .payment_ref
                            .as_ref()
                            .or(payment.payment_ref.as_ref());
                        self.release_late_hold(payment.order, payment_ref).await;
                    }
                    self.base.jobs_added();
                    return Ok(());
                }
                UpdateOutcome::Duplicate => return Ok(()),
                UpdateOutcome::Stale => {
                    payment = self
                        .payment_store
                        .payment_of_order(payment.order)
                        .await?
                        .ok_or(CoreError::NotFound)?;
                }
            }
        }
        Err(CoreError::Busy)
    }

    /// Asks the provider about payments quiet for [`RECONCILE_AFTER`]; returns how many changed
    /// or were given up.
    pub async fn reconcile_payments(&self) -> Result<usize, CoreError> {
        let Some(gateway) = self.gateway.clone() else {
            return Ok(0);
        };
        let now = self.base.clock.now();
        let quiet = self
            .payment_store
            .payments_to_check(gateway.name(), now - RECONCILE_AFTER, 50)
            .await?;
        let mut changed = 0;
        for payment in quiet {
            let order_id = payment.order.0;
            match self.ask_provider(gateway.as_ref(), payment).await {
                Ok(true) => changed += 1,
                Ok(false) => {}
                Err(CoreError::PaymentUnavailable(e)) => {
                    tracing::warn!(target: "akinai::payments", order_id, error = %e, "reconciliation query failed");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(changed)
    }

    /// Asks the provider where `payment` stands and applies the answer; false when there was
    /// nothing new (the payment is marked as asked about).
    async fn ask_provider(
        &self,
        gateway: &dyn PaymentGateway,
        payment: Payment,
    ) -> Result<bool, CoreError> {
        let now = self.base.clock.now();
        let state = match &payment.session_ref {
            Some(session) => gateway.session_state(session).await?,
            None if now - payment.created_at > GIVE_UP_WITHOUT_SESSION => SessionState {
                report: Some(Report::Failed),
                ..SessionState::default()
            },
            None => SessionState::default(),
        };
        if state.report.is_none() && state.instructions.is_none() {
            self.payment_store.touch_payment(payment.id, now).await?;
            return Ok(false);
        }
        let incoming = Incoming {
            report: state.report,
            payment_ref: state.payment_ref,
            instructions: state.instructions,
            ..Incoming::default()
        };
        self.apply_incoming(payment, incoming).await?;
        Ok(true)
    }
}
