//! Admin accounts, enrolment links and admin sessions on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;

use akinai_domain::admin::{AdminRole, Grants};
use akinai_sql::is_unique_violation;
use akinai_store::admin::{Admin, AdminSessionRow, AdminStore, FailureCount, NewAdmin};
use akinai_store::{StoreResult, TokenHash};

use crate::{map_err, PgStore};

const ADMIN: &str = "SELECT id, email, name, role, password_hash, totp_secret_enc, totp_nonce, totp_last_step, failed_logins, locked_at, created_at, enrolled_at, last_login_at, grants FROM admins";

fn time(r: &PgRow, column: &str) -> StoreResult<Option<DateTime<Utc>>> {
    r.try_get(column).map_err(map_err)
}

fn admin(r: &PgRow) -> StoreResult<Admin> {
    akinai_sql::admin(r, &|c| time(r, c))
}

#[async_trait]
impl AdminStore for PgStore {
    async fn create_admin(&self, a: &NewAdmin) -> StoreResult<Option<i64>> {
        let made = sqlx::query_scalar(
            "INSERT INTO admins (email, name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&a.email)
        .bind(&a.name)
        .bind(a.role.as_str())
        .bind(a.created_at)
        .fetch_one(&self.pool)
        .await;
        match made {
            Ok(id) => Ok(Some(id)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    async fn admin(&self, id: i64) -> StoreResult<Option<Admin>> {
        let row = sqlx::query(&format!("{ADMIN} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(admin).transpose()
    }

    async fn admin_by_email(&self, email: &str) -> StoreResult<Option<Admin>> {
        let row = sqlx::query(&format!("{ADMIN} WHERE email = $1"))
            .bind(email)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(admin).transpose()
    }

    async fn admin_count(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM admins")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)
    }

    async fn admins(&self) -> StoreResult<Vec<Admin>> {
        let rows = sqlx::query(&format!("{ADMIN} ORDER BY id"))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(admin).collect()
    }

    async fn set_admin_role(&self, admin: i64, role: AdminRole) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE admins SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(admin)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_admin_grants(&self, admin: i64, grants: &Grants) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE admins SET grants = $1 WHERE id = $2")
            .bind(grants.to_stored())
            .bind(admin)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn clear_admin_credentials(&self, admin: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE admins SET password_hash = NULL, totp_secret_enc = NULL, totp_nonce = NULL, enrolled_at = NULL WHERE id = $1",
        )
        .bind(admin)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn create_admin_token(
        &self,
        admin: i64,
        purpose: &str,
        token: &TokenHash,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO admin_tokens (admin_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(admin)
        .bind(purpose)
        .bind(&token.0)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn take_admin_token(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "UPDATE admin_tokens SET used_at = $1 WHERE purpose = $2 AND token_hash = $3 AND used_at IS NULL AND expires_at > $4 RETURNING admin_id",
        )
        .bind(now)
        .bind(purpose)
        .bind(&token.0)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn peek_admin_token(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "SELECT admin_id FROM admin_tokens WHERE purpose = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(purpose)
        .bind(&token.0)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn set_admin_credentials(
        &self,
        admin: i64,
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
        .bind(at)
        .bind(admin)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn advance_admin_totp(&self, admin: i64, step: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE admins SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $3",
        )
        .bind(step)
        .bind(admin)
        .bind(step)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_admin_failure(
        &self,
        admin: i64,
        lock_after: u32,
        at: DateTime<Utc>,
    ) -> StoreResult<FailureCount> {
        let (failures, was_locked): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "UPDATE admins SET failed_logins = failed_logins + 1, \
             locked_at = CASE WHEN locked_at IS NULL AND failed_logins + 1 >= $1 THEN $2 ELSE locked_at END \
             WHERE id = $3 RETURNING failed_logins, locked_at",
        )
        .bind(i64::from(lock_after))
        .bind(at)
        .bind(admin)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(FailureCount {
            failures,
            // The failure that reaches the threshold is the one that locks.
            locked_now: was_locked.is_some() && failures == i64::from(lock_after),
        })
    }

    async fn record_admin_login(&self, admin: i64, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE admins SET failed_logins = 0, last_login_at = $1 WHERE id = $2")
            .bind(at)
            .bind(admin)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn unlock_admin(&self, admin: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE admins SET failed_logins = 0, locked_at = NULL WHERE id = $1 AND locked_at IS NOT NULL",
        )
        .bind(admin)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn create_admin_session(
        &self,
        token: &TokenHash,
        admin: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        ip: Option<&str>,
        user_agent: &str,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO admin_sessions (token_hash, admin_id, created_at, last_seen_at, expires_at, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&token.0)
        .bind(admin)
        .bind(now)
        .bind(now)
        .bind(expires_at)
        .bind(ip)
        .bind(user_agent)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn admin_session(
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
        .bind(now)
        .bind(idle_cutoff)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        row.as_ref()
            .map(|r| akinai_sql::admin_session(r, &|c| time(r, c)))
            .transpose()
    }

    async fn touch_admin_session(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE admin_sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn revoke_admin_sessions(
        &self,
        admin: i64,
        session: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE admin_sessions SET revoked_at = $1 WHERE admin_id = $2 AND revoked_at IS NULL AND ($3::BIGINT IS NULL OR id = $4)",
        )
        .bind(now)
        .bind(admin)
        .bind(session)
        .bind(session)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
