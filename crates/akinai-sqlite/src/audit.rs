//! The audit trail's hash chain on SQLite: one writer connection serialises appends.

use async_trait::async_trait;
use chrono::DateTime;
use sqlx::sqlite::SqliteRow;

use akinai_domain::audit::{entry_hash, AuditRecord, ChainedEntry, GENESIS};
use akinai_sql::{corrupt, Columns};
use akinai_store::{AuditFilter, AuditStore, StoreResult};

use crate::{map_err, SqliteStore};

fn entry(r: &SqliteRow) -> StoreResult<ChainedEntry> {
    let at = DateTime::from_timestamp_micros(r.int("at_us")?)
        .ok_or_else(|| corrupt("audit time out of range"))?;
    akinai_sql::audit_entry(r, at)
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, record: &AuditRecord) -> StoreResult<ChainedEntry> {
        let mut tx = self.writer.begin().await.map_err(map_err)?;
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
        let (seq, prev_hash) = last.map_or((1, GENESIS.to_string()), |(s, h)| (s + 1, h));
        let hash = entry_hash(&prev_hash, seq, record);
        sqlx::query(
            "INSERT INTO audit_log (seq, at_us, actor, action, target, ip, request_id, detail, prev_hash, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(seq)
        .bind(record.at.timestamp_micros())
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
            "SELECT seq, at_us, actor, action, target, ip, request_id, detail, prev_hash, hash \
             FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?",
        )
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        rows.iter().map(entry).collect()
    }

    async fn audit_entries_of(&self, action: &str, limit: u32) -> StoreResult<Vec<ChainedEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at_us, actor, action, target, ip, request_id, detail, prev_hash, hash \
             FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT ?",
        )
        .bind(action)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
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
        let mut q: sqlx::QueryBuilder<sqlx::Sqlite> = sqlx::QueryBuilder::new(
            "SELECT seq, at_us, actor, action, target, ip, request_id, detail, prev_hash, hash FROM audit_log WHERE seq < ",
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
            q.push(" AND at_us >= ").push_bind(t.timestamp_micros());
        }
        if let Some(t) = filter.to {
            q.push(" AND at_us < ").push_bind(t.timestamp_micros());
        }
        q.push(" ORDER BY seq DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.reader).await.map_err(map_err)?;
        rows.iter().map(entry).collect()
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<ChainedEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at_us, actor, action, target, ip, request_id, detail, prev_hash, hash \
             FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        rows.iter().map(entry).collect()
    }
}
