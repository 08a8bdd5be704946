//! Owners manage admins (admin issue, items 2, 3 and 10; CCSG-V-1): invite an admin (enrolment
//! link), change a role or the per-person grants, reset a lost factor (the admin enrols again;
//! there is no self-service bypass), unlock, and the periodic account review
//! (情報システムのアカウントの管理) — accounts unused for 90 days, accounts without a second
//! factor (only ones still enrolling), and role and grant changes in the period. Every change needs the acting owner's password and code again
//! (re-authentication before dangerous actions) and goes to the audit trail with before/after.

use crate::AdminAccounts;
use chrono::Duration;
use serde_json::json;

use akinai_domain::admin::{AdminRole, Grants, ManageAdmins};
use akinai_domain::audit::ChainedEntry;
use akinai_domain::ids::AdminId;
use akinai_store::admin::Admin;

use super::{Authorized, SignedInAdmin, ENROL_LINK, TOKEN_ENROL};
use crate::accounts::password::Verified;
use crate::accounts::Client;
use crate::{tokens, CoreError};

/// Audit actions of a role change and of a change of per-person grants.
const ROLE_CHANGE: &str = "admin.role_change";
const GRANTS_CHANGE: &str = "admin.grants_change";

/// The review period: accounts unused this long are listed.
pub const REVIEW_UNUSED: Duration = Duration::days(90);

/// What the account review shows.
#[derive(Debug, Clone)]
pub struct AccountReview {
    /// Enrolled admins with no login in [`REVIEW_UNUSED`] (or never, created before that).
    pub unused: Vec<Admin>,
    /// Admins without a second factor: only ones who have not finished enrolment.
    pub without_factor: Vec<Admin>,
    /// Role and grant changes within the review period, newest first.
    pub role_changes: Vec<ChainedEntry>,
}

/// The acting owner's password and code, asked again before a change.
#[derive(Debug, Clone, Default)]
pub struct Reauth {
    pub password: String,
    pub code: String,
}

impl AdminAccounts {
    /// Re-authentication of the signed-in admin: password and a fresh code.
    pub(crate) async fn reauthenticate_admin(
        &self,
        s: &SignedInAdmin,
        r: &Reauth,
    ) -> Result<(), CoreError> {
        let refused = || CoreError::InvalidForm(vec![("password", "admin.reauth_failed")]);
        let verdict = self
            .base
            .hasher
            .verify(r.password.clone(), s.admin.password_hash.clone())
            .await?;
        if verdict == Verified::No {
            return Err(refused());
        }
        if !self.admin_code_ok(&s.admin, &r.code).await? {
            return Err(refused());
        }
        Ok(())
    }

    /// Every admin (owners only).
    pub async fn list_admins(
        &self,
        _by: &Authorized<ManageAdmins>,
    ) -> Result<Vec<Admin>, CoreError> {
        Ok(self.admin_store.admins().await?)
    }

    /// Invites an admin; returns the enrolment link's secret.
    #[allow(clippy::too_many_arguments)]
    pub async fn invite_admin(
        &self,
        by: &Authorized<ManageAdmins>,
        email: &str,
        name: &str,
        role: AdminRole,
        r: &Reauth,
        client: &Client,
    ) -> Result<String, CoreError> {
        let s = by.admin()?;
        self.reauthenticate_admin(s, r).await?;
        self.create_admin(email, name, role, &s.audit_context(client))
            .await
    }

    /// Sets the capabilities granted to an admin on top of the role (names from
    /// `akinai_domain::admin::GRANTABLE`; anything else is refused and nothing changes). Takes
    /// effect on the admin's next request: the session loads the account each time.
    #[allow(clippy::too_many_arguments)]
    pub async fn change_admin_grants<'a>(
        &self,
        by: &Authorized<ManageAdmins>,
        target: AdminId,
        names: impl IntoIterator<Item = &'a str>,
        r: &Reauth,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.admin()?;
        let grants = Grants::from_names(names)
            .map_err(|_| CoreError::InvalidForm(vec![("grants", "error.invalid")]))?;
        self.reauthenticate_admin(s, r).await?;
        let before = self
            .admin_store
            .admin(target)
            .await?
            .ok_or(CoreError::NotFound)?;
        if !self.admin_store.set_admin_grants(target, &grants).await? {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                &s.audit_context(client),
                GRANTS_CHANGE,
                &format!("admin:{target}"),
                json!({
                    "before": { "grants": before.grants.names().collect::<Vec<_>>() },
                    "after": { "grants": grants.names().collect::<Vec<_>>() },
                }),
            )
            .await?;
        Ok(())
    }

    /// Changes an admin's role; the last owner stays an owner. The admin's sessions end, so
    /// the new role applies at once.
    pub async fn change_admin_role(
        &self,
        by: &Authorized<ManageAdmins>,
        target: AdminId,
        role: AdminRole,
        r: &Reauth,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.admin()?;
        self.reauthenticate_admin(s, r).await?;
        let admins = self.admin_store.admins().await?;
        let before = admins
            .iter()
            .find(|a| a.id == target)
            .ok_or(CoreError::NotFound)?
            .role;
        let owners = admins.iter().filter(|a| a.role == AdminRole::Owner).count();
        if before == AdminRole::Owner && role != AdminRole::Owner && owners <= 1 {
            return Err(CoreError::InvalidForm(vec![("role", "admin.last_owner")]));
        }
        self.admin_store.set_admin_role(target, role).await?;
        self.admin_store
            .revoke_admin_sessions(target, None, self.base.clock.now())
            .await?;
        self.audit.record(
            &s.audit_context(client),
            ROLE_CHANGE,
            &format!("admin:{target}"),
            json!({ "before": { "role": before.as_str() }, "after": { "role": role.as_str() } }),
        )
        .await?;
        Ok(())
    }

    /// Resets a lost factor: password and authenticator are cleared, sessions end, and a new
    /// enrolment link (returned) lets the admin set both again.
    pub async fn reset_admin_factors(
        &self,
        by: &Authorized<ManageAdmins>,
        target: AdminId,
        r: &Reauth,
        client: &Client,
    ) -> Result<String, CoreError> {
        let s = by.admin()?;
        self.reauthenticate_admin(s, r).await?;
        if target == s.admin.id {
            // Resetting oneself would be the bypass this exists to prevent.
            return Err(CoreError::InvalidForm(vec![("id", "admin.not_yourself")]));
        }
        self.admin_store
            .admin(target)
            .await?
            .ok_or(CoreError::NotFound)?;
        let now = self.base.clock.now();
        self.admin_store.clear_admin_credentials(target).await?;
        self.admin_store
            .revoke_admin_sessions(target, None, now)
            .await?;
        let link = tokens::generate();
        self.admin_store
            .create_admin_token(target, TOKEN_ENROL, &link.hash, now + ENROL_LINK)
            .await?;
        self.audit
            .record(
                &s.audit_context(client),
                "admin.factor_reset",
                &format!("admin:{target}"),
                json!({}),
            )
            .await?;
        Ok(link.secret)
    }

    /// The periodic account review.
    pub async fn account_review(
        &self,
        _by: &Authorized<ManageAdmins>,
    ) -> Result<AccountReview, CoreError> {
        let now = self.base.clock.now();
        let cutoff = now - REVIEW_UNUSED;
        let admins = self.admin_store.admins().await?;
        let unused = admins
            .iter()
            .filter(|a| a.enrolled_at.is_some())
            .filter(|a| match a.last_login_at {
                Some(t) => t < cutoff,
                None => a.created_at < cutoff,
            })
            .cloned()
            .collect();
        let without_factor = admins
            .iter()
            .filter(|a| a.totp.is_none())
            .cloned()
            .collect();
        let mut role_changes = Vec::new();
        for action in [ROLE_CHANGE, GRANTS_CHANGE] {
            role_changes.extend(
                self.audit_store
                    .audit_entries_of(action, 1000)
                    .await?
                    .into_iter()
                    .filter(|e| e.record.at >= cutoff),
            );
        }
        role_changes.sort_by_key(|e| std::cmp::Reverse(e.record.at));
        Ok(AccountReview {
            unused,
            without_factor,
            role_changes,
        })
    }
}
