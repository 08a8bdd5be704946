//! The audit trail's hash chain on PostgreSQL: a transaction-scoped advisory lock serialises
//! appends from every node.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;

use akinai_domain::audit::{entry_hash, AuditRecord, ChainedEntry, GENESIS};
use akinai_store::{AuditFilter, AuditStore, StoreResult};

use crate::{map_err, PgStore};

/// The advisory lock key of audit appends ("akinai audit").
const AUDIT_LOCK: i64 = 0x0061_6b61_7564_6974;

fn entry(r: &PgRow) -> StoreResult<ChainedEntry> {
    let at: DateTime<Utc> = r.try_get("at").map_err(map_err)?;
    akinai_sql::audit_entry(r, at)
}

#[async_trait]
impl AuditStore for PgStore {
    async fn append_audit(&self, record: &AuditRecord) -> StoreResult<ChainedEntry> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(AUDIT_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
        let (seq, prev_hash) = last.map_or((1, GENESIS.to_string()), |(s, h)| (s + 1, h));
        let hash = entry_hash(&prev_hash, seq, record);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, target, ip, request_id, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(seq)
        .bind(record.at)
        .bind(&record.actor)
        .bind(&record.action)
        .bind(&record.target)
        .bind(&record.ip)
        .bind(&record.request_id)
        .bind(&record.detail)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(ChainedEntry {
            seq,
            record: record.clone(),
            prev_hash,
            hash,
        })
    }

    async fn latest_audit_entries(
        &self,
        before: i64,
        limit: u32,
    ) -> StoreResult<Vec<ChainedEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, target, ip, request_id, detail, prev_hash, hash \
             FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(entry).collect()
    }

    async fn audit_entries_of(&self, action: &str, limit: u32) -> StoreResult<Vec<ChainedEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, target, ip, request_id, detail, prev_hash, hash \
             FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(action)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(entry).collect()
    }

    async fn search_audit(
        &self,
        filter: &AuditFilter,
        before: i64,
        limit: u32,
    ) -> StoreResult<Vec<ChainedEntry>> {
        let mut q: sqlx::QueryBuilder<sqlx::Postgres> = sqlx::QueryBuilder::new(
            "SELECT seq, at, actor, action, target, ip, request_id, detail, prev_hash, hash FROM audit_log WHERE seq < ",
        );
        q.push_bind(before);
        for (column, value) in [
            ("action", &filter.action),
            ("actor", &filter.actor),
            ("target", &filter.target),
        ] {
            if let Some(v) = value {
                q.push(format!(" AND {column} = ")).push_bind(v.clone());
            }
        }
        if let Some(t) = filter.from {
            q.push(" AND at >= ").push_bind(t);
        }
        if let Some(t) = filter.to {
            q.push(" AND at < ").push_bind(t);
        }
        q.push(" ORDER BY seq DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(entry).collect()
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<ChainedEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, target, ip, request_id, detail, prev_hash, hash \
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(entry).collect()
    }
}
