//! What differs between the two backends for the SQL they share (ADR 020): the sqlx driver,
//! how a time is bound and read, and which pool reads and which writes.
//!
//! Shared SQL is written once with `$n` placeholders: PostgreSQL binds them by number, and so
//! does sqlx's SQLite driver (it maps a parameter named `$n` to the n-th argument), so the same
//! text runs on both. The statements live in methods of [`Sql`], one `impl` block per area,
//! whose `where` clause states once what the area needs of the driver; each backend's trait
//! impl forwards to them with `Sql(self)`.

use chrono::{DateTime, Utc};
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Type};

use akinai_store::StoreResult;

use crate::Columns;

/// A backend as the shared SQL sees it.
pub trait Dialect: Send + Sync + 'static {
    type Db: Database + sqlx::database::HasStatementCache;
    /// What a time is stored as (Unix milliseconds on SQLite, `TIMESTAMPTZ` on PostgreSQL).
    type Time: Send + Sync + Unpin + 'static;
    /// The SQL function of the larger of two values (`MAX(a, b)` on SQLite, `GREATEST` on
    /// PostgreSQL).
    const GREATEST: &'static str;
    /// What a job claim's inner `SELECT` ends with so that concurrent claimers skip each other's
    /// rows (empty on SQLite, whose single writer serialises claims).
    const SKIP_LOCKED: &'static str;
    /// The audit trail's time column, microseconds since the epoch (`at_us` on SQLite, `at`
    /// `TIMESTAMPTZ` on PostgreSQL).
    const AUDIT_AT: &'static str;
    /// The statement that makes an audit append exclusive across nodes (PostgreSQL's advisory
    /// lock); `None` where the single writer already does (SQLite).
    const SERIALISE_AUDIT: Option<&'static str>;
    /// The statement that opens a write transaction. SQLite's `BEGIN IMMEDIATE` takes the write
    /// lock at once, waiting out the busy timeout for another process (the backup CLI) to finish;
    /// a plain `BEGIN` would read first and then fail at once with `SQLITE_BUSY` when it tried to
    /// write after the other process had. PostgreSQL: `BEGIN`.
    const BEGIN_WRITE: &'static str;
    fn time(t: DateTime<Utc>) -> Self::Time;
    /// SQL for the Japan calendar day (`YYYY-MM-DD`) of a time column.
    fn japan_day(column: &str) -> String;
    /// SQL for the milliseconds from one time column to another, as `BIGINT`.
    fn millis_between(from: &str, to: &str) -> String;
    /// A time bound at microsecond precision (the audit trail's).
    fn micros(t: DateTime<Utc>) -> Arg;
    /// A microsecond time read back (see [`Dialect::micros`]).
    fn read_micros(row: &<Self::Db as Database>::Row, column: &str) -> StoreResult<DateTime<Utc>>;
    /// A stored time read with `query_scalar`.
    fn from_time(v: Self::Time) -> StoreResult<DateTime<Utc>>;
    /// A stored time read back; `None` for SQL `NULL`.
    fn read_time(
        row: &<Self::Db as Database>::Row,
        column: &str,
    ) -> StoreResult<Option<DateTime<Utc>>>;
    /// A stored time that must not be `NULL`.
    fn at(row: &<Self::Db as Database>::Row, column: &str) -> StoreResult<DateTime<Utc>> {
        Self::read_time(row, column)?.ok_or_else(|| crate::corrupt(format!("{column} is NULL")))
    }
    /// SQL true when `column` holds the text of placeholder `arg` as a plain substring (no
    /// wildcards: `instr` on SQLite, `strpos` on PostgreSQL).
    fn contains(column: &str, arg: &str) -> String;
    /// The statement (`id` column) listing, newest first and at most `limit`, the published
    /// products whose name or description holds every group (any of its words) but whose name
    /// alone does not — found through the backend's trigram index, which only the words of three
    /// or more characters can use; `None` when no group is made of such words (ADR 029).
    fn description_matches(groups: &[Vec<&str>], limit: usize) -> Option<Filter>;
    /// How many rows a statement changed.
    fn rows_affected(done: &<Self::Db as Database>::QueryResult) -> u64;
    /// The pool for reads (SQLite: several connections beside the single writer).
    fn reader(&self) -> &Pool<Self::Db>;
    /// The pool for writes (SQLite: its one writer connection).
    fn writer(&self) -> &Pool<Self::Db>;
}

/// The shared statements of one backend `D`, by area (`Sql(store).create_cart(…)`).
pub struct Sql<'a, D>(pub &'a D);

impl<D: Dialect> Sql<'_, D> {
    /// A transaction on the writer opened with [`Dialect::BEGIN_WRITE`].
    pub async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, D::Db>> {
        self.0
            .writer()
            .begin_with(D::BEGIN_WRITE)
            .await
            .map_err(crate::map_err)
    }
}

/// Capped counts in one statement of [`Sql::capped_counts`] (SQLite allows 500 terms in a
/// compound `SELECT`).
pub const COUNTS_PER_STATEMENT: usize = 100;

/// A value bound into a statement whose filters are chosen at run time (admin lists): the SQL
/// grows `$n` by `$n` with [`Filter::bind`], and the values are bound in that order.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    Text(String),
    OptText(Option<String>),
    Time(DateTime<Utc>),
    Bool(bool),
}

/// A statement assembled from fixed SQL fragments and bound values (never from request text).
#[derive(Debug, Default)]
pub struct Filter {
    pub sql: String,
    pub args: Vec<Arg>,
}

impl Filter {
    pub fn new(sql: &str) -> Filter {
        Filter {
            sql: sql.to_string(),
            args: Vec::new(),
        }
    }

    /// Appends `fragment` and a placeholder for `value`.
    pub fn bind(&mut self, fragment: &str, value: Arg) -> &mut Filter {
        self.args.push(value);
        self.sql.push_str(fragment);
        self.sql.push_str(&format!("${}", self.args.len()));
        self
    }

    /// Adds `value` and returns its placeholder, for SQL written around it.
    pub fn arg(&mut self, value: Arg) -> String {
        self.args.push(value);
        format!("${}", self.args.len())
    }

    pub fn push(&mut self, fragment: &str) -> &mut Filter {
        self.sql.push_str(fragment);
        self
    }
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
    /// An assembled statement with its values bound in order.
    pub(crate) fn bound(f: &Filter) -> Query<'_, D::Db, <D::Db as Database>::Arguments<'_>> {
        let mut query = sqlx::query(&f.sql);
        for a in &f.args {
            query = match a {
                Arg::Int(v) => query.bind(*v),
                Arg::Text(v) => query.bind(v.clone()),
                Arg::OptText(v) => query.bind(v.clone()),
                Arg::Time(v) => query.bind(D::time(*v)),
                Arg::Bool(v) => query.bind(*v),
            };
        }
        query
    }

    /// Runs an assembled statement on the reader.
    pub async fn fetch_all(&self, f: &Filter) -> StoreResult<Vec<<D::Db as Database>::Row>> {
        Self::bound(f)
            .fetch_all(self.0.reader())
            .await
            .map_err(crate::map_err)
    }

    /// Runs an assembled statement on the reader, planned for its values every time: it is not
    /// kept prepared, so PostgreSQL cannot settle on a generic plan. For a statement whose best
    /// plan depends on a value's rarity — the description search, where a generic plan walked
    /// every product backwards by id for a word no description holds (ADR 029 decision 7).
    pub async fn fetch_all_planned(
        &self,
        f: &Filter,
    ) -> StoreResult<Vec<<D::Db as Database>::Row>> {
        Self::bound(f)
            .persistent(false)
            .fetch_all(self.0.reader())
            .await
            .map_err(crate::map_err)
    }

    /// For each of `items`, how many rows `rows` (which appends ` FROM … WHERE …`) selects for
    /// it, counted no further than `cap`: capped `COUNT(*)`s joined by `UNION ALL`, at most
    /// [`COUNTS_PER_STATEMENT`] to a statement. The counts come in the order of `items`.
    pub async fn capped_counts<T>(
        &self,
        items: &[T],
        cap: i64,
        rows: impl Fn(&mut Filter, &T),
    ) -> StoreResult<Vec<i64>> {
        let mut counts = vec![0; items.len()];
        for (c, chunk) in items.chunks(COUNTS_PER_STATEMENT).enumerate() {
            let mut q = Filter::default();
            for (n, item) in chunk.iter().enumerate() {
                if n > 0 {
                    q.push(" UNION ALL ");
                }
                q.push(&format!(
                    "SELECT CAST({n} AS BIGINT) AS k, COUNT(*) AS n FROM (SELECT 1 AS one"
                ));
                rows(&mut q, item);
                q.bind(" LIMIT ", Arg::Int(cap));
                q.push(&format!(") c{n}"));
            }
            for row in self.fetch_all(&q).await? {
                let k = usize::try_from(row.int("k")?).map_err(crate::corrupt)?;
                if let Some(slot) = counts.get_mut(c * COUNTS_PER_STATEMENT + k) {
                    *slot = row.int("n")?;
                }
            }
        }
        Ok(counts)
    }

    /// Runs an assembled statement on the writer; the number of rows it changed.
    pub async fn execute(&self, f: &Filter) -> StoreResult<u64> {
        let done = Self::bound(f)
            .execute(self.0.writer())
            .await
            .map_err(crate::map_err)?;
        Ok(D::rows_affected(&done))
    }
}
