//! Admin accounts, enrolment links and admin sessions, written once for both backends (ADR 020).

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use crate::is_unique_violation;
use akinai_domain::admin::{AdminRole, Grants};
use akinai_domain::ids::{AdminId, AdminSessionId};
use akinai_store::admin::{Admin, AdminSessionRow, FailureCount, NewAdmin};
use akinai_store::{StoreResult, TokenHash};

use crate::{map_err, Dialect, Sql};

const ADMIN: &str = "SELECT id, email, name, role, password_hash, totp_secret_enc, totp_nonce, totp_last_step, failed_logins, locked_at, created_at, enrolled_at, last_login_at, grants FROM admins";

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<&'q str>: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<D::Time>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    fn admin_row(r: &<D::Db as Database>::Row) -> StoreResult<Admin> {
        crate::admin(r, &|c| D::read_time(r, c))
    }

    pub async fn create_admin(&self, a: &NewAdmin) -> StoreResult<Option<AdminId>> {
        let made = sqlx::query_scalar(
            "INSERT INTO admins (email, name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&a.email)
        .bind(&a.name)
        .bind(a.role.as_str())
        .bind(D::time(a.created_at))
        .fetch_all(self.0.writer())
        .await
        .and_then(crate::one);
        match made {
            Ok(id) => Ok(Some(AdminId(id))),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    pub async fn admin(&self, id: AdminId) -> StoreResult<Option<Admin>> {
        let row = sqlx::query(&format!("{ADMIN} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.as_ref().map(Self::admin_row).transpose()
    }

    pub async fn admin_by_email(&self, email: &str) -> StoreResult<Option<Admin>> {
        let row = sqlx::query(&format!("{ADMIN} WHERE email = $1"))
            .bind(email)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.as_ref().map(Self::admin_row).transpose()
    }

    pub async fn admin_count(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM admins")
            .fetch_one(self.0.reader())
            .await
            .map_err(map_err)
    }

    pub async fn admins(&self) -> StoreResult<Vec<Admin>> {
        let rows = sqlx::query(&format!("{ADMIN} ORDER BY id"))
            .fetch_all(self.0.reader())
            .await
            .map_err(map_err)?;
        rows.iter().map(Self::admin_row).collect()
    }

    pub async fn set_admin_role(&self, admin: AdminId, role: AdminRole) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE admins SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(admin.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn set_admin_grants(&self, admin: AdminId, grants: &Grants) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE admins SET grants = $1 WHERE id = $2")
            .bind(grants.to_stored())
            .bind(admin.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn clear_admin_credentials(&self, admin: AdminId) -> StoreResult<()> {
        sqlx::query(
            "UPDATE admins SET password_hash = NULL, totp_secret_enc = NULL, totp_nonce = NULL, enrolled_at = NULL WHERE id = $1",
        )
        .bind(admin.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn create_admin_token(
        &self,
        admin: AdminId,
        purpose: &str,
        token: &TokenHash,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO admin_tokens (admin_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(admin.0)
        .bind(purpose)
        .bind(&token.0)
        .bind(D::time(expires_at))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn take_admin_token(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AdminId>> {
        sqlx::query_scalar(
            "UPDATE admin_tokens SET used_at = $1 WHERE purpose = $2 AND token_hash = $3 AND used_at IS NULL AND expires_at > $4 RETURNING admin_id",
        )
        .bind(D::time(now))
        .bind(purpose)
        .bind(&token.0)
        .bind(D::time(now))
        .fetch_all(self.0.writer())
        .await
        .map(crate::first)
        .map(|id| id.map(AdminId))
        .map_err(map_err)
    }

    pub async fn peek_admin_token(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AdminId>> {
        sqlx::query_scalar(
            "SELECT admin_id FROM admin_tokens WHERE purpose = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(purpose)
        .bind(&token.0)
        .bind(D::time(now))
        .fetch_optional(self.0.reader())
        .await
        .map(|id| id.map(AdminId))
        .map_err(map_err)
    }

    pub async fn set_admin_credentials(
        &self,
        admin: AdminId,
        password_hash: &str,
        totp_secret_enc: &str,
        totp_nonce: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE admins SET password_hash = $1, totp_secret_enc = $2, totp_nonce = $3, totp_last_step = 0, failed_logins = 0, locked_at = NULL, enrolled_at = $4 WHERE id = $5",
        )
        .bind(password_hash)
        .bind(totp_secret_enc)
        .bind(totp_nonce)
        .bind(D::time(at))
        .bind(admin.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn advance_admin_totp(&self, admin: AdminId, step: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE admins SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $3",
        )
        .bind(step)
        .bind(admin.0)
        .bind(step)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn record_admin_failure(
        &self,
        admin: AdminId,
        lock_after: u32,
        at: DateTime<Utc>,
    ) -> StoreResult<FailureCount> {
        let (failures, was_locked): (i64, Option<D::Time>) = sqlx::query_as(
            "UPDATE admins SET failed_logins = failed_logins + 1, \
             locked_at = CASE WHEN locked_at IS NULL AND failed_logins + 1 >= $1 THEN $2 ELSE locked_at END \
             WHERE id = $3 RETURNING failed_logins, locked_at",
        )
        .bind(i64::from(lock_after))
        .bind(D::time(at))
        .bind(admin.0)
        .fetch_all(self.0.writer())
        .await
        .and_then(crate::one)
        .map_err(map_err)?;
        Ok(FailureCount {
            failures,
            // The failure that reaches the threshold is the one that locks.
            locked_now: was_locked.is_some() && failures == i64::from(lock_after),
        })
    }

    pub async fn record_admin_login(&self, admin: AdminId, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE admins SET failed_logins = 0, last_login_at = $1 WHERE id = $2")
            .bind(D::time(at))
            .bind(admin.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn unlock_admin(&self, admin: AdminId) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE admins SET failed_logins = 0, locked_at = NULL WHERE id = $1 AND locked_at IS NOT NULL",
        )
        .bind(admin.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn create_admin_session(
        &self,
        token: &TokenHash,
        admin: AdminId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        ip: Option<&str>,
        user_agent: &str,
    ) -> StoreResult<AdminSessionId> {
        sqlx::query_scalar(
            "INSERT INTO admin_sessions (token_hash, admin_id, created_at, last_seen_at, expires_at, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&token.0)
        .bind(admin.0)
        .bind(D::time(now))
        .bind(D::time(now))
        .bind(D::time(expires_at))
        .bind(ip)
        .bind(user_agent)
        .fetch_all(self.0.writer())
        .await
        .and_then(crate::one)
        .map(AdminSessionId)
        .map_err(map_err)
    }

    pub async fn admin_session(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> StoreResult<Option<AdminSessionRow>> {
        let row = sqlx::query(
            "SELECT id, admin_id, created_at, last_seen_at FROM admin_sessions \
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3",
        )
        .bind(&token.0)
        .bind(D::time(now))
        .bind(D::time(idle_cutoff))
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        row.as_ref()
            .map(|r| crate::admin_session(r, &|c| D::read_time(r, c)))
            .transpose()
    }

    pub async fn touch_admin_session(
        &self,
        id: AdminSessionId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE admin_sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(D::time(now))
            .bind(id.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn revoke_admin_sessions(
        &self,
        admin: AdminId,
        session: Option<AdminSessionId>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE admin_sessions SET revoked_at = $1 WHERE admin_id = $2 AND revoked_at IS NULL AND ($3 IS NULL OR id = $4)",
        )
        .bind(D::time(now))
        .bind(admin.0)
        .bind(session.map(|s| s.0))
        .bind(session.map(|s| s.0))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done))
    }
}

/// Implements `AdminStore` for a backend type with the statements above.
#[macro_export]
macro_rules! admin_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::admin::{AdminRole, Grants};
            use akinai_domain::ids::{AdminId, AdminSessionId};
            use akinai_store::admin::*;
            use akinai_store::{StoreResult, TokenHash};
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::admin::AdminStore for $store {
                async fn create_admin(&self, admin: &NewAdmin) -> StoreResult<Option<AdminId>> {
                    $crate::Sql(self).create_admin(admin).await
                }
                async fn admin(&self, id: AdminId) -> StoreResult<Option<Admin>> {
                    $crate::Sql(self).admin(id).await
                }
                async fn admin_by_email(&self, email: &str) -> StoreResult<Option<Admin>> {
                    $crate::Sql(self).admin_by_email(email).await
                }
                async fn admin_count(&self) -> StoreResult<i64> {
                    $crate::Sql(self).admin_count().await
                }
                async fn admins(&self) -> StoreResult<Vec<Admin>> {
                    $crate::Sql(self).admins().await
                }
                async fn set_admin_role(
                    &self,
                    admin: AdminId,
                    role: AdminRole,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).set_admin_role(admin, role).await
                }
                async fn set_admin_grants(
                    &self,
                    admin: AdminId,
                    grants: &Grants,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).set_admin_grants(admin, grants).await
                }
                async fn clear_admin_credentials(&self, admin: AdminId) -> StoreResult<()> {
                    $crate::Sql(self).clear_admin_credentials(admin).await
                }
                async fn create_admin_token(
                    &self,
                    admin: AdminId,
                    purpose: &str,
                    token: &TokenHash,
                    expires_at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .create_admin_token(admin, purpose, token, expires_at)
                        .await
                }
                async fn take_admin_token(
                    &self,
                    purpose: &str,
                    token: &TokenHash,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<AdminId>> {
                    $crate::Sql(self)
                        .take_admin_token(purpose, token, now)
                        .await
                }
                async fn peek_admin_token(
                    &self,
                    purpose: &str,
                    token: &TokenHash,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<AdminId>> {
                    $crate::Sql(self)
                        .peek_admin_token(purpose, token, now)
                        .await
                }
                async fn set_admin_credentials(
                    &self,
                    admin: AdminId,
                    password_hash: &str,
                    totp_secret_enc: &str,
                    totp_nonce: &str,
                    at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .set_admin_credentials(
                            admin,
                            password_hash,
                            totp_secret_enc,
                            totp_nonce,
                            at,
                        )
                        .await
                }
                async fn advance_admin_totp(&self, admin: AdminId, step: i64) -> StoreResult<bool> {
                    $crate::Sql(self).advance_admin_totp(admin, step).await
                }
                async fn record_admin_failure(
                    &self,
                    admin: AdminId,
                    lock_after: u32,
                    at: DateTime<Utc>,
                ) -> StoreResult<FailureCount> {
                    $crate::Sql(self)
                        .record_admin_failure(admin, lock_after, at)
                        .await
                }
                async fn record_admin_login(
                    &self,
                    admin: AdminId,
                    at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self).record_admin_login(admin, at).await
                }
                async fn unlock_admin(&self, admin: AdminId) -> StoreResult<bool> {
                    $crate::Sql(self).unlock_admin(admin).await
                }
                async fn create_admin_session(
                    &self,
                    token: &TokenHash,
                    admin: AdminId,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                    ip: Option<&str>,
                    user_agent: &str,
                ) -> StoreResult<AdminSessionId> {
                    $crate::Sql(self)
                        .create_admin_session(token, admin, now, expires_at, ip, user_agent)
                        .await
                }
                async fn admin_session(
                    &self,
                    token: &TokenHash,
                    now: DateTime<Utc>,
                    idle_cutoff: DateTime<Utc>,
                ) -> StoreResult<Option<AdminSessionRow>> {
                    $crate::Sql(self)
                        .admin_session(token, now, idle_cutoff)
                        .await
                }
                async fn touch_admin_session(
                    &self,
                    id: AdminSessionId,
                    now: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self).touch_admin_session(id, now).await
                }
                async fn revoke_admin_sessions(
                    &self,
                    admin: AdminId,
                    session: Option<AdminSessionId>,
                    now: DateTime<Utc>,
                ) -> StoreResult<u64> {
                    $crate::Sql(self)
                        .revoke_admin_sessions(admin, session, now)
                        .await
                }
            }
        };
    };
}
