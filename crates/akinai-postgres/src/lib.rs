//! The PostgreSQL backend, for shops that outgrow one machine: several stateless `akinai` nodes
//! share one database. Chosen by a `postgres://` database URL; owns its own migrations.
#![forbid(unsafe_code)]

mod accounts;
mod admin;
mod api_tokens;
mod audit;
mod business;
mod cart;
mod catalog;
mod catalog_admin;
mod copy;
mod coupons;
mod customers;
mod documents;
mod fulfilment;
mod hints;
mod incidents;
mod integrity;
mod inventory;
mod jobs;
mod leases;
mod member;
mod operations;
mod orders;
mod payments;
mod points;
mod price_rules;
mod quotes;
mod receivables;
mod reports;
mod scratch;
mod security;
mod security_tasks;
#[cfg(feature = "synthetic")]
mod synthetic;
mod transfer;
mod transfer_runs;
mod webhooks;

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};

use akinai_store::{Store, StoreError, StoreResult};

pub use copy::PgCopyTarget;
pub use scratch::HeldSnapshot;

use akinai_sql::map_err;

/// The migrations this binary carries.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A PostgreSQL database used by akinai.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://…`). Call [`PgStore::migrate`] before use.
    pub async fn connect(url: &str, max_connections: u32) -> StoreResult<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(map_err)?;
        Ok(PgStore { pool })
    }

    /// Applies pending migrations (idempotent; safe to run from several nodes, sqlx takes an
    /// advisory lock).
    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))
    }

    /// Closes the pool (tests drop their database afterwards).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn pool_usage(&self) -> (u32, u32) {
        (
            self.pool.size(),
            u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
        )
    }
}

/// What the shared statements need of PostgreSQL: `TIMESTAMPTZ` times, one pool (ADR 020).
impl akinai_sql::Dialect for PgStore {
    type Db = sqlx::Postgres;
    type Time = chrono::DateTime<chrono::Utc>;

    const GREATEST: &'static str = "GREATEST";
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const AUDIT_AT: &'static str = "at";
    const BEGIN_WRITE: &'static str = "BEGIN";
    /// `0x0061_6b61_7564_6974` is "akinai audit" as the advisory lock key.
    const SERIALISE_AUDIT: Option<&'static str> =
        Some("SELECT pg_advisory_xact_lock(27421139066448244)");

    fn micros(t: chrono::DateTime<chrono::Utc>) -> akinai_sql::Arg {
        akinai_sql::Arg::Time(t)
    }

    fn read_micros(
        row: &sqlx::postgres::PgRow,
        column: &str,
    ) -> StoreResult<chrono::DateTime<chrono::Utc>> {
        use sqlx::Row;
        row.try_get(column).map_err(map_err)
    }

    fn japan_day(column: &str) -> String {
        format!("to_char({column} AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD')")
    }

    fn millis_between(from: &str, to: &str) -> String {
        format!("CAST(EXTRACT(EPOCH FROM ({to} - {from})) * 1000 AS BIGINT)")
    }

    fn time(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        t
    }

    fn from_time(v: chrono::DateTime<chrono::Utc>) -> StoreResult<chrono::DateTime<chrono::Utc>> {
        Ok(v)
    }

    fn read_time(
        row: &sqlx::postgres::PgRow,
        column: &str,
    ) -> StoreResult<Option<chrono::DateTime<chrono::Utc>>> {
        use sqlx::Row;
        row.try_get(column).map_err(map_err)
    }

    fn contains(column: &str, arg: &str) -> String {
        format!("strpos({column}, {arg}) > 0")
    }

    fn description_matches(groups: &[Vec<&str>], limit: usize) -> Option<akinai_sql::Filter> {
        catalog::description_matches(groups, limit)
    }

    fn rows_affected(done: &sqlx::postgres::PgQueryResult) -> u64 {
        done.rows_affected()
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }
}
