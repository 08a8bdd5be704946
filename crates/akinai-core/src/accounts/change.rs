//! Changing the account's e-mail address (CCSG-F-3c, IPA-C-11): the current password is asked
//! again (re-authentication), the new address must be confirmed by a link mailed to it, and the
//! old address is told once the change is done. The link binds customer, new address and a nonce
//! under the server key; the tokens table holds only its hash (single use, 24 hours).

use crate::Accounts;
use chrono::Duration;
use serde_json::json;

use akinai_domain::address::FieldError;
use akinai_domain::ids::CustomerId;

use super::mail::AccountMail;
use super::{email_key, events, Client, Member};
use crate::{tokens, CoreError};

/// Purpose of the token behind an e-mail change link.
pub const TOKEN_CHANGE_EMAIL: &str = "change_email";
/// How long an e-mail change link works.
const LINK_LIFETIME: Duration = Duration::hours(24);

fn link_token(
    key: &tokens::SecretKey,
    customer: CustomerId,
    email: &str,
    nonce: &str,
) -> tokens::NewToken {
    tokens::derive(
        key,
        &format!(
            "akinai/account/change-email/v1/{}/{email}/{nonce}",
            customer.0
        ),
    )
}

impl Accounts {
    /// Starts an e-mail change: checks the password, then mails a confirmation link to the new
    /// address. A taken address answers the same and receives nothing.
    pub async fn request_email_change(
        &self,
        member: &Member,
        new_email: &str,
        password: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let c = &member.customer;
        self.common.reauthenticate(member, password).await?;
        let Some(email) = email_key(new_email) else {
            let e = akinai_domain::address::Email::parse(new_email)
                .err()
                .unwrap_or(FieldError::Invalid);
            return Err(CoreError::InvalidForm(vec![("email", e.message_key())]));
        };
        self.common
            .account_event(
                events::EMAIL_CHANGE_REQUESTED,
                Some(client),
                json!({ "customer": c.id.0, "new_email": email }),
            )
            .await?;
        if email == c.email
            || self
                .account_store
                .customer_by_email(&email)
                .await?
                .is_some()
        {
            return Ok(());
        }
        let nonce = tokens::generate().secret;
        let token = link_token(&self.base.config.secret_key, c.id, &email, &nonce);
        self.account_store
            .create_account_token(
                c.id,
                TOKEN_CHANGE_EMAIL,
                &token.hash,
                self.base.clock.now() + LINK_LIFETIME,
            )
            .await?;
        self.common
            .enqueue_account_job_to(
                AccountMail::ConfirmNewEmail,
                c.id,
                &email,
                json!({ "nonce": nonce, "email": email }),
            )
            .await
    }

    /// Completes an e-mail change from its link; the old address is told.
    pub async fn confirm_email_change(
        &self,
        customer: CustomerId,
        email: &str,
        nonce: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let email = email_key(email).ok_or(CoreError::LinkInvalid)?;
        let token = link_token(&self.base.config.secret_key, customer, &email, nonce);
        let now = self.base.clock.now();
        let owner = self
            .account_store
            .take_account_token(TOKEN_CHANGE_EMAIL, &token.hash, now)
            .await?;
        if owner != Some(customer) {
            return Err(CoreError::LinkInvalid);
        }
        let before = self
            .account_store
            .customer(customer)
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        if !self
            .account_store
            .set_customer_email(customer, &email)
            .await?
        {
            return Err(CoreError::LinkInvalid);
        }
        self.account_store
            .mark_email_verified(customer, now)
            .await?;
        self.common
            .enqueue_account_job_to(
                AccountMail::EmailChanged,
                customer,
                &before.email,
                json!({ "email": email }),
            )
            .await?;
        self.common
            .account_event(
                events::EMAIL_CHANGED,
                Some(client),
                json!({ "customer": customer.0, "from": before.email, "to": email }),
            )
            .await
    }
}
