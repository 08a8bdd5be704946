//! Password reset by mail and password change (SWS-C2-5, IPA-C-11, CCSG-F-3c).

use crate::Accounts;
use chrono::Duration;
use serde_json::json;

use akinai_domain::account::check_password;
use akinai_store::{throttle, TOKEN_RESET_PASSWORD};

use super::mail::AccountMail;
use super::{email_key, events, Client, Member};
use crate::{tokens, CoreError};

/// How long a reset link works.
pub const RESET_LINK_LIFETIME: Duration = Duration::minutes(30);

impl Accounts {
    /// Mails a reset link if an account has this address. The answer never says whether one
    /// does; links per address are limited per hour.
    pub async fn request_password_reset(
        &self,
        email: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let now = self.base.clock.now();
        let Some(key) = email_key(email) else {
            return Ok(());
        };
        let sent = self
            .account_store
            .count_throttle_events(throttle::RESET, &key, now - Duration::hours(1))
            .await?;
        if sent >= self.base.config.accounts.resets_per_address_per_hour {
            return Ok(());
        }
        self.account_store
            .record_throttle_event(throttle::RESET, &key, None, now)
            .await?;
        let Some(customer) = self.account_store.customer_by_email(&key).await? else {
            return Ok(());
        };
        let nonce = tokens::generate().secret;
        let token = AccountMail::Reset.token(&self.base.config.secret_key, &nonce);
        self.account_store
            .create_account_token(
                customer.id,
                TOKEN_RESET_PASSWORD,
                &token.hash,
                now + RESET_LINK_LIFETIME,
            )
            .await?;
        self.common
            .enqueue_account_mail(AccountMail::Reset, customer.id, Some(&nonce))
            .await?;
        self.common
            .account_event(
                events::RESET_REQUESTED,
                Some(client),
                json!({ "customer": customer.id.0 }),
            )
            .await
    }

    /// Whether a reset link is still usable (for showing its form).
    pub async fn reset_link_valid(&self, secret: &str) -> Result<bool, CoreError> {
        let Some(hash) = tokens::parse(secret) else {
            return Ok(false);
        };
        Ok(self
            .account_store
            .account_token_customer(TOKEN_RESET_PASSWORD, &hash, self.base.clock.now())
            .await?
            .is_some())
    }

    /// Sets a new password through a reset link: the link is used up, every session ends, and
    /// the account's address is told.
    pub async fn reset_password(
        &self,
        secret: &str,
        new_password: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let hash = tokens::parse(secret).ok_or(CoreError::LinkInvalid)?;
        let now = self.base.clock.now();
        let id = self
            .account_store
            .account_token_customer(TOKEN_RESET_PASSWORD, &hash, now)
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        let customer = self
            .account_store
            .customer(id)
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        self.check_new_password(new_password, &customer.name, &customer.email)
            .await?;
        let new_hash = self.base.hasher.hash(new_password.to_string()).await?;
        if self
            .account_store
            .take_account_token(TOKEN_RESET_PASSWORD, &hash, now)
            .await?
            .is_none()
        {
            return Err(CoreError::LinkInvalid);
        }
        self.account_store.set_password_hash(id, &new_hash).await?;
        // Proving control of the mailbox also verifies it.
        self.account_store.mark_email_verified(id, now).await?;
        self.account_store.revoke_sessions(id, None, now).await?;
        self.account_store
            .record_throttle_event(throttle::LOGIN_OK, &customer.email, None, now)
            .await?;
        self.common
            .enqueue_account_mail(AccountMail::PasswordChanged, id, None)
            .await?;
        self.common
            .account_event(
                events::PASSWORD_RESET,
                Some(client),
                json!({ "customer": id.0 }),
            )
            .await
    }

    /// Changes the member's password; needs the current one (re-authentication). Other
    /// sessions end; this one stays.
    pub async fn change_password(
        &self,
        member: &Member,
        current: &str,
        new_password: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let c = &member.customer;
        self.common.reauthenticate(member, current).await?;
        self.check_new_password(new_password, &c.name, &c.email)
            .await?;
        let new_hash = self.base.hasher.hash(new_password.to_string()).await?;
        let now = self.base.clock.now();
        self.account_store
            .set_password_hash(c.id, &new_hash)
            .await?;
        self.account_store
            .revoke_sessions(c.id, Some(member.session.id), now)
            .await?;
        self.common
            .enqueue_account_mail(AccountMail::PasswordChanged, c.id, None)
            .await?;
        self.common
            .account_event(
                events::PASSWORD_CHANGED,
                Some(client),
                json!({ "customer": c.id.0 }),
            )
            .await
    }

    async fn check_new_password(
        &self,
        password: &str,
        name: &str,
        email: &str,
    ) -> Result<(), CoreError> {
        let shop_name = self.base.settings().await?.shop_name;
        check_password(password, &[name, email, &shop_name])
            .map_err(|p| CoreError::InvalidForm(vec![("password", p.message_key())]))
    }
}
