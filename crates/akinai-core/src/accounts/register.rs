//! Sign-up and e-mail verification (CCSG-F-3a).

use crate::Accounts;
use chrono::Duration;
use serde_json::json;

use akinai_domain::account::check_password;
use akinai_domain::address::{parse_text, FieldError};
use akinai_store::{throttle, NewCustomer, TOKEN_VERIFY_EMAIL};

use super::mail::AccountMail;
use super::{email_key, events, Client};
use crate::{tokens, CoreError};

/// How long a verification link works.
pub const VERIFY_LINK_LIFETIME: Duration = Duration::hours(24);

/// What the sign-up form sends.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub email: String,
    pub name: String,
    pub password: String,
    /// The answer to the bot challenge, if the form carried one.
    pub answer: Option<super::challenge::Answer>,
}

impl Accounts {
    /// Signs up. The answer is the same whether or not the address was free: a new account gets
    /// a verification mail, the owner of a taken address a notice instead.
    pub async fn register(&self, form: &Registration, client: &Client) -> Result<(), CoreError> {
        let now = self.base.clock.now();
        let hour = now - Duration::hours(1);
        let ip = client.ip.to_string();
        let cfg = &self.base.config.accounts;
        if self
            .account_store
            .source_blocked_until(&ip, now)
            .await?
            .is_some()
            || self
                .account_store
                .count_throttle_events(throttle::SIGNUP, &ip, hour)
                .await?
                >= cfg.signups_per_source_per_hour
            || self
                .account_store
                .count_throttle_events(throttle::SIGNUP, "*", hour)
                .await?
                >= cfg.signups_per_hour
        {
            return Err(CoreError::TryLater(now + Duration::minutes(10)));
        }
        if self.challenges.signup_challenge_needed(client).await?
            && !self
                .challenges
                .challenge_solved(form.answer.as_ref().unwrap_or(&Default::default()))
                .await?
        {
            return Err(CoreError::ChallengeRequired);
        }
        let mut errors = Vec::new();
        let email = email_key(&form.email);
        if email.is_none() {
            let e = akinai_domain::address::Email::parse(&form.email)
                .err()
                .unwrap_or(FieldError::Invalid);
            errors.push(("email", e.message_key()));
        }
        let name = parse_text(&form.name, 50)
            .map_err(|e| errors.push(("name", e.message_key())))
            .ok();
        let shop_name = self.base.settings().await?.shop_name;
        if let Err(p) = check_password(&form.password, &[&form.name, &form.email, &shop_name]) {
            errors.push(("password", p.message_key()));
        }
        let (Some(email), Some(name), true) = (email, name, errors.is_empty()) else {
            return Err(CoreError::InvalidForm(errors));
        };
        self.account_store
            .record_throttle_event(throttle::SIGNUP, &ip, None, now)
            .await?;
        self.account_store
            .record_throttle_event(throttle::SIGNUP, "*", None, now)
            .await?;
        // Hash in both cases, so a taken address answers no faster.
        let hash = self.base.hasher.hash(form.password.clone()).await?;
        let created = self
            .account_store
            .create_customer(&NewCustomer {
                email: email.clone(),
                name,
                password_hash: hash,
                created_at: now,
            })
            .await?;
        match created {
            Some(id) => {
                let nonce = tokens::generate().secret;
                let token = AccountMail::Verify.token(&self.base.config.secret_key, &nonce);
                self.account_store
                    .create_account_token(
                        id,
                        TOKEN_VERIFY_EMAIL,
                        &token.hash,
                        now + VERIFY_LINK_LIFETIME,
                    )
                    .await?;
                self.common
                    .enqueue_account_mail(AccountMail::Verify, id, Some(&nonce))
                    .await?;
                self.common
                    .account_event(
                        events::REGISTERED,
                        Some(client),
                        json!({ "customer": id.0 }),
                    )
                    .await?;
            }
            None => {
                if let Some(existing) = self.account_store.customer_by_email(&email).await? {
                    self.common
                        .enqueue_account_mail(AccountMail::AlreadyRegistered, existing.id, None)
                        .await?;
                }
                self.common
                    .account_event(
                        events::REGISTER_DUPLICATE,
                        Some(client),
                        json!({ "email": email }),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// Confirms an address by the secret of its verification link.
    pub async fn verify_email(&self, secret: &str, client: &Client) -> Result<(), CoreError> {
        let hash = tokens::parse(secret).ok_or(CoreError::LinkInvalid)?;
        let now = self.base.clock.now();
        let id = self
            .account_store
            .take_account_token(TOKEN_VERIFY_EMAIL, &hash, now)
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        self.account_store.mark_email_verified(id, now).await?;
        self.common
            .account_event(events::VERIFIED, Some(client), json!({ "customer": id.0 }))
            .await
    }
}
