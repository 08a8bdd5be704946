//! Admin accounts (admin issue, items 2 and 3): creation with a one-time enrolment link,
//! enrolment with password and authenticator together, sign-in with mandatory TOTP, lockout
//! after ten failures, short sessions. The owner's management of admins is in
//! [`super::manage`].

use super::owner_label;
use super::TOKEN_ENROL;
use super::{ENROL_LINK, IDLE, LIFETIME};
use crate::accounts::password::Verified;
use crate::accounts::totp;
use crate::accounts::totp::TotpSetup;
use crate::accounts::Client;
use crate::admin::SignedInAdmin;
use crate::audit::AuditContext;
use crate::tokens;
use akinai_domain::account::check_password;
use akinai_domain::admin::{AdminRole, LOCK_AFTER_FAILURES};
use akinai_store::admin::Admin;
use akinai_store::admin::NewAdmin;
use serde_json::json;
use std::sync::Arc;

use akinai_store::admin::AdminStore;
use akinai_store::AuditStore;

use crate::{Alerts, Audit, Base, CoreError};

/// Admin accounts: creation with an enrolment link, enrolment, sign-in with mandatory TOTP,
/// lockout, sessions, and the owner's management of admins.
#[derive(Clone)]
pub struct AdminAccounts {
    pub(crate) base: Base,
    pub(crate) admin_store: Arc<dyn AdminStore>,
    pub(crate) audit_store: Arc<dyn AuditStore>,
    pub(crate) alerts: Alerts,
    pub(crate) audit: Audit,
}

impl AdminAccounts {
    /// Whether `code` is the admin's current authenticator code; its time step is used up, so
    /// the same code never works twice.
    pub(crate) async fn admin_code_ok(&self, admin: &Admin, code: &str) -> Result<bool, CoreError> {
        let Some((enc, nonce)) = &admin.totp else {
            return Ok(false);
        };
        match totp::open(
            &self.base.config.secret_key,
            &owner_label(admin.id),
            enc,
            nonce,
        )
        .and_then(|secret| totp::matching_step(&secret, code, self.base.clock.now()))
        {
            Some(step) => Ok(self.admin_store.advance_admin_totp(admin.id, step).await?),
            None => Ok(false),
        }
    }

    /// Creates an admin (command line) and returns the secret of its enrolment link.
    pub async fn create_admin(
        &self,
        email: &str,
        name: &str,
        role: AdminRole,
        who: &AuditContext,
    ) -> Result<String, CoreError> {
        let email = crate::accounts::email_key(email)
            .ok_or(CoreError::InvalidForm(vec![("email", "error.invalid")]))?;
        let name = akinai_domain::address::parse_text(name, 50)
            .map_err(|e| CoreError::InvalidForm(vec![("name", e.message_key())]))?;
        let now = self.base.clock.now();
        let id = self
            .admin_store
            .create_admin(&NewAdmin {
                email: email.clone(),
                name,
                role,
                created_at: now,
            })
            .await?
            .ok_or(CoreError::InvalidForm(vec![("email", "admin.email_taken")]))?;
        let link = tokens::generate();
        self.admin_store
            .create_admin_token(id, TOKEN_ENROL, &link.hash, now + ENROL_LINK)
            .await?;
        self.audit
            .record(
                who,
                "admin.create",
                &format!("admin:{id}"),
                json!({ "email": email, "role": role.as_str() }),
            )
            .await?;
        Ok(link.secret)
    }

    /// The admin an enrolment link belongs to and the authenticator secret to show, the same
    /// for as long as the link lives (first-hour issue, item 7).
    pub async fn admin_enrolment(&self, link: &str) -> Result<(Admin, TotpSetup), CoreError> {
        let hash = tokens::parse(link).ok_or(CoreError::LinkInvalid)?;
        let id = self
            .admin_store
            .peek_admin_token(TOKEN_ENROL, &hash, self.base.clock.now())
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        let admin = self
            .admin_store
            .admin(id)
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        let shop = self.base.settings().await?.shop_name;
        let setup = totp::setup_for_link(
            &self.base.config.secret_key,
            link,
            &format!("{shop} admin"),
            &admin.email,
        )?;
        Ok((admin, setup))
    }

    /// Completes enrolment: the password (strength policy), and a code proving the app holds
    /// the link's secret (derived here, never taken from the form). The link is used up only
    /// when everything is right.
    pub async fn complete_admin_enrolment(
        &self,
        link: &str,
        password: &str,
        code: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let hash = tokens::parse(link).ok_or(CoreError::LinkInvalid)?;
        let now = self.base.clock.now();
        let id = self
            .admin_store
            .peek_admin_token(TOKEN_ENROL, &hash, now)
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        let admin = self
            .admin_store
            .admin(id)
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        let shop = self.base.settings().await?.shop_name;
        check_password(password, &[&admin.name, &admin.email, &shop])
            .map_err(|p| CoreError::InvalidForm(vec![("password", p.message_key())]))?;
        let wrong = || CoreError::InvalidForm(vec![("code", "account.totp_wrong_code")]);
        let bytes = totp::link_secret(&self.base.config.secret_key, link)?;
        let step = totp::matching_step(&bytes, code, now).ok_or_else(wrong)?;
        if self
            .admin_store
            .take_admin_token(TOKEN_ENROL, &hash, now)
            .await?
            .is_none()
        {
            return Err(CoreError::LinkInvalid);
        }
        let password_hash = self.base.hasher.hash(password.to_string()).await?;
        let (enc, nonce) = totp::seal(&self.base.config.secret_key, &owner_label(id), &bytes);
        self.admin_store
            .set_admin_credentials(id, &password_hash, &enc, &nonce, now)
            .await?;
        self.admin_store.advance_admin_totp(id, step).await?;
        let who = AuditContext::admin(id, client);
        self.audit
            .record(&who, "admin.enrol", &format!("admin:{id}"), json!({}))
            .await?;
        Ok(())
    }

    /// Logs an admin in with e-mail, password and code together; returns the session secret.
    /// Every refusal is `LoginFailed`, whatever was wrong.
    pub async fn admin_login(
        &self,
        email: &str,
        password: &str,
        code: &str,
        client: &Client,
    ) -> Result<String, CoreError> {
        let now = self.base.clock.now();
        let key = crate::accounts::email_key(email).unwrap_or_default();
        let admin = self.admin_store.admin_by_email(&key).await?;
        let stored_hash = admin.as_ref().and_then(|a| a.password_hash.clone());
        let password = password.chars().take(256).collect::<String>();
        let verdict = self.base.hasher.verify(password, stored_hash).await?;
        let Some(admin) = admin else {
            return Err(CoreError::LoginFailed);
        };
        let who = AuditContext::admin(admin.id, client);
        let code_ok = verdict != Verified::No && self.admin_code_ok(&admin, code).await?;
        if admin.locked_at.is_some() || !code_ok {
            let count = self
                .admin_store
                .record_admin_failure(admin.id, LOCK_AFTER_FAILURES, now)
                .await?;
            self.audit
                .record(
                    &who,
                    "admin.login_failed",
                    &format!("admin:{}", admin.id),
                    json!({ "failures": count.failures, "locked": admin.locked_at.is_some() }),
                )
                .await?;
            if count.locked_now {
                self.audit
                    .record(
                        &who,
                        "admin.locked",
                        &format!("admin:{}", admin.id),
                        json!({}),
                    )
                    .await?;
                self.alerts
                    .raise_alert(
                        "admin.locked",
                        "an admin account was locked after repeated failed logins",
                        Some(client.ip),
                        json!({ "admin": admin.id }),
                    )
                    .await?;
            }
            return Err(CoreError::LoginFailed);
        }
        self.admin_store.record_admin_login(admin.id, now).await?;
        let session = tokens::generate();
        self.admin_store
            .create_admin_session(
                &session.hash,
                admin.id,
                now,
                now + LIFETIME,
                Some(&client.ip.to_string()),
                &client.user_agent,
            )
            .await?;
        self.audit
            .record(
                &who,
                "admin.login",
                &format!("admin:{}", admin.id),
                json!({}),
            )
            .await?;
        Ok(session.secret)
    }

    /// The admin behind a session cookie, if the session is live; refreshes its last use.
    pub async fn signed_in_admin(
        &self,
        secret: Option<&str>,
    ) -> Result<Option<SignedInAdmin>, CoreError> {
        let Some(hash) = secret.and_then(tokens::parse) else {
            return Ok(None);
        };
        let now = self.base.clock.now();
        let Some(row) = self
            .admin_store
            .admin_session(&hash, now, now - IDLE)
            .await?
        else {
            return Ok(None);
        };
        let Some(admin) = self.admin_store.admin(row.admin_id).await? else {
            return Ok(None);
        };
        if admin.locked_at.is_some() {
            return Ok(None);
        }
        self.admin_store.touch_admin_session(row.id, now).await?;
        Ok(Some(SignedInAdmin {
            admin,
            session_id: row.id,
        }))
    }

    /// Ends the admin's session.
    pub async fn admin_logout(&self, s: &SignedInAdmin, client: &Client) -> Result<(), CoreError> {
        self.admin_store
            .revoke_admin_sessions(s.admin.id, Some(s.session_id), self.base.clock.now())
            .await?;
        self.audit
            .record(
                &s.audit_context(client),
                "admin.logout",
                &format!("admin:{}", s.admin.id),
                json!({}),
            )
            .await?;
        Ok(())
    }

    /// Unlocks a locked admin (command line, or an owner later); true when it was locked.
    pub async fn unlock_admin(&self, email: &str, who: &AuditContext) -> Result<bool, CoreError> {
        let key = crate::accounts::email_key(email).unwrap_or_default();
        let admin = self
            .admin_store
            .admin_by_email(&key)
            .await?
            .ok_or(CoreError::NotFound)?;
        let done = self.admin_store.unlock_admin(admin.id).await?;
        if done {
            self.audit
                .record(
                    who,
                    "admin.unlock",
                    &format!("admin:{}", admin.id),
                    json!({}),
                )
                .await?;
        }
        Ok(done)
    }
}
