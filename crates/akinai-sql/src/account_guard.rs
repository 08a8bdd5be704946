//! The protections of customer accounts, written once for both backends (ADR 020): throttling
//! counters, TOTP secrets and recovery codes, blocked sources and the pruning of old rows.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::ids::CustomerId;
use akinai_store::{throttle, StoreResult, TotpRecord};

use crate::{map_err, Columns, Dialect, Sql};

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
    pub async fn record_throttle_event(
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
            .bind(D::time(at))
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn login_failures(
        &self,
        email: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<(u32, Option<DateTime<Utc>>)> {
        let (n, last): (i64, Option<D::Time>) = sqlx::query_as(
            "SELECT COUNT(*), MAX(at) FROM throttle_events WHERE kind = $1 AND key = $2 AND at >= $3 \
             AND id > COALESCE((SELECT MAX(id) FROM throttle_events WHERE kind = $4 AND key = $5), 0)",
        )
        .bind(throttle::LOGIN_FAIL)
        .bind(email)
        .bind(D::time(since))
        .bind(throttle::LOGIN_OK)
        .bind(email)
        .fetch_one(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok((
            u32::try_from(n).unwrap_or(u32::MAX),
            last.map(D::from_time).transpose()?,
        ))
    }

    pub async fn count_throttle_events(
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
        .bind(D::time(since))
        .fetch_one(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    pub async fn distinct_throttle_subjects(
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
        .bind(D::time(since))
        .fetch_one(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    pub async fn enable_totp(
        &self,
        customer: CustomerId,
        secret_enc: &str,
        nonce: &str,
        at: DateTime<Utc>,
        recovery_hashes: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO customer_totp (customer_id, secret_enc, nonce, enabled_at, last_step) VALUES ($1, $2, $3, $4, 0) ON CONFLICT (customer_id) DO UPDATE SET secret_enc = excluded.secret_enc, nonce = excluded.nonce, enabled_at = excluded.enabled_at, last_step = 0")
            .bind(customer.0)
            .bind(secret_enc)
            .bind(nonce)
            .bind(D::time(at))
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

    pub async fn totp(&self, customer: CustomerId) -> StoreResult<Option<TotpRecord>> {
        let row = sqlx::query("SELECT secret_enc, nonce, enabled_at, last_step FROM customer_totp WHERE customer_id = $1")
            .bind(customer.0)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.map(|r| {
            Ok(TotpRecord {
                secret_enc: r.text("secret_enc")?,
                nonce: r.text("nonce")?,
                enabled_at: D::at(&r, "enabled_at")?,
                last_step: r.int("last_step")?,
            })
        })
        .transpose()
    }

    pub async fn advance_totp_step(&self, customer: CustomerId, step: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE customer_totp SET last_step = $1 WHERE customer_id = $2 AND last_step < $3",
        )
        .bind(step)
        .bind(customer.0)
        .bind(step)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn disable_totp(&self, customer: CustomerId) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
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

    pub async fn use_recovery_code(
        &self,
        customer: CustomerId,
        hash: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE id = (SELECT id FROM recovery_codes WHERE customer_id = $2 AND code_hash = $3 AND used_at IS NULL LIMIT 1)")
            .bind(D::time(at))
            .bind(customer.0)
            .bind(hash)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn recovery_codes_left(&self, customer: CustomerId) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE customer_id = $1 AND used_at IS NULL",
        )
        .bind(customer.0)
        .fetch_one(self.0.reader())
        .await
        .map_err(map_err)
    }

    pub async fn prune_account_data(
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
            let mut query = sqlx::query(sql).bind(D::time(a));
            if sql.contains("last_seen_at") {
                query = query.bind(D::time(b));
            }
            n += D::rows_affected(&query.execute(self.0.writer()).await.map_err(map_err)?);
        }
        Ok(n)
    }

    pub async fn block_source(
        &self,
        ip: &str,
        until: DateTime<Utc>,
        reason: &str,
    ) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO source_blocks (ip, until, reason) VALUES ($1, $2, $3) \
             ON CONFLICT (ip) DO UPDATE SET until = {}(source_blocks.until, excluded.until), reason = excluded.reason",
            D::GREATEST
        ))
        .bind(ip)
        .bind(D::time(until))
        .bind(reason)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn source_blocked_until(
        &self,
        ip: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let until: Option<D::Time> =
            sqlx::query_scalar("SELECT until FROM source_blocks WHERE ip = $1 AND until > $2")
                .bind(ip)
                .bind(D::time(now))
                .fetch_optional(self.0.reader())
                .await
                .map_err(map_err)?;
        until.map(D::from_time).transpose()
    }
}
