//! Login with throttling (IPA-C-7, CCSG-F-3b).
//!
//! Order of checks: a blocked source is refused; the address's recent failures may make it wait
//! (progressive delay, then a 30-minute lock); then the password is verified — against a dummy
//! hash when no account exists. A failure is counted for the address and for the source; a
//! source that fails on many addresses (credential stuffing) or very often is blocked for an hour
//! and raises an alert. Every refusal reads the same to the client.

use super::passkey::Purpose;
use crate::accounts::passkey::PasskeyLogin;
use crate::Accounts;
use akinai_webauthn::{b64url, from_b64url, AssertionResponse, StoredCredential};
use chrono::Duration;
use serde_json::json;

use akinai_domain::account::{second_step, AttemptHistory, Gate, SecondStep, MAX_PASSWORD_BYTES};
use akinai_domain::settings::SecondFactorPolicy;
use akinai_store::throttle;

use super::challenge::Answer;
use super::mail::AccountMail;
use super::password::Verified;
use super::{email_key, events, Client};
use crate::{tokens, CoreError};

/// What the login form sends, with the browser's device cookie.
#[derive(Debug, Clone, Default)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The `dev` cookie, if the browser has one.
    pub device: Option<String>,
    /// The answer to the bot challenge, if the form carried one.
    pub answer: Option<Answer>,
}

/// Where a login stands after the password.
#[derive(Debug, Clone)]
pub enum LoginStep {
    Done(LoggedIn),
    /// The account has a second factor: the code must follow. `pending` is the secret of the
    /// five-minute token that carries the login to the next step (a cookie).
    SecondFactor {
        pending: String,
        /// The code was mailed (a risky login of a member without a factor of their own).
        by_mail: bool,
    },
}

/// Purpose of the token between password and second factor.
pub const TOKEN_SECOND_FACTOR: &str = "second_factor";
/// How long the second step may take.
const SECOND_STEP: Duration = Duration::minutes(5);
/// Wrong codes one pending login may try.
const SECOND_TRIES: u32 = 5;

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// The new session's cookie secret.
    pub session: String,
    /// A new device cookie to set (the browser had none).
    pub new_device: Option<String>,
}

/// How far back failures count towards a lock.
pub(crate) const HORIZON: Duration = Duration::hours(24);

impl Accounts {
    /// Logs in. A login from a browser this account never used sends a notice to the account's
    /// address (CCSG-F-3b) with a link that ends the new session.
    pub async fn login(
        &self,
        form: &LoginRequest,
        client: &Client,
    ) -> Result<LoginStep, CoreError> {
        let now = self.base.clock.now();
        let policy = self.base.config.accounts.throttle;
        let ip = client.ip.to_string();
        if let Some(until) = self.account_store.source_blocked_until(&ip, now).await? {
            return Err(CoreError::TryLater(until));
        }
        // Malformed addresses are counted under their raw text, so they throttle like any other.
        let key = email_key(&form.email).unwrap_or_else(|| form.email.chars().take(254).collect());
        let (failures, last) = self
            .account_store
            .login_failures(&key, now - HORIZON)
            .await?;
        let history = AttemptHistory {
            consecutive_failures: failures,
            last_failure: last,
        };
        if let Gate::Wait(until) = policy.gate(history, now) {
            self.common
                .account_event(
                    events::THROTTLED,
                    Some(client),
                    json!({ "email": key, "failures": failures }),
                )
                .await?;
            return Err(CoreError::TryLater(until));
        }
        // The address's failures are known already (`history`); only the source is asked.
        let challenge_needed = failures >= self.base.config.accounts.throttle.slow_after
            || self.challenges.source_challenge_needed(client).await?;
        if challenge_needed
            && !self
                .challenges
                .challenge_solved(form.answer.as_ref().unwrap_or(&Answer::default()))
                .await?
        {
            return Err(CoreError::ChallengeRequired);
        }
        let customer = self.account_store.customer_by_email(&key).await?;
        let password = if form.password.len() > MAX_PASSWORD_BYTES {
            String::new()
        } else {
            form.password.clone()
        };
        let verdict = self
            .base
            .hasher
            .verify(password, customer.as_ref().map(|c| c.password_hash.clone()))
            .await?;
        let Some(customer) = customer.filter(|_| verdict != Verified::No) else {
            self.login_failed(&key, client, failures + 1).await?;
            return Err(CoreError::LoginFailed);
        };
        if customer.locked_at.is_some() {
            // Locked by the shop: the same answer as a wrong password, nothing mailed.
            return Err(CoreError::LoginFailed);
        }
        if let Verified::YesRehashed(upgraded) = verdict {
            self.account_store
                .set_password_hash(customer.id, &upgraded)
                .await?;
        }
        let device = form.device.as_deref().and_then(tokens::parse);
        let policy = self.base.settings().await?.second_factor;
        let has_factor = self.has_second_factor(customer.id).await?;
        let risky = policy == SecondFactorPolicy::OnRisk
            && self
                .login_is_risky(&customer, device.as_ref(), client)
                .await?;
        let step = second_step(policy, has_factor, risky);
        if step != SecondStep::None {
            let pending = tokens::generate();
            self.account_store
                .create_account_token(
                    customer.id,
                    TOKEN_SECOND_FACTOR,
                    &pending.hash,
                    now + SECOND_STEP,
                )
                .await?;
            let by_mail = step == SecondStep::MailCode;
            if by_mail {
                self.send_login_code(customer.id, &pending.hash, now + SECOND_STEP)
                    .await?;
            }
            return Ok(LoginStep::SecondFactor {
                pending: pending.secret,
                by_mail,
            });
        }
        Ok(LoginStep::Done(
            self.finish_login(&customer, &key, device, client).await?,
        ))
    }

    /// The second step: a TOTP or recovery code for the login started by `pending`.
    pub async fn complete_login(
        &self,
        pending: &str,
        code: &str,
        device: Option<&str>,
        client: &Client,
    ) -> Result<LoggedIn, CoreError> {
        let now = self.base.clock.now();
        let hash = tokens::parse(pending).ok_or(CoreError::LinkInvalid)?;
        let id = self
            .account_store
            .account_token_customer(TOKEN_SECOND_FACTOR, &hash, now)
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        let customer = self
            .account_store
            .customer(id)
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        let ip = client.ip.to_string();
        if let Some(until) = self.account_store.source_blocked_until(&ip, now).await? {
            return Err(CoreError::TryLater(until));
        }
        let (failures, last) = self
            .account_store
            .login_failures(&customer.email, now - HORIZON)
            .await?;
        let history = AttemptHistory {
            consecutive_failures: failures,
            last_failure: last,
        };
        if let Gate::Wait(until) = self.base.config.accounts.throttle.gate(history, now) {
            return Err(CoreError::TryLater(until));
        }
        if !(self.factors.second_factor_ok(id, code).await?
            || self.login_code_ok(id, &hash, code).await?)
        {
            let tried = self
                .account_store
                .count_throttle_events(events::SECOND_FACTOR_FAILED, &hash.0, now - SECOND_STEP)
                .await?;
            self.account_store
                .record_throttle_event(events::SECOND_FACTOR_FAILED, &hash.0, None, now)
                .await?;
            if tried + 1 >= SECOND_TRIES {
                self.account_store
                    .take_account_token(TOKEN_SECOND_FACTOR, &hash, now)
                    .await?;
            }
            // Wrong codes count towards the address's lock like wrong passwords.
            self.login_failed(&customer.email, client, failures + 1)
                .await?;
            self.common
                .account_event(
                    events::SECOND_FACTOR_FAILED,
                    Some(client),
                    json!({ "customer": id.0 }),
                )
                .await?;
            return Err(CoreError::InvalidForm(vec![(
                "code",
                "account.totp_wrong_code",
            )]));
        }
        if self
            .account_store
            .take_account_token(TOKEN_SECOND_FACTOR, &hash, now)
            .await?
            .is_none()
        {
            return Err(CoreError::LinkInvalid);
        }
        let device = device.and_then(tokens::parse);
        let key = customer.email.clone();
        self.finish_login(&customer, &key, device, client).await
    }

    /// Everything after the last factor: counters reset, session, event, new-device notice.
    pub(super) async fn finish_login(
        &self,
        customer: &akinai_store::Customer,
        key: &str,
        device: Option<akinai_store::TokenHash>,
        client: &Client,
    ) -> Result<LoggedIn, CoreError> {
        let now = self.base.clock.now();
        self.account_store
            .record_throttle_event(throttle::LOGIN_OK, key, None, now)
            .await?;
        self.account_store.record_login(customer.id, now).await?;
        let (device, new_device) = match device {
            Some(hash) => (hash, None),
            None => {
                let t = tokens::generate();
                (t.hash, Some(t.secret))
            }
        };
        let known = self
            .account_store
            .customer_knows_device(customer.id, &device)
            .await?;
        let first_login = self.account_store.session_count(customer.id).await? == 0;
        let (secret, session) = self
            .start_session(customer.id, client, Some(device))
            .await?;
        self.common
            .account_event(
                events::LOGIN_OK,
                Some(client),
                json!({ "customer": customer.id.0, "new_device": !known }),
            )
            .await?;
        if !known && !first_login {
            self.common
                .enqueue_new_device_mail(customer.id, session, client)
                .await?;
        }
        Ok(LoggedIn {
            session: secret,
            new_device,
        })
    }

    pub(super) async fn login_failed(
        &self,
        key: &str,
        client: &Client,
        failures: u32,
    ) -> Result<(), CoreError> {
        let now = self.base.clock.now();
        let policy = self.base.config.accounts.throttle;
        let ip = client.ip.to_string();
        self.account_store
            .record_throttle_event(throttle::LOGIN_FAIL, key, None, now)
            .await?;
        self.account_store
            .record_throttle_event(throttle::LOGIN_FAIL_SOURCE, &ip, Some(key), now)
            .await?;
        self.common
            .account_event(events::LOGIN_FAILED, Some(client), json!({ "email": key }))
            .await?;
        if failures == policy.lock_after {
            self.common
                .account_event(events::LOCKED, Some(client), json!({ "email": key }))
                .await?;
            if let Some(c) = self.account_store.customer_by_email(key).await? {
                self.common
                    .enqueue_account_mail(AccountMail::Locked, c.id, None)
                    .await?;
            }
        }
        let since = now - policy.window;
        let accounts = self
            .account_store
            .distinct_throttle_subjects(throttle::LOGIN_FAIL_SOURCE, &ip, since)
            .await?;
        let total = self
            .account_store
            .count_throttle_events(throttle::LOGIN_FAIL_SOURCE, &ip, since)
            .await?;
        if policy.source_is_attacking(accounts, total)
            && self
                .account_store
                .source_blocked_until(&ip, now)
                .await?
                .is_none()
        {
            self.account_store
                .block_source(&ip, now + policy.block_for, events::STUFFING)
                .await?;
            self.alerts.raise_alert(
                events::STUFFING,
                "one source tried many accounts; it is blocked",
                Some(client.ip),
                json!({ "accounts": accounts, "failures": total, "blocked_for_minutes": policy.block_for.num_minutes() }),
            )
            .await?;
        }
        Ok(())
    }
}

impl Accounts {
    /// Logs in with a passkey alone. Any failure reads as a failed login and counts against
    /// the source like a wrong password (a source trying many credentials gets blocked).
    pub async fn passkey_login(
        &self,
        form: &PasskeyLogin,
        client: &Client,
    ) -> Result<LoggedIn, CoreError> {
        let now = self.base.clock.now();
        if let Some(until) = self
            .account_store
            .source_blocked_until(&client.ip.to_string(), now)
            .await?
        {
            return Err(CoreError::TryLater(until));
        }
        let key = format!(
            "passkey:{}",
            form.credential_id.chars().take(64).collect::<String>()
        );
        match self.verify_passkey_login(form).await? {
            Ok(customer) => {
                let device = form.device.as_deref().and_then(tokens::parse);
                self.finish_login(&customer, &customer.email.clone(), device, client)
                    .await
            }
            Err(why) => {
                tracing::info!(why, "passkey login refused");
                self.login_failed(&key, client, 1).await?;
                Err(CoreError::LoginFailed)
            }
        }
    }

    /// The customer a passkey assertion proves, or why not.
    async fn verify_passkey_login(
        &self,
        form: &PasskeyLogin,
    ) -> Result<Result<akinai_store::Customer, String>, CoreError> {
        let Some(rp) = self.factors.relying_party() else {
            return Ok(Err("passkeys unavailable".into()));
        };
        let decode = |s: &str| from_b64url(s);
        let (Some(id), Some(client_data), Some(auth), Some(sig)) = (
            decode(&form.credential_id),
            decode(&form.client_data),
            decode(&form.authenticator_data),
            decode(&form.signature),
        ) else {
            return Ok(Err("malformed response".into()));
        };
        let Some(passkey) = self
            .member_store
            .passkey_by_credential(&b64url(&id))
            .await?
        else {
            return Ok(Err("unknown credential".into()));
        };
        let Ok(challenge) = akinai_webauthn::peek_challenge(&client_data) else {
            return Ok(Err("malformed client data".into()));
        };
        if !self
            .factors
            .take_passkey_challenge(&Purpose::Login, &challenge)
            .await?
        {
            return Ok(Err("challenge not ours, expired or used".into()));
        }
        let public_key = decode(&passkey.public_key).unwrap_or_default();
        let user_handle = decode(&passkey.user_handle).unwrap_or_default();
        let stored_count = u32::try_from(passkey.sign_count).unwrap_or(u32::MAX);
        let response = AssertionResponse {
            credential_id: id.clone(),
            client_data_json: client_data,
            authenticator_data: auth,
            signature: sig,
            user_handle: decode(&form.user_handle).filter(|h| !h.is_empty()),
        };
        let stored = StoredCredential {
            id: &id,
            public_key: &public_key,
            sign_count: stored_count,
            user_handle: &user_handle,
        };
        let verified = match akinai_webauthn::verify_assertion(&rp, &challenge, stored, &response) {
            Ok(v) => v,
            Err(e @ akinai_webauthn::Error::CounterWentBack { .. }) => {
                self.alerts
                    .raise_alert(
                        events::PASSKEY_CLONED,
                        "a passkey's signature counter went back: it may have been copied",
                        None,
                        json!({ "customer": passkey.customer_id.0, "passkey": passkey.id }),
                    )
                    .await?;
                return Ok(Err(e.to_string()));
            }
            Err(e) => return Ok(Err(e.to_string())),
        };
        if !self
            .member_store
            .record_passkey_use(
                passkey.id,
                passkey.sign_count,
                i64::from(verified.sign_count),
                self.base.clock.now(),
            )
            .await?
        {
            return Ok(Err("concurrent use of one passkey".into()));
        }
        match self.account_store.customer(passkey.customer_id).await? {
            Some(c) if c.deleted_at.is_none() && c.locked_at.is_none() => Ok(Ok(c)),
            _ => Ok(Err("account gone".into())),
        }
    }
}
