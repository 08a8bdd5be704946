//! The `[payments.stripe]` configuration section and the demo shop's test payment page
//! (payments issue, items 2 and 4).
//!
//! In production mode the adapter talks only to `https://` endpoints, and 3-D Secure has no
//! setting at all (every card session asks for it). `serve --demo` runs in development mode and
//! starts the local stand-in for Stripe (`akinai-fakepsp`) on loopback, so a newcomer can buy
//! with a test card offline; it refuses to start in production mode.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use akinai_core::payments::{PaymentGateway, StripeConfig, StripeGateway};
use akinai_domain::order::PaymentMethod;

use crate::config::{Config, Mode, Secret};

/// `[payments]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentsSection {
    /// Card and konbini payments through Stripe; unset: bank transfer and cash on delivery only.
    pub stripe: Option<StripeSection>,
}

/// `[payments.stripe]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StripeSection {
    /// The secret API key (`sk_live_…`, or a restricted `rk_live_…`).
    pub secret_key: Secret,
    /// The webhook endpoint's signing secret (`whsec_…`).
    pub webhook_secret: Secret,
    /// `card`, `konbini` or both.
    #[serde(default = "default_methods")]
    pub methods: Vec<String>,
    /// Days a konbini payment number stays valid (1–60).
    #[serde(default = "default_konbini_days")]
    pub konbini_expires_after_days: u32,
    #[serde(default = "default_api_base")]
    pub api_base: String,
    #[serde(default = "default_checkout_origin")]
    pub checkout_origin: String,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    #[serde(default = "default_retries")]
    pub retries: u32,
}

fn default_methods() -> Vec<String> {
    vec!["card".into()]
}
fn default_konbini_days() -> u32 {
    3
}
fn default_api_base() -> String {
    "https://api.stripe.com".into()
}
fn default_checkout_origin() -> String {
    "https://checkout.stripe.com".into()
}
fn default_timeout() -> u64 {
    10
}
fn default_retries() -> u32 {
    2
}

impl StripeSection {
    fn methods(&self) -> anyhow::Result<Vec<PaymentMethod>> {
        let methods = self
            .methods
            .iter()
            .map(|m| {
                PaymentMethod::parse(m)
                    .filter(|m| m.through_provider())
                    .with_context(|| {
                        format!("payments.stripe.methods: `{m}` is not card or konbini")
                    })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(!methods.is_empty(), "payments.stripe.methods is empty");
        Ok(methods)
    }

    /// Checks the section; production mode allows only HTTPS endpoints.
    pub fn validate(&self, mode: Mode) -> anyhow::Result<()> {
        self.methods()?;
        let key = self.secret_key.expose();
        anyhow::ensure!(
            key.starts_with("sk_") || key.starts_with("rk_"),
            "payments.stripe.secret_key must be a Stripe secret key (sk_… or rk_…)"
        );
        anyhow::ensure!(
            self.webhook_secret.expose().starts_with("whsec_"),
            "payments.stripe.webhook_secret must be the endpoint's signing secret (whsec_…)"
        );
        anyhow::ensure!(
            (1..=60).contains(&self.konbini_expires_after_days),
            "payments.stripe.konbini_expires_after_days must be between 1 and 60"
        );
        anyhow::ensure!(
            self.timeout_secs > 0 && self.retries <= 5,
            "payments.stripe: timeout_secs must be at least 1 and retries at most 5"
        );
        let api = url::Url::parse(&self.api_base).context("payments.stripe.api_base")?;
        if mode == Mode::Production {
            anyhow::ensure!(
                api.scheme() == "https" && self.checkout_origin.starts_with("https://"),
                "payments.stripe: production mode talks to the payment provider over https only"
            );
        }
        Ok(())
    }

    fn gateway(&self) -> anyhow::Result<StripeGateway> {
        Ok(StripeGateway::new(StripeConfig {
            api_base: url::Url::parse(&self.api_base).context("payments.stripe.api_base")?,
            checkout_origin: self.checkout_origin.clone(),
            secret_key: self.secret_key.expose().to_string(),
            webhook_secret: self.webhook_secret.expose().to_string(),
            methods: self.methods()?,
            konbini_expires_after_days: self.konbini_expires_after_days,
            timeout: Duration::from_secs(self.timeout_secs),
            retries: self.retries,
        })?)
    }
}

/// The configured payment provider, if any.
pub fn gateway(config: &Config) -> anyhow::Result<Option<Arc<dyn PaymentGateway>>> {
    match &config.payments.stripe {
        Some(s) => Ok(Some(Arc::new(s.gateway()?))),
        None => Ok(None),
    }
}

const DEMO_KEY: &str = "sk_test_akinai_demo";
const DEMO_WEBHOOK_SECRET: &str = "whsec_akinai_demo";

/// Starts the demo shop's test payment page and returns the provider that talks to it. Refused
/// in production mode: a shop taking real orders never shows a fake payment page.
pub async fn demo_gateway(
    config: &Config,
) -> anyhow::Result<(akinai_fakepsp::FakeStripe, Arc<dyn PaymentGateway>)> {
    anyhow::ensure!(
        config.mode == Mode::Development,
        "the test payment page never runs in production mode"
    );
    let webhook = format!("http://{}/webhooks/stripe", config.listen);
    let fake = akinai_fakepsp::FakeStripe::start(DEMO_KEY, DEMO_WEBHOOK_SECRET, Some(webhook))
        .await
        .context("cannot start the test payment page")?;
    let section = StripeSection {
        secret_key: Secret::new(DEMO_KEY),
        webhook_secret: Secret::new(DEMO_WEBHOOK_SECRET),
        methods: vec!["card".into(), "konbini".into()],
        konbini_expires_after_days: 3,
        api_base: fake.base_url(),
        checkout_origin: fake.base_url(),
        timeout_secs: 10,
        retries: 1,
    };
    let gateway: Arc<dyn PaymentGateway> = Arc::new(section.gateway()?);
    Ok((fake, gateway))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripe(api_base: &str) -> StripeSection {
        StripeSection {
            secret_key: Secret::new("sk_live_x"),
            webhook_secret: Secret::new("whsec_x"),
            methods: vec!["card".into(), "konbini".into()],
            konbini_expires_after_days: 3,
            api_base: api_base.into(),
            checkout_origin: "https://checkout.stripe.com".into(),
            timeout_secs: 10,
            retries: 2,
        }
    }

    #[tokio::test]
    async fn the_test_payment_page_refuses_production_mode() {
        let config = Config::default();
        assert_eq!(config.mode, Mode::Production);
        let refused = demo_gateway(&config).await.err().unwrap();
        assert!(refused
            .to_string()
            .contains("never runs in production mode"));
    }

    #[test]
    fn production_talks_to_the_provider_over_https_only_and_keys_are_checked() {
        assert!(stripe("https://api.stripe.com")
            .validate(Mode::Production)
            .is_ok());
        assert!(stripe("http://127.0.0.1:9")
            .validate(Mode::Production)
            .is_err());
        assert!(stripe("http://127.0.0.1:9")
            .validate(Mode::Development)
            .is_ok());
        let wrong_key = StripeSection {
            secret_key: Secret::new("pk_live_x"),
            ..stripe("https://api.stripe.com")
        };
        assert!(
            wrong_key.validate(Mode::Production).is_err(),
            "a publishable key"
        );
        let bank = StripeSection {
            methods: vec!["bank_transfer".into()],
            ..stripe("https://api.stripe.com")
        };
        assert!(bank.validate(Mode::Production).is_err());
    }
}
