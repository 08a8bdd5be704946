//! The job outbox for SQLite. The single writer connection serialises claims, so a plain
//! `UPDATE … RETURNING` of the oldest due job is race-free.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::JobId;
use akinai_store::{Job, JobStore, NewJob, StoreResult, JOB_ORDER_CONFIRMATION};

use crate::{map_err, ms, SqliteStore};

#[async_trait]
impl JobStore for SqliteStore {
    async fn claim_job(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Job>> {
        let row = sqlx::query(
            "UPDATE jobs SET locked_until = ?, attempts = attempts + 1 WHERE id = ( \
                 SELECT id FROM jobs WHERE done_at IS NULL AND buried_at IS NULL AND run_at <= ? \
                 AND (locked_until IS NULL OR locked_until < ?) ORDER BY run_at, id LIMIT 1) \
             RETURNING id, kind, payload, attempts",
        )
        .bind(ms(lease_until))
        .bind(ms(now))
        .bind(ms(now))
        .fetch_optional(&self.writer)
        .await
        .map_err(map_err)?;
        row.as_ref().map(akinai_sql::job).transpose()
    }

    async fn complete_job(&self, job: JobId, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.writer.begin().await.map_err(map_err)?;
        sqlx::query("UPDATE jobs SET done_at = ?, locked_until = NULL WHERE id = ?")
            .bind(ms(now))
            .bind(job.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "UPDATE orders SET confirmation_sent_at = ? WHERE confirmation_sent_at IS NULL AND id = \
             (SELECT order_id FROM jobs WHERE id = ? AND kind = ?)",
        )
        .bind(ms(now))
        .bind(job.0)
        .bind(JOB_ORDER_CONFIRMATION)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn retry_job(&self, job: JobId, run_at: DateTime<Utc>, error: &str) -> StoreResult<()> {
        sqlx::query("UPDATE jobs SET run_at = ?, locked_until = NULL, last_error = ? WHERE id = ?")
            .bind(ms(run_at))
            .bind(error)
            .bind(job.0)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn bury_job(&self, job: JobId, now: DateTime<Utc>, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET buried_at = ?, locked_until = NULL, last_error = ? WHERE id = ?",
        )
        .bind(ms(now))
        .bind(error)
        .bind(job.0)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO jobs (kind, payload, run_at, created_at, dedup_key) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&job.kind)
        .bind(job.payload.to_string())
        .bind(ms(job.run_at))
        .bind(ms(job.run_at))
        .bind(&job.dedup_key)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn pending_jobs(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND buried_at IS NULL")
            .fetch_one(&self.reader)
            .await
            .map_err(map_err)
    }
}
