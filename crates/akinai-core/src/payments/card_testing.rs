//! The card testing defence around card payments (payments issue, item 6; CCSG-V-5): before a
//! card session opens, the last hour's attempts and declines of its source, cart, account,
//! e-mail and delivery address are weighed (`akinai_domain::card_testing`); after a first decline
//! the shopper must pass the bot challenge (on the order status page, which may run the
//! first-party proof-of-work script; checkout pages run none); past a threshold the
//! payment is refused with the same words whatever tripped, the alert goes out (mail, log,
//! security events) and the source stays refused until its count ages out of the hour. Each
//! decline the provider reports is counted; a site-wide spike alerts and, if the shop chose so,
//! pauses card payments until an owner resumes them (re-authenticated, audited).

use crate::Payments;
use chrono::Duration;
use serde_json::json;

use akinai_domain::admin::ManageSecurity;
use akinai_domain::card_testing::{may_start, needs_challenge, spike};
use akinai_domain::order::PaymentMethod;
use akinai_domain::settings::ShopSettings;
use akinai_store::payments::{Attempt, Payment};
use akinai_store::Order;

use crate::accounts::challenge::Answer;
use crate::accounts::Client;
use crate::admin::{Authorized, Reauth};
use crate::audit::AuditContext;
use crate::CoreError;

/// The window the counters cover.
pub const WINDOW: Duration = Duration::hours(1);

impl Payments {
    /// Who is behind this card payment attempt, or `PaymentRefused` when card payments are
    /// paused or one of its identities is over its threshold.
    pub(super) async fn card_testing_gate(
        &self,
        order: &Order,
        payment: &Payment,
        client: &Client,
        answer: Option<&Answer>,
        settings: &ShopSettings,
    ) -> Result<Option<Attempt>, CoreError> {
        if order.payment_method != PaymentMethod::Card {
            return Ok(None);
        }
        if settings.card_payments_paused {
            return Err(CoreError::PaymentRefused);
        }
        let now = self.base.clock.now();
        let attempt = Attempt {
            payment: payment.id,
            at: now,
            source: client.ip.to_string(),
            cart: order.cart_id,
            customer: order.customer_id,
            email: order.details.email.as_str().to_lowercase(),
            address_key: akinai_domain::hold::address_key(&order.details.address),
        };
        let tallies = self
            .payment_store
            .attempt_tallies(&attempt, now - WINDOW)
            .await?;
        if let Err(tripped) = may_start(&tallies, &settings.card_testing) {
            self.alerts.raise_alert(
                "card_testing",
                "card payments refused: possible card testing",
                Some(client.ip),
                json!({
                    "tripped": tripped,
                    "order_id": order.id.0,
                    "source": { "attempts": tallies.source.attempts, "declines": tallies.source.declines },
                }),
            )
            .await?;
            return Err(CoreError::PaymentRefused);
        }
        if needs_challenge(&tallies, &settings.card_testing) {
            let solved = match answer {
                Some(a) => self.challenges.challenge_solved(a).await?,
                None => false,
            };
            if !solved {
                return Err(CoreError::ChallengeRequired);
            }
        }
        Ok(Some(attempt))
    }

    /// Counts a decline reported for `payment`; on a site-wide spike, alerts and pauses card
    /// payments when the shop chose so.
    pub(super) async fn count_decline(&self, payment: &Payment) -> Result<(), CoreError> {
        let now = self.base.clock.now();
        self.payment_store.record_decline(payment.id, now).await?;
        let mut settings = self.base.settings().await?;
        let site = self.payment_store.site_tally(now - WINDOW).await?;
        if !spike(site, &settings.card_testing) || settings.card_payments_paused {
            return Ok(());
        }
        let pause = settings.card_testing.pause_on_spike;
        self.alerts
            .raise_alert(
                "card_testing_spike",
                if pause {
                    "card payments paused: decline spike"
                } else {
                    "decline spike in card payments"
                },
                None,
                json!({ "attempts": site.attempts, "declines": site.declines, "paused": pause }),
            )
            .await?;
        if pause {
            settings.card_payments_paused = true;
            self.settings_store.save_settings(&settings).await?;
            self.base.caches.settings.forget(&());
            self.audit
                .record(
                    &AuditContext::system("card-testing"),
                    "payments.card_paused",
                    "shop",
                    json!({ "attempts": site.attempts, "declines": site.declines }),
                )
                .await?;
        }
        Ok(())
    }

    /// Resumes card payments after a pause (owners, with password and code).
    pub async fn resume_card_payments(
        &self,
        by: &Authorized<ManageSecurity>,
        r: &Reauth,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.admin()?;
        self.admin_accounts.reauthenticate_admin(s, r).await?;
        let mut settings = self.base.settings().await?;
        if !settings.card_payments_paused {
            return Ok(());
        }
        settings.card_payments_paused = false;
        self.settings_store.save_settings(&settings).await?;
        self.base.caches.settings.forget(&());
        self.audit
            .record(
                &s.audit_context(client),
                "payments.card_resumed",
                "shop",
                json!({ "before": { "paused": true }, "after": { "paused": false } }),
            )
            .await?;
        Ok(())
    }
}
