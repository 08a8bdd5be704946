//! The job outbox for PostgreSQL. Workers on several nodes claim jobs concurrently; `FOR UPDATE
//! SKIP LOCKED` hands each due job to exactly one of them without blocking the others.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::JobId;
use akinai_store::{Job, JobStore, NewJob, StoreResult, JOB_ORDER_CONFIRMATION};

use crate::{map_err, PgStore};

#[async_trait]
impl JobStore for PgStore {
    async fn claim_job(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Job>> {
        let row = sqlx::query(
            "UPDATE jobs SET locked_until = $1, attempts = attempts + 1 WHERE id = ( \
                 SELECT id FROM jobs WHERE done_at IS NULL AND buried_at IS NULL AND run_at <= $2 \
                 AND (locked_until IS NULL OR locked_until < $3) ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING id, kind, payload, attempts",
        )
        .bind(lease_until)
        .bind(now)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        row.as_ref().map(akinai_sql::job).transpose()
    }

    async fn complete_job(&self, job: JobId, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query("UPDATE jobs SET done_at = $1, locked_until = NULL WHERE id = $2")
            .bind(now)
            .bind(job.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "UPDATE orders SET confirmation_sent_at = $1 WHERE confirmation_sent_at IS NULL AND id = \
             (SELECT order_id FROM jobs WHERE id = $2 AND kind = $3)",
        )
        .bind(now)
        .bind(job.0)
        .bind(JOB_ORDER_CONFIRMATION)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn retry_job(&self, job: JobId, run_at: DateTime<Utc>, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET run_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3",
        )
        .bind(run_at)
        .bind(error)
        .bind(job.0)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn bury_job(&self, job: JobId, now: DateTime<Utc>, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET buried_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3",
        )
        .bind(now)
        .bind(error)
        .bind(job.0)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO jobs (kind, payload, run_at, created_at, dedup_key) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&job.kind)
        .bind(job.payload.to_string())
        .bind(job.run_at)
        .bind(job.run_at)
        .bind(&job.dedup_key)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn pending_jobs(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND buried_at IS NULL")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)
    }
}
