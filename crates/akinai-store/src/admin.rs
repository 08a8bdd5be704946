//! Storage of admin accounts, their one-time enrolment links and their sessions (admin issue,
//! item 2). Separate from customer accounts: other tables, other cookies, other rules.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::admin::{AdminRole, Grants};
use akinai_domain::ids::{AdminId, AdminSessionId};

use crate::{StoreResult, TokenHash};

/// An admin account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin {
    pub id: AdminId,
    pub email: String,
    pub name: String,
    pub role: AdminRole,
    /// `None` until enrolment.
    pub password_hash: Option<String>,
    /// The TOTP secret, encrypted (hex) with its nonce; `None` until enrolment.
    pub totp: Option<(String, String)>,
    pub totp_last_step: i64,
    pub failed_logins: i64,
    pub locked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Capabilities granted on top of the role.
    pub grants: Grants,
}

/// An admin to create (from the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdmin {
    pub email: String,
    pub name: String,
    pub role: AdminRole,
    pub created_at: DateTime<Utc>,
}

/// A live admin session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSessionRow {
    pub id: AdminSessionId,
    pub admin_id: AdminId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// What a failed login did to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub failures: i64,
    /// This failure locked the account.
    pub locked_now: bool,
}

#[async_trait]
pub trait AdminStore: Send + Sync {
    /// `None` when the address has an admin already.
    async fn create_admin(&self, admin: &NewAdmin) -> StoreResult<Option<AdminId>>;
    async fn admin(&self, id: AdminId) -> StoreResult<Option<Admin>>;
    async fn admin_by_email(&self, email: &str) -> StoreResult<Option<Admin>>;
    async fn admin_count(&self) -> StoreResult<i64>;
    /// Every admin, by id.
    async fn admins(&self) -> StoreResult<Vec<Admin>>;
    async fn set_admin_role(&self, admin: AdminId, role: AdminRole) -> StoreResult<bool>;
    async fn set_admin_grants(&self, admin: AdminId, grants: &Grants) -> StoreResult<bool>;
    /// Clears password and TOTP secret (a factor reset by an owner); the admin must enrol again.
    async fn clear_admin_credentials(&self, admin: AdminId) -> StoreResult<()>;
    async fn create_admin_token(
        &self,
        admin: AdminId,
        purpose: &str,
        token: &TokenHash,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The admin of an unused, unexpired token, which is used up by this call.
    async fn take_admin_token(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AdminId>>;
    /// The admin of an unused, unexpired token, without using it.
    async fn peek_admin_token(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AdminId>>;
    /// Sets password and TOTP secret (enrolment or a factor reset), clears failures and lock.
    async fn set_admin_credentials(
        &self,
        admin: AdminId,
        password_hash: &str,
        totp_secret_enc: &str,
        totp_nonce: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Moves the last used TOTP step forward; false when `step` is not after it (a replay).
    async fn advance_admin_totp(&self, admin: AdminId, step: i64) -> StoreResult<bool>;
    /// Counts a failed login; at `lock_after` consecutive failures the account locks.
    async fn record_admin_failure(
        &self,
        admin: AdminId,
        lock_after: u32,
        at: DateTime<Utc>,
    ) -> StoreResult<FailureCount>;
    /// A successful login: failures back to zero, last login time.
    async fn record_admin_login(&self, admin: AdminId, at: DateTime<Utc>) -> StoreResult<()>;
    async fn unlock_admin(&self, admin: AdminId) -> StoreResult<bool>;
    async fn create_admin_session(
        &self,
        token: &TokenHash,
        admin: AdminId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        ip: Option<&str>,
        user_agent: &str,
    ) -> StoreResult<AdminSessionId>;
    /// The live session of a token: not revoked, not expired, used since `idle_cutoff`.
    async fn admin_session(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> StoreResult<Option<AdminSessionRow>>;
    async fn touch_admin_session(&self, id: AdminSessionId, now: DateTime<Utc>) -> StoreResult<()>;
    /// Ends one session, or (with `None`) every session of the admin.
    async fn revoke_admin_sessions(
        &self,
        admin: AdminId,
        session: Option<AdminSessionId>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
}
