//! Customer accounts, sessions, one-time tokens and throttling counters on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;

use akinai_domain::ids::{CustomerId, SessionId};
use akinai_sql::{is_unique_violation, Columns};
use akinai_store::{
    throttle, AccountStore, Customer, NewCustomer, NewSession, Session, StoreResult, TokenHash,
    TotpRecord,
};

use crate::{map_err, PgStore};

pub(crate) const CUSTOMER: &str =
    "SELECT id, email, name, password_hash, email_verified_at, created_at, last_login_at, phone, deleted_at, locked_at FROM customers";
const SESSION: &str =
    "SELECT id, customer_id, created_at, last_seen_at, expires_at, ip, user_agent FROM customer_sessions";

fn time(r: &PgRow, column: &str) -> StoreResult<Option<DateTime<Utc>>> {
    r.try_get(column).map_err(map_err)
}

pub(crate) fn customer(r: &PgRow) -> StoreResult<Customer> {
    akinai_sql::customer(r, &|c| time(r, c))
}

fn session(r: &PgRow) -> StoreResult<Session> {
    akinai_sql::session(r, &|c| time(r, c))
}

#[async_trait]
impl AccountStore for PgStore {
    async fn create_customer(&self, c: &NewCustomer) -> StoreResult<Option<CustomerId>> {
        let made = sqlx::query_scalar(
            "INSERT INTO customers (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&c.email)
        .bind(&c.name)
        .bind(&c.password_hash)
        .bind(c.created_at)
        .fetch_one(&self.pool)
        .await;
        match made {
            Ok(id) => Ok(Some(CustomerId(id))),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    async fn customer(&self, id: CustomerId) -> StoreResult<Option<Customer>> {
        let row = sqlx::query(&format!("{CUSTOMER} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(customer).transpose()
    }

    async fn customer_by_email(&self, email: &str) -> StoreResult<Option<Customer>> {
        let row = sqlx::query(&format!("{CUSTOMER} WHERE email = $1"))
            .bind(email)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(customer).transpose()
    }

    async fn set_password_hash(&self, id: CustomerId, hash: &str) -> StoreResult<()> {
        sqlx::query("UPDATE customers SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn set_customer_email(&self, id: CustomerId, email: &str) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE customers SET email = $1 WHERE id = $2")
            .bind(email)
            .bind(id.0)
            .execute(&self.pool)
            .await;
        match done {
            Ok(r) => Ok(r.rows_affected() == 1),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(map_err(e)),
        }
    }

    async fn mark_email_verified(&self, id: CustomerId, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE customers SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
        )
        .bind(at)
        .bind(id.0)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn record_login(&self, id: CustomerId, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE customers SET last_login_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn create_account_token(
        &self,
        customer: CustomerId,
        purpose: &str,
        token: &TokenHash,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO account_tokens (customer_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(customer.0)
        .bind(purpose)
        .bind(&token.0)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn take_account_token(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<CustomerId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
             AND used_at IS NULL AND expires_at > $4 RETURNING customer_id",
        )
        .bind(now)
        .bind(&token.0)
        .bind(purpose)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(id.map(CustomerId))
    }

    async fn account_token_customer(
        &self,
        purpose: &str,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<CustomerId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT customer_id FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(&token.0)
        .bind(purpose)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(id.map(CustomerId))
    }

    async fn create_session(&self, s: &NewSession) -> StoreResult<SessionId> {
        let id = sqlx::query_scalar(
            "INSERT INTO customer_sessions (token_hash, customer_id, created_at, last_seen_at, expires_at, ip, user_agent, device_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&s.token.0)
        .bind(s.customer_id.0)
        .bind(s.created_at)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(&s.ip)
        .bind(&s.user_agent)
        .bind(s.device.as_ref().map(|d| d.0.as_str()))
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(SessionId(id))
    }

    async fn session_by_token(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        let row = sqlx::query(&format!(
            "{SESSION} WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at >= $3"
        ))
        .bind(&token.0)
        .bind(now)
        .bind(idle_cutoff)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        row.as_ref().map(session).transpose()
    }

    async fn touch_session(&self, id: SessionId, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE customer_sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn customer_knows_device(
        &self,
        customer: CustomerId,
        device: &TokenHash,
    ) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM customer_sessions WHERE customer_id = $1 AND device_hash = $2",
        )
        .bind(customer.0)
        .bind(&device.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(n > 0)
    }

    async fn session_count(&self, customer: CustomerId) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM customer_sessions WHERE customer_id = $1")
            .bind(customer.0)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)
    }

    async fn revoke_session(
        &self,
        customer: CustomerId,
        id: SessionId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE customer_sessions SET revoked_at = $1 WHERE id = $2 AND customer_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id.0)
        .bind(customer.0)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn revoke_sessions(
        &self,
        customer: CustomerId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE customer_sessions SET revoked_at = $1 WHERE customer_id = $2 AND revoked_at IS NULL AND id != $3",
        )
        .bind(now)
        .bind(customer.0)
        .bind(except.map_or(-1, |s| s.0))
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn sessions(
        &self,
        customer: CustomerId,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> StoreResult<Vec<Session>> {
        let rows = sqlx::query(&format!(
            "{SESSION} WHERE customer_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at >= $3 \
             ORDER BY last_seen_at DESC, id DESC"
        ))
        .bind(customer.0)
        .bind(now)
        .bind(idle_cutoff)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(session).collect()
    }

    async fn record_throttle_event(
        &self,
        kind: &str,
        key: &str,
        subject: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO throttle_events (kind, key, subject, at) VALUES ($1, $2, $3, $4)")
            .bind(kind)
            .bind(key)
            .bind(subject)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn login_failures(
        &self,
        email: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<(u32, Option<DateTime<Utc>>)> {
        let (n, last): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT COUNT(*), MAX(at) FROM throttle_events WHERE kind = $1 AND key = $2 AND at >= $3 \
             AND id > COALESCE((SELECT MAX(id) FROM throttle_events WHERE kind = $4 AND key = $5), 0)",
        )
        .bind(throttle::LOGIN_FAIL)
        .bind(email)
        .bind(since)
        .bind(throttle::LOGIN_OK)
        .bind(email)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok((u32::try_from(n).unwrap_or(u32::MAX), last))
    }

    async fn count_throttle_events(
        &self,
        kind: &str,
        key: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM throttle_events WHERE kind = $1 AND key = $2 AND at >= $3",
        )
        .bind(kind)
        .bind(key)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn distinct_throttle_subjects(
        &self,
        kind: &str,
        key: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT subject) FROM throttle_events WHERE kind = $1 AND key = $2 AND at >= $3",
        )
        .bind(kind)
        .bind(key)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn enable_totp(
        &self,
        customer: CustomerId,
        secret_enc: &str,
        nonce: &str,
        at: DateTime<Utc>,
        recovery_hashes: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query("INSERT INTO customer_totp (customer_id, secret_enc, nonce, enabled_at, last_step) VALUES ($1, $2, $3, $4, 0) ON CONFLICT (customer_id) DO UPDATE SET secret_enc = excluded.secret_enc, nonce = excluded.nonce, enabled_at = excluded.enabled_at, last_step = 0")
            .bind(customer.0)
            .bind(secret_enc)
            .bind(nonce)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query("DELETE FROM recovery_codes WHERE customer_id = $1")
            .bind(customer.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        for hash in recovery_hashes {
            sqlx::query("INSERT INTO recovery_codes (customer_id, code_hash) VALUES ($1, $2)")
                .bind(customer.0)
                .bind(hash)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn totp(&self, customer: CustomerId) -> StoreResult<Option<TotpRecord>> {
        let row = sqlx::query("SELECT secret_enc, nonce, enabled_at, last_step FROM customer_totp WHERE customer_id = $1")
            .bind(customer.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.map(|r| {
            Ok(TotpRecord {
                secret_enc: r.text("secret_enc")?,
                nonce: r.text("nonce")?,
                enabled_at: r.try_get("enabled_at").map_err(map_err)?,
                last_step: r.int("last_step")?,
            })
        })
        .transpose()
    }

    async fn advance_totp_step(&self, customer: CustomerId, step: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE customer_totp SET last_step = $1 WHERE customer_id = $2 AND last_step < $3",
        )
        .bind(step)
        .bind(customer.0)
        .bind(step)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn disable_totp(&self, customer: CustomerId) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        for sql in [
            "DELETE FROM customer_totp WHERE customer_id = $1",
            "DELETE FROM recovery_codes WHERE customer_id = $1",
        ] {
            sqlx::query(sql)
                .bind(customer.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn use_recovery_code(
        &self,
        customer: CustomerId,
        hash: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE id = (SELECT id FROM recovery_codes WHERE customer_id = $2 AND code_hash = $3 AND used_at IS NULL LIMIT 1)")
            .bind(at)
            .bind(customer.0)
            .bind(hash)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn recovery_codes_left(&self, customer: CustomerId) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE customer_id = $1 AND used_at IS NULL",
        )
        .bind(customer.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn prune_account_data(
        &self,
        events_before: DateTime<Utc>,
        tokens_before: DateTime<Utc>,
        sessions_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut n = 0;
        for (sql, a, b) in [
            ("DELETE FROM throttle_events WHERE at < $1", events_before, events_before),
            ("DELETE FROM account_tokens WHERE expires_at < $1", tokens_before, tokens_before),
            ("DELETE FROM customer_sessions WHERE (revoked_at IS NOT NULL OR expires_at < $1) AND last_seen_at < $2", now, sessions_before),
            ("DELETE FROM source_blocks WHERE until <= $1", now, now),
        ] {
            let mut query = sqlx::query(sql).bind(a);
            if sql.contains("last_seen_at") {
                query = query.bind(b);
            }
            n += query
                .execute(&self.pool)
                .await
                .map_err(map_err)?
                .rows_affected();
        }
        Ok(n)
    }

    async fn block_source(&self, ip: &str, until: DateTime<Utc>, reason: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO source_blocks (ip, until, reason) VALUES ($1, $2, $3) \
             ON CONFLICT (ip) DO UPDATE SET until = GREATEST(source_blocks.until, excluded.until), reason = excluded.reason",
        )
        .bind(ip)
        .bind(until)
        .bind(reason)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn source_blocked_until(
        &self,
        ip: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let until: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT until FROM source_blocks WHERE ip = $1 AND until > $2")
                .bind(ip)
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
        Ok(until)
    }
}
