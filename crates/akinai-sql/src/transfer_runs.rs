//! Imports started in the admin, written once for both backends (ADR 020, ADR 027): the run
//! row, its file in chunks, and each step started together with its worker job.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::ids::TransferRunId;
use akinai_store::transfer_runs::{NewTransferRun, RunKind, RunState, TransferRun};
use akinai_store::{NewJob, StoreResult};

use crate::{corrupt, map_err, Columns, Dialect, Sql};

const COLUMNS: &str =
    "id, kind, file_name, file_bytes, images_bytes, options, state, rows_done, bytes_done, summary, \
                       error, created_by, created_ip, created_at, updated_at";

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    for<'q> &'q [u8]: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Vec<u8>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<&'q str>: Encode<'q, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    fn read_run(r: &<D::Db as Database>::Row) -> StoreResult<TransferRun> {
        let (kind, state) = (r.text("kind")?, r.text("state")?);
        Ok(TransferRun {
            id: TransferRunId(r.int("id")?),
            kind: RunKind::parse(&kind).ok_or_else(|| corrupt(format!("run kind {kind}")))?,
            file_name: r.text("file_name")?,
            file_bytes: r.int("file_bytes")?,
            images_bytes: r.int("images_bytes")?,
            options: r.text("options")?,
            state: RunState::parse(&state).ok_or_else(|| corrupt(format!("run state {state}")))?,
            rows_done: r.int("rows_done")?,
            bytes_done: r.int("bytes_done")?,
            summary: r.opt_text("summary")?,
            error: r.opt_text("error")?,
            created_by: r.text("created_by")?,
            created_ip: r.opt_text("created_ip")?,
            created_at: D::at(r, "created_at")?,
            updated_at: D::at(r, "updated_at")?,
        })
    }

    pub async fn create_transfer_run(&self, run: &NewTransferRun) -> StoreResult<TransferRunId> {
        sqlx::query_scalar(
            "INSERT INTO transfer_runs (kind, file_name, options, state, created_by, created_ip, \
             created_at, updated_at) VALUES ($1, $2, $3, 'uploading', $4, $5, $6, $6) RETURNING id",
        )
        .bind(run.kind.as_str())
        .bind(run.file_name.clone())
        .bind(run.options.clone())
        .bind(run.created_by.clone())
        .bind(run.created_ip.clone())
        .bind(D::time(run.at))
        .fetch_all(self.0.writer())
        .await
        .and_then(crate::one)
        .map(TransferRunId)
        .map_err(map_err)
    }

    pub async fn put_transfer_chunk(
        &self,
        id: TransferRunId,
        part: i64,
        seq: i64,
        data: &[u8],
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO transfer_chunks (run_id, part, seq, data) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.0)
        .bind(part)
        .bind(seq)
        .bind(data)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn transfer_chunk(
        &self,
        id: TransferRunId,
        part: i64,
        seq: i64,
    ) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query_scalar(
            "SELECT data FROM transfer_chunks WHERE run_id = $1 AND part = $2 AND seq = $3",
        )
        .bind(id.0)
        .bind(part)
        .bind(seq)
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)
    }

    pub async fn advance_transfer_run(
        &self,
        id: TransferRunId,
        from: RunState,
        to: RunState,
        sizes: Option<(i64, i64)>,
        job: &NewJob,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE transfer_runs SET state = $3, file_bytes = COALESCE($4, file_bytes), \
             images_bytes = COALESCE($5, images_bytes), rows_done = 0, bytes_done = 0, \
             error = NULL, updated_at = $6 WHERE id = $1 AND state = $2",
        )
        .bind(id.0)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(sizes.map(|s| s.0))
        .bind(sizes.map(|s| s.1))
        .bind(D::time(job.run_at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if D::rows_affected(&done) != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO jobs (kind, payload, run_at, created_at, dedup_key) \
             VALUES ($1, $2, $3, $3, $4)",
        )
        .bind(job.kind.clone())
        .bind(job.payload.to_string())
        .bind(D::time(job.run_at))
        .bind(job.dedup_key.clone())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    pub async fn set_transfer_progress(
        &self,
        id: TransferRunId,
        rows: i64,
        bytes: i64,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE transfer_runs SET rows_done = $2, bytes_done = $3 WHERE id = $1")
            .bind(id.0)
            .bind(rows)
            .bind(bytes)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn finish_transfer_step(
        &self,
        id: TransferRunId,
        state: RunState,
        summary: Option<&str>,
        report: Option<&str>,
        error: Option<&str>,
        drop_file: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE transfer_runs SET state = $2, summary = COALESCE($3, summary), \
             report = COALESCE($4, report), error = $5, updated_at = $6 WHERE id = $1 \
             AND state IN ('planning', 'applying')",
        )
        .bind(id.0)
        .bind(state.as_str())
        .bind(summary)
        .bind(report)
        .bind(error)
        .bind(D::time(at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if drop_file {
            sqlx::query("DELETE FROM transfer_chunks WHERE run_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    pub async fn transfer_run(&self, id: TransferRunId) -> StoreResult<Option<TransferRun>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM transfer_runs WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        row.as_ref().map(Self::read_run).transpose()
    }

    pub async fn transfer_report(&self, id: TransferRunId) -> StoreResult<Option<String>> {
        let report: Option<Option<String>> =
            sqlx::query_scalar("SELECT report FROM transfer_runs WHERE id = $1")
                .bind(id.0)
                .fetch_optional(self.0.reader())
                .await
                .map_err(map_err)?;
        Ok(report.flatten())
    }

    pub async fn transfer_runs(&self, kind: RunKind, limit: u32) -> StoreResult<Vec<TransferRun>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM transfer_runs WHERE kind = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(kind.as_str())
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(Self::read_run).collect()
    }

    pub async fn prune_transfer_files(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM transfer_chunks WHERE run_id IN \
             (SELECT id FROM transfer_runs WHERE updated_at < $1)",
        )
        .bind(D::time(before))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done))
    }

    pub async fn delete_transfer_run(&self, id: TransferRunId) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for sql in [
            "DELETE FROM transfer_chunks WHERE run_id = $1",
            "DELETE FROM transfer_runs WHERE id = $1",
        ] {
            sqlx::query(sql)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }
}

/// Implements `TransferRunStore` for a backend type with the statements above.
#[macro_export]
macro_rules! transfer_run_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::TransferRunId;
            use akinai_store::transfer_runs::{NewTransferRun, RunKind, RunState, TransferRun};
            use akinai_store::{NewJob, StoreResult};
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::transfer_runs::TransferRunStore for $store {
                async fn create_transfer_run(
                    &self,
                    run: &NewTransferRun,
                ) -> StoreResult<TransferRunId> {
                    $crate::Sql(self).create_transfer_run(run).await
                }
                async fn put_transfer_chunk(
                    &self,
                    id: TransferRunId,
                    part: i64,
                    seq: i64,
                    data: &[u8],
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .put_transfer_chunk(id, part, seq, data)
                        .await
                }
                async fn transfer_chunk(
                    &self,
                    id: TransferRunId,
                    part: i64,
                    seq: i64,
                ) -> StoreResult<Option<Vec<u8>>> {
                    $crate::Sql(self).transfer_chunk(id, part, seq).await
                }
                async fn advance_transfer_run(
                    &self,
                    id: TransferRunId,
                    from: RunState,
                    to: RunState,
                    sizes: Option<(i64, i64)>,
                    job: &NewJob,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .advance_transfer_run(id, from, to, sizes, job)
                        .await
                }
                async fn set_transfer_progress(
                    &self,
                    id: TransferRunId,
                    rows: i64,
                    bytes: i64,
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .set_transfer_progress(id, rows, bytes)
                        .await
                }
                async fn finish_transfer_step(
                    &self,
                    id: TransferRunId,
                    state: RunState,
                    summary: Option<&str>,
                    report: Option<&str>,
                    error: Option<&str>,
                    drop_file: bool,
                    at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .finish_transfer_step(id, state, summary, report, error, drop_file, at)
                        .await
                }
                async fn transfer_run(
                    &self,
                    id: TransferRunId,
                ) -> StoreResult<Option<TransferRun>> {
                    $crate::Sql(self).transfer_run(id).await
                }
                async fn transfer_report(&self, id: TransferRunId) -> StoreResult<Option<String>> {
                    $crate::Sql(self).transfer_report(id).await
                }
                async fn transfer_runs(
                    &self,
                    kind: RunKind,
                    limit: u32,
                ) -> StoreResult<Vec<TransferRun>> {
                    $crate::Sql(self).transfer_runs(kind, limit).await
                }
                async fn prune_transfer_files(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                    $crate::Sql(self).prune_transfer_files(before).await
                }
                async fn delete_transfer_run(&self, id: TransferRunId) -> StoreResult<()> {
                    $crate::Sql(self).delete_transfer_run(id).await
                }
            }
        };
    };
}
