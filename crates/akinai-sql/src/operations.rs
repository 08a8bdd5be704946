//! Row counts, the maintenance switch and the backup run record, written once for both backends
//! (ADR 020).

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

use chrono::{DateTime, Utc};

use akinai_store::operations::{BackupRun, Maintenance, OpsFigures, RowCounts, RunKind};
use akinai_store::StoreResult;

use crate::{map_err, Columns, Dialect, Sql};

/// The counts of [`RowCounts`] in one statement (a backup runs it inside the snapshot it dumps).
pub const ROW_COUNTS: &str = "SELECT \
       (SELECT COUNT(*) FROM products) AS products, \
       (SELECT COUNT(*) FROM skus) AS skus, \
       (SELECT COUNT(*) FROM product_images) AS product_images, \
       (SELECT COUNT(*) FROM customers) AS customers, \
       (SELECT COUNT(*) FROM orders) AS orders, \
       (SELECT COUNT(*) FROM payments) AS payments, \
       (SELECT COUNT(*) FROM admins) AS admins, \
       (SELECT COUNT(*) FROM audit_log) AS audit_entries";

/// Reads the row of [`ROW_COUNTS`].
pub fn row_counts<R>(r: &R) -> StoreResult<RowCounts>
where
    R: Columns,
{
    Ok(RowCounts {
        products: r.int("products")?,
        skus: r.int("skus")?,
        product_images: r.int("product_images")?,
        customers: r.int("customers")?,
        orders: r.int("orders")?,
        payments: r.int("payments")?,
        admins: r.int("admins")?,
        audit_entries: r.int("audit_entries")?,
    })
}

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
    pub async fn row_counts(&self) -> StoreResult<RowCounts> {
        let row = sqlx::query(ROW_COUNTS)
            .fetch_one(self.0.reader())
            .await
            .map_err(map_err)?;
        row_counts(&row)
    }

    pub async fn figures(
        &self,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> StoreResult<OpsFigures> {
        let pool = self.0.reader();
        let counts = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM orders) AS orders, \
               (SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND buried_at IS NULL \
                  AND attempts = 0) AS queued, \
               (SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND buried_at IS NULL \
                  AND attempts > 0) AS retrying, \
               (SELECT COUNT(*) FROM jobs WHERE buried_at IS NOT NULL) AS buried, \
               (SELECT COUNT(*) FROM throttle_events WHERE kind = $1 AND at >= $2) AS login_failures, \
               (SELECT COUNT(*) FROM security_events WHERE kind = $3 AND at >= $2) AS csp_reports, \
               (SELECT COUNT(*) FROM source_blocks WHERE until > $4) AS blocked_sources, \
               (SELECT COUNT(*) FROM checkout_holds WHERE acknowledged_at IS NULL) AS holds",
        )
        .bind(akinai_store::throttle::LOGIN_FAIL)
        .bind(D::time(since))
        .bind("csp_violation") // akinai_core::security::CSP_VIOLATION
        .bind(D::time(now))
        .fetch_one(pool)
        .await
        .map_err(map_err)?;
        let oldest = sqlx::query(
            "SELECT created_at FROM jobs WHERE done_at IS NULL AND buried_at IS NULL \
             ORDER BY created_at LIMIT 1",
        )
        .fetch_optional(pool)
        .await
        .map_err(map_err)?;
        let payments: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT method, status, COUNT(*) FROM payments GROUP BY method, status \
             ORDER BY method, status",
        )
        .fetch_all(pool)
        .await
        .map_err(map_err)?;
        Ok(OpsFigures {
            orders: counts.int("orders")?,
            payments,
            jobs_queued: counts.int("queued")?,
            jobs_retrying: counts.int("retrying")?,
            jobs_buried: counts.int("buried")?,
            oldest_open_job: oldest.map(|r| D::at(&r, "created_at")).transpose()?,
            login_failures: counts.int("login_failures")?,
            csp_reports: counts.int("csp_reports")?,
            blocked_sources: counts.int("blocked_sources")?,
            checkout_holds: counts.int("holds")?,
        })
    }

    pub async fn maintenance(&self) -> StoreResult<Option<Maintenance>> {
        let row = sqlx::query("SELECT message, set_by, since FROM maintenance WHERE id = 1")
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.map(|r| {
            Ok(Maintenance {
                message: r.text("message")?,
                by: r.text("set_by")?,
                since: D::at(&r, "since")?,
            })
        })
        .transpose()
    }

    pub async fn set_maintenance(&self, maintenance: Option<&Maintenance>) -> StoreResult<()> {
        let query = match maintenance {
            None => sqlx::query("DELETE FROM maintenance"),
            Some(m) => sqlx::query(
                "INSERT INTO maintenance (id, message, set_by, since) VALUES (1, $1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET message = excluded.message, \
                 set_by = excluded.set_by, since = excluded.since",
            )
            .bind(m.message.clone())
            .bind(m.by.clone())
            .bind(D::time(m.since)),
        };
        query.execute(self.0.writer()).await.map_err(map_err)?;
        Ok(())
    }

    pub async fn record_backup_run(&self, run: &BackupRun) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO backup_runs (kind, at, ok, file, bytes, millis, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(run.kind.as_str())
        .bind(D::time(run.at))
        .bind(run.ok)
        .bind(run.file.clone())
        .bind(run.bytes)
        .bind(run.millis)
        .bind(run.detail.clone())
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn last_backup_run(
        &self,
        kind: RunKind,
        ok_only: bool,
    ) -> StoreResult<Option<BackupRun>> {
        let row = sqlx::query(
            "SELECT at, ok, file, bytes, millis, detail FROM backup_runs \
             WHERE kind = $1 AND (ok OR NOT $2) ORDER BY at DESC, id DESC LIMIT 1",
        )
        .bind(kind.as_str())
        .bind(ok_only)
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        row.map(|r| {
            Ok(BackupRun {
                kind,
                at: D::at(&r, "at")?,
                ok: r.try_get::<bool, _>("ok").map_err(map_err)?,
                file: r.text("file")?,
                bytes: r.int("bytes")?,
                millis: r.int("millis")?,
                detail: r.text("detail")?,
            })
        })
        .transpose()
    }
}

/// Implements `OperationsStore` for a backend type with the statements above.
#[macro_export]
macro_rules! operations_store {
    ($store:ty) => {
        const _: () = {
            use akinai_store::operations::{
                BackupRun, Maintenance, OpsFigures, RowCounts, RunKind,
            };
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::operations::OperationsStore for $store {
                async fn figures(
                    &self,
                    now: DateTime<Utc>,
                    since: DateTime<Utc>,
                ) -> StoreResult<OpsFigures> {
                    $crate::Sql(self).figures(now, since).await
                }
                async fn row_counts(&self) -> StoreResult<RowCounts> {
                    $crate::Sql(self).row_counts().await
                }
                async fn maintenance(&self) -> StoreResult<Option<Maintenance>> {
                    $crate::Sql(self).maintenance().await
                }
                async fn set_maintenance(
                    &self,
                    maintenance: Option<&Maintenance>,
                ) -> StoreResult<()> {
                    $crate::Sql(self).set_maintenance(maintenance).await
                }
                async fn record_backup_run(&self, run: &BackupRun) -> StoreResult<()> {
                    $crate::Sql(self).record_backup_run(run).await
                }
                async fn last_backup_run(
                    &self,
                    kind: RunKind,
                    ok_only: bool,
                ) -> StoreResult<Option<BackupRun>> {
                    $crate::Sql(self).last_backup_run(kind, ok_only).await
                }
            }
        };
    };
}
