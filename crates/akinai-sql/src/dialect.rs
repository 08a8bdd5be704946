//! What differs between the two backends for the SQL they share (ADR 020): the sqlx driver,
//! how a time is bound and read, and which pool reads and which writes.
//!
//! Shared SQL is written once with `$n` placeholders: PostgreSQL binds them by number, and so
//! does sqlx's SQLite driver (it maps a parameter named `$n` to the n-th argument), so the same
//! text runs on both. The statements live in methods of [`Sql`], one `impl` block per area,
//! whose `where` clause states once what the area needs of the driver; each backend's trait
//! impl forwards to them with `Sql(self)`.

use chrono::{DateTime, Utc};
use sqlx::{Database, Pool};

use akinai_store::StoreResult;

/// A backend as the shared SQL sees it.
pub trait Dialect: Send + Sync + 'static {
    type Db: Database;
    /// What a time is stored as (Unix milliseconds on SQLite, `TIMESTAMPTZ` on PostgreSQL).
    type Time: Send + Sync + Unpin + 'static;
    fn time(t: DateTime<Utc>) -> Self::Time;
    /// A stored time read with `query_scalar`.
    fn from_time(v: Self::Time) -> StoreResult<DateTime<Utc>>;
    /// A stored time read back; `None` for SQL `NULL`.
    fn read_time(
        row: &<Self::Db as Database>::Row,
        column: &str,
    ) -> StoreResult<Option<DateTime<Utc>>>;
    /// How many rows a statement changed.
    fn rows_affected(done: &<Self::Db as Database>::QueryResult) -> u64;
    /// The pool for reads (SQLite: several connections beside the single writer).
    fn reader(&self) -> &Pool<Self::Db>;
    /// The pool for writes (SQLite: its one writer connection).
    fn writer(&self) -> &Pool<Self::Db>;
}

/// The shared statements of one backend `D`, by area (`Sql(store).create_cart(…)`).
pub struct Sql<'a, D>(pub &'a D);
