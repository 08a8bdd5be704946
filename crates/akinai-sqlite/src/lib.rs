//! The embedded SQLite backend, akinai's default store for a shop on one server.
//!
//! Durability first: WAL with `synchronous=FULL`, so an order acknowledged to the shopper has been
//! fsynced; foreign keys on; a busy timeout. SQLite allows one writer at a time, so the store keeps
//! one writer connection (writes queue in the pool instead of failing with `SQLITE_BUSY`) beside a
//! pool of readers that WAL lets run concurrently. Concurrent orders share one fsync through a
//! group commit. Times are stored as UTC Unix milliseconds.
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
mod group_commit;
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
mod security;
mod security_tasks;
mod snapshot;
#[cfg(feature = "synthetic")]
mod synthetic;
mod transfer;
mod transfer_runs;
mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Connection;

use akinai_store::{Store, StoreError, StoreResult};

use akinai_sql::map_err;

pub use copy::SqliteCopySource;

/// The migrations this binary carries.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A SQLite database file opened for akinai.
#[derive(Clone)]
pub struct SqliteStore {
    reader: SqlitePool,
    writer: SqlitePool,
    orders: group_commit::OrderWriter,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`. Call [`SqliteStore::migrate`] before use.
    pub async fn open(path: &Path) -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(backend)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .before_acquire(|conn, _| {
                // A transaction SQLite ended by itself (a commit that failed on a full disk
                // rolls back) is still counted by the driver, which would then refuse every
                // `BEGIN IMMEDIATE`: such a connection is closed, not reused. (The pool pinged
                // it on release, so a dropped transaction's queued rollback has run by now.)
                let usable = !conn.is_in_transaction();
                Box::pin(async move { Ok(usable) })
            })
            .connect_with(options.clone())
            .await
            .map_err(map_err)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(map_err)?;
        let orders = group_commit::OrderWriter::start(writer.clone())?;
        Ok(SqliteStore {
            reader,
            writer,
            orders,
        })
    }

    /// Applies pending migrations (idempotent).
    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR
            .run(&self.writer)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn pool_usage(&self) -> (u32, u32) {
        let idle = |p: &SqlitePool| u32::try_from(p.num_idle()).unwrap_or(u32::MAX);
        (
            self.reader.size() + self.writer.size(),
            idle(&self.reader) + idle(&self.writer),
        )
    }
}

/// UTC time to stored Unix milliseconds.
fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Stored Unix milliseconds to UTC time.
fn from_ms(v: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(v)
        .ok_or_else(|| StoreError::Corrupt(format!("bad timestamp {v}")))
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// What the shared statements need of SQLite: times as Unix milliseconds, reads on the reader
/// pool, writes on the single writer (ADR 003, ADR 020).
/// Japan's offset from UTC in milliseconds (no daylight saving time).
const JST_MS: i64 = 9 * 3600 * 1000;

impl akinai_sql::Dialect for SqliteStore {
    type Db = sqlx::Sqlite;
    type Time = i64;

    const GREATEST: &'static str = "MAX";
    const SKIP_LOCKED: &'static str = "";
    const AUDIT_AT: &'static str = "at_us";
    const SERIALISE_AUDIT: Option<&'static str> = None;
    const BEGIN_WRITE: &'static str = group_commit::BEGIN_WRITE;

    fn micros(t: DateTime<Utc>) -> akinai_sql::Arg {
        akinai_sql::Arg::Int(t.timestamp_micros())
    }

    fn read_micros(row: &sqlx::sqlite::SqliteRow, column: &str) -> StoreResult<DateTime<Utc>> {
        use akinai_sql::Columns;
        DateTime::from_timestamp_micros(row.int(column)?)
            .ok_or_else(|| akinai_sql::corrupt("audit time out of range"))
    }

    fn japan_day(column: &str) -> String {
        format!("date(({column} + {JST_MS}) / 1000, 'unixepoch')")
    }

    fn millis_between(from: &str, to: &str) -> String {
        format!("{to} - {from}")
    }

    fn time(t: DateTime<Utc>) -> i64 {
        ms(t)
    }

    fn from_time(v: i64) -> StoreResult<DateTime<Utc>> {
        from_ms(v)
    }

    fn read_time(
        row: &sqlx::sqlite::SqliteRow,
        column: &str,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        use akinai_sql::Columns;
        row.opt_int(column)?.map(from_ms).transpose()
    }

    fn contains(column: &str, arg: &str) -> String {
        format!("instr({column}, {arg}) > 0")
    }

    fn description_matches(groups: &[Vec<&str>], limit: usize) -> Option<akinai_sql::Filter> {
        catalog::description_matches(groups, limit)
    }

    fn rows_affected(done: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        done.rows_affected()
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::ConnectOptions;

    /// An acknowledged order must survive power loss: every writer commit is fsynced.
    #[tokio::test]
    async fn commits_are_durable_and_foreign_keys_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&store.writer)
            .await
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&store.writer)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&store.reader)
            .await
            .unwrap();
        assert_eq!(fk, 1);
    }

    /// Another process (the backup CLI) writing while the server does must make the server
    /// wait, not fail: a write transaction takes the write lock when it begins, so it never
    /// reads first and then finds the database locked with no way to wait (IPA-C-13).
    #[tokio::test]
    async fn ipa_c_13_a_write_transaction_holds_the_write_lock_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteStore::open(&path).await.unwrap();
        store.migrate().await.unwrap();
        let mut other = SqliteConnectOptions::new()
            .filename(&path)
            .busy_timeout(Duration::ZERO)
            .connect()
            .await
            .unwrap();
        let tx = akinai_sql::Sql(&store).begin_write().await.unwrap();
        let refused = sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut other)
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("locked"), "{refused}");
        tx.rollback().await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut other)
            .await
            .unwrap();
        sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    }
}
