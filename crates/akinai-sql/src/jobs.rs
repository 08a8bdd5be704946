//! The job outbox, written once for both backends. A claim takes the oldest due job with one
//! `UPDATE … RETURNING`: on SQLite the single writer connection serialises claims; on PostgreSQL
//! workers on several nodes claim concurrently and `FOR UPDATE SKIP LOCKED`
//! ([`Dialect::SKIP_LOCKED`]) hands each due job to exactly one of them without blocking the others.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::ids::JobId;
use akinai_store::{Job, NewJob, StoreResult, JOB_ORDER_CONFIRMATION};

use crate::{map_err, Dialect, Sql};

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
    pub async fn claim_job(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Job>> {
        let row = sqlx::query(&format!(
            "UPDATE jobs SET locked_until = $1, attempts = attempts + 1 WHERE id = ( \
                 SELECT id FROM jobs WHERE done_at IS NULL AND buried_at IS NULL AND run_at <= $2 \
                 AND (locked_until IS NULL OR locked_until < $3) ORDER BY run_at, id LIMIT 1{}) \
             RETURNING id, kind, payload, attempts",
            D::SKIP_LOCKED
        ))
        .bind(D::time(lease_until))
        .bind(D::time(now))
        .bind(D::time(now))
        .fetch_all(self.0.writer())
        .await
        .map(crate::first)
        .map_err(map_err)?;
        row.as_ref().map(crate::job).transpose()
    }

    pub async fn complete_job(&self, job: JobId, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE jobs SET done_at = $1, locked_until = NULL WHERE id = $2")
            .bind(D::time(now))
            .bind(job.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "UPDATE orders SET confirmation_sent_at = $1 WHERE confirmation_sent_at IS NULL AND id = \
             (SELECT order_id FROM jobs WHERE id = $2 AND kind = $3)",
        )
        .bind(D::time(now))
        .bind(job.0)
        .bind(JOB_ORDER_CONFIRMATION)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    pub async fn retry_job(
        &self,
        job: JobId,
        run_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET run_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3",
        )
        .bind(D::time(run_at))
        .bind(error)
        .bind(job.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn bury_job(&self, job: JobId, now: DateTime<Utc>, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET buried_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3",
        )
        .bind(D::time(now))
        .bind(error)
        .bind(job.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO jobs (kind, payload, run_at, created_at, dedup_key) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&job.kind)
        .bind(job.payload.to_string())
        .bind(D::time(job.run_at))
        .bind(D::time(job.run_at))
        .bind(&job.dedup_key)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn pending_jobs(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND buried_at IS NULL")
            .fetch_one(self.0.reader())
            .await
            .map_err(map_err)
    }
}

/// Implements `akinai_store::JobStore` for a backend type with the statements above.
#[macro_export]
macro_rules! job_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::JobId;
            use akinai_store::{Job, JobStore, NewJob, StoreResult, JOB_ORDER_CONFIRMATION};
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::JobStore for $store {
                async fn claim_job(
                    &self,
                    now: DateTime<Utc>,
                    lease_until: DateTime<Utc>,
                ) -> StoreResult<Option<Job>> {
                    $crate::Sql(self).claim_job(now, lease_until).await
                }

                async fn complete_job(&self, job: JobId, now: DateTime<Utc>) -> StoreResult<()> {
                    $crate::Sql(self).complete_job(job, now).await
                }

                async fn retry_job(
                    &self,
                    job: JobId,
                    run_at: DateTime<Utc>,
                    error: &str,
                ) -> StoreResult<()> {
                    $crate::Sql(self).retry_job(job, run_at, error).await
                }

                async fn bury_job(
                    &self,
                    job: JobId,
                    now: DateTime<Utc>,
                    error: &str,
                ) -> StoreResult<()> {
                    $crate::Sql(self).bury_job(job, now, error).await
                }

                async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool> {
                    $crate::Sql(self).enqueue_job(job).await
                }

                async fn pending_jobs(&self) -> StoreResult<i64> {
                    $crate::Sql(self).pending_jobs().await
                }
            }
        };
    };
}
