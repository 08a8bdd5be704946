//! Admin accounts that cannot be taken over (admin issue, items 2 and 3; CCSG-V-1, IPA-C-5,
//! SWS-11).
//!
//! - No default account: the first owner is created on the command line, which prints a
//!   one-time enrolment link (24 h). Enrolment sets the password (the customers' strength
//!   policy) and an authenticator app in one step; there is no admin without a second factor
//!   and no way to switch it off.
//! - Login asks for e-mail, password and the six-digit code together; any failure reads the
//!   same. Ten consecutive failures lock the account until an owner unlocks it (there is no
//!   "forgot password" path around the second factor). Sessions are short: 30 minutes idle,
//!   12 hours at most.
//! - Authorisation is by capability type: a use case that needs `ViewAudit` takes an
//!   [`Authorized<ViewAudit>`], and only [`SignedInAdmin::authorize`] makes one, from the
//!   role and the owner's per-person grants (`akinai_domain::admin`).
//! - Every login, failure, lock, enrolment and creation goes to the audit trail.
//! - Owners manage admins in [`manage`]: invite, change role or grants, reset a lost factor,
//!   review.

mod business;
mod catalog;
mod catalog_new;
mod categories;
mod customers;
mod fulfilment;
mod manage;
mod orders;
mod overview;
mod settings;

use std::marker::PhantomData;

use chrono::Duration;
use serde_json::json;

use akinai_domain::account::check_password;
use akinai_domain::admin::{holds, AdminRole, Capability, ViewAudit, LOCK_AFTER_FAILURES};
use akinai_domain::audit::ChainedEntry;
use akinai_store::admin::{Admin, NewAdmin};

use crate::accounts::password::Verified;
use crate::accounts::totp::{self, TotpSetup};
use crate::accounts::Client;
use crate::audit::AuditContext;
use crate::{tokens, CoreError, Shop};

/// An admin session ends after this long unused …
pub const IDLE: Duration = Duration::minutes(30);
/// … and this long after login in any case.
pub const LIFETIME: Duration = Duration::hours(12);
/// How long an enrolment link works.
pub const ENROL_LINK: Duration = Duration::hours(24);
const TOKEN_ENROL: &str = "enrol";

pub use business::{BusinessOverview, LOW_STOCK};
pub use catalog::{ImageChange, ProductForm, ProductPage, MAX_STOCK_DELTA, PRODUCTS_PER_PAGE};
pub use catalog_new::VariantForm;
pub use categories::CategoryForm;
pub use customers::{CustomerDetail, CustomerPage, CustomerView, CUSTOMERS_PER_PAGE};
pub(crate) use fulfilment::order_step;
pub use fulfilment::{OrderDetail, OrderPage, OrderRow, StepProblem, StepResult, ORDERS_PER_PAGE};
pub use manage::{AccountReview, Reauth, REVIEW_UNUSED};
pub use orders::FlaggedOrder;
pub use overview::SecurityOverview;
pub use settings::{SettingsSection, LEGAL_FIELDS, MAIL_STATUSES};

/// A signed-in admin.
#[derive(Debug, Clone)]
pub struct SignedInAdmin {
    pub admin: Admin,
    pub session_id: i64,
}

/// Proof that the signed-in admin holds capability `C`.
#[derive(Debug)]
pub struct Authorized<C> {
    pub admin_id: i64,
    _capability: PhantomData<C>,
}

impl SignedInAdmin {
    /// Whether the role or a per-person grant gives this admin `C` (for what a page shows).
    pub fn holds<C: Capability>(&self) -> bool {
        holds::<C>(self.admin.role, &self.admin.grants)
    }

    /// The proof of `C`, or `Forbidden` when neither the role nor a grant gives it.
    pub fn authorize<C: Capability>(&self) -> Result<Authorized<C>, CoreError> {
        if self.holds::<C>() {
            Ok(Authorized {
                admin_id: self.admin.id,
                _capability: PhantomData,
            })
        } else {
            Err(CoreError::Forbidden(C::NAME))
        }
    }

    /// Who this admin is in the audit trail, from `client`.
    pub fn audit_context(&self, client: &Client) -> AuditContext {
        AuditContext::admin(self.admin.id, client)
    }
}

fn owner_label(admin: i64) -> String {
    format!("admin-{admin}")
}

impl Shop {
    /// Whether `code` is the admin's current authenticator code; its time step is used up, so
    /// the same code never works twice.
    pub(crate) async fn admin_code_ok(&self, admin: &Admin, code: &str) -> Result<bool, CoreError> {
        let Some((enc, nonce)) = &admin.totp else {
            return Ok(false);
        };
        match totp::open(&self.config.secret_key, &owner_label(admin.id), enc, nonce)
            .and_then(|secret| totp::matching_step(&secret, code, self.clock.now()))
        {
            Some(step) => Ok(self.store.advance_admin_totp(admin.id, step).await?),
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
        let now = self.clock.now();
        let id = self
            .store
            .create_admin(&NewAdmin {
                email: email.clone(),
                name,
                role,
                created_at: now,
            })
            .await?
            .ok_or(CoreError::InvalidForm(vec![("email", "admin.email_taken")]))?;
        let link = tokens::generate();
        self.store
            .create_admin_token(id, TOKEN_ENROL, &link.hash, now + ENROL_LINK)
            .await?;
        self.audit(
            who,
            "admin.create",
            &format!("admin:{id}"),
            json!({ "email": email, "role": role.as_str() }),
        )
        .await?;
        Ok(link.secret)
    }

    /// The admin an enrolment link belongs to and a fresh authenticator secret to show.
    pub async fn admin_enrolment(&self, link: &str) -> Result<(Admin, TotpSetup), CoreError> {
        let hash = tokens::parse(link).ok_or(CoreError::LinkInvalid)?;
        let id = self
            .store
            .peek_admin_token(TOKEN_ENROL, &hash, self.clock.now())
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        let admin = self.store.admin(id).await?.ok_or(CoreError::LinkInvalid)?;
        let shop = self.settings().await?.shop_name;
        let setup = totp::new_setup(&format!("{shop} admin"), &admin.email)?;
        Ok((admin, setup))
    }

    /// Completes enrolment: the password (strength policy), and a code proving the app holds
    /// `secret`. The link is used up only when everything is right.
    pub async fn complete_admin_enrolment(
        &self,
        link: &str,
        password: &str,
        secret: &str,
        code: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let hash = tokens::parse(link).ok_or(CoreError::LinkInvalid)?;
        let now = self.clock.now();
        let id = self
            .store
            .peek_admin_token(TOKEN_ENROL, &hash, now)
            .await?
            .ok_or(CoreError::LinkInvalid)?;
        let admin = self.store.admin(id).await?.ok_or(CoreError::LinkInvalid)?;
        let shop = self.settings().await?.shop_name;
        check_password(password, &[&admin.name, &admin.email, &shop])
            .map_err(|p| CoreError::InvalidForm(vec![("password", p.message_key())]))?;
        let wrong = || CoreError::InvalidForm(vec![("code", "account.totp_wrong_code")]);
        let bytes = totp::parse_secret(secret).ok_or_else(wrong)?;
        let step = totp::matching_step(&bytes, code, now).ok_or_else(wrong)?;
        if self
            .store
            .take_admin_token(TOKEN_ENROL, &hash, now)
            .await?
            .is_none()
        {
            return Err(CoreError::LinkInvalid);
        }
        let password_hash = self.hasher.hash(password.to_string()).await?;
        let (enc, nonce) = totp::seal(&self.config.secret_key, &owner_label(id), &bytes);
        self.store
            .set_admin_credentials(id, &password_hash, &enc, &nonce, now)
            .await?;
        self.store.advance_admin_totp(id, step).await?;
        let who = AuditContext::admin(id, client);
        self.audit(&who, "admin.enrol", &format!("admin:{id}"), json!({}))
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
        let now = self.clock.now();
        let key = crate::accounts::email_key(email).unwrap_or_default();
        let admin = self.store.admin_by_email(&key).await?;
        let stored_hash = admin.as_ref().and_then(|a| a.password_hash.clone());
        let password = password.chars().take(256).collect::<String>();
        let verdict = self.hasher.verify(password, stored_hash).await?;
        let Some(admin) = admin else {
            return Err(CoreError::LoginFailed);
        };
        let who = AuditContext::admin(admin.id, client);
        let code_ok = verdict != Verified::No && self.admin_code_ok(&admin, code).await?;
        if admin.locked_at.is_some() || !code_ok {
            let count = self
                .store
                .record_admin_failure(admin.id, LOCK_AFTER_FAILURES, now)
                .await?;
            self.audit(
                &who,
                "admin.login_failed",
                &format!("admin:{}", admin.id),
                json!({ "failures": count.failures, "locked": admin.locked_at.is_some() }),
            )
            .await?;
            if count.locked_now {
                self.audit(
                    &who,
                    "admin.locked",
                    &format!("admin:{}", admin.id),
                    json!({}),
                )
                .await?;
                self.raise_alert(
                    "admin.locked",
                    "an admin account was locked after repeated failed logins",
                    Some(client.ip),
                    json!({ "admin": admin.id }),
                )
                .await?;
            }
            return Err(CoreError::LoginFailed);
        }
        self.store.record_admin_login(admin.id, now).await?;
        let session = tokens::generate();
        self.store
            .create_admin_session(
                &session.hash,
                admin.id,
                now,
                now + LIFETIME,
                Some(&client.ip.to_string()),
                &client.user_agent,
            )
            .await?;
        self.audit(
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
        let now = self.clock.now();
        let Some(row) = self.store.admin_session(&hash, now, now - IDLE).await? else {
            return Ok(None);
        };
        let Some(admin) = self.store.admin(row.admin_id).await? else {
            return Ok(None);
        };
        if admin.locked_at.is_some() {
            return Ok(None);
        }
        self.store.touch_admin_session(row.id, now).await?;
        Ok(Some(SignedInAdmin {
            admin,
            session_id: row.id,
        }))
    }

    /// Ends the admin's session.
    pub async fn admin_logout(&self, s: &SignedInAdmin, client: &Client) -> Result<(), CoreError> {
        self.store
            .revoke_admin_sessions(s.admin.id, Some(s.session_id), self.clock.now())
            .await?;
        self.audit(
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
            .store
            .admin_by_email(&key)
            .await?
            .ok_or(CoreError::NotFound)?;
        let done = self.store.unlock_admin(admin.id).await?;
        if done {
            self.audit(
                who,
                "admin.unlock",
                &format!("admin:{}", admin.id),
                json!({}),
            )
            .await?;
        }
        Ok(done)
    }

    /// The newest audit entries before `before` (50 per page), for owners and managers; with
    /// `action`, only that action's entries (its newest 50).
    pub async fn audit_page(
        &self,
        _proof: &Authorized<ViewAudit>,
        before: Option<i64>,
        filter: &akinai_store::AuditFilter,
    ) -> Result<Vec<ChainedEntry>, CoreError> {
        Ok(self
            .store
            .search_audit(filter, before.unwrap_or(i64::MAX), 50)
            .await?)
    }
}
