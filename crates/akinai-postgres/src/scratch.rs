//! What a restore and a restore drill need of the PostgreSQL server: whether a database is still
//! blank (a restore never writes over a shop), and a scratch database to restore a backup into
//! and check, dropped afterwards.

use sqlx::Row;

use akinai_store::{StoreError, StoreResult};

use akinai_sql::map_err;

use crate::PgStore;

/// A database name akinai makes itself: lower-case letters, digits and `_`, at most 63 bytes.
fn checked(name: &str) -> StoreResult<&str> {
    let fine = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if fine {
        Ok(name)
    } else {
        Err(StoreError::Backend(format!(
            "unusable database name {name:?}"
        )))
    }
}

impl PgStore {
    /// True when the database holds no table at all in its `public` schema.
    pub async fn is_blank(&self) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(row.try_get::<i64, _>("n").map_err(map_err)? == 0)
    }

    /// The migrations applied to the database and those this binary knows.
    pub async fn schema_state(&self) -> StoreResult<akinai_store::operations::SchemaState> {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        let applied = if exists {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
        } else {
            Vec::new()
        };
        Ok(akinai_store::operations::SchemaState {
            applied,
            known: crate::MIGRATOR.iter().map(|m| m.version).collect(),
        })
    }

    /// Creates an empty database `name` on the same server (needs the CREATEDB privilege).
    pub async fn create_database(&self, name: &str) -> StoreResult<()> {
        sqlx::query(&format!("CREATE DATABASE {}", checked(name)?))
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    /// Drops database `name` (a scratch database this process made), closing its connections.
    pub async fn drop_database(&self, name: &str) -> StoreResult<()> {
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            checked(name)?
        ))
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}

/// A snapshot held open so `pg_dump --snapshot` dumps exactly what [`HeldSnapshot::row_counts`]
/// counted (a backup's header then tells the truth about its payload).
pub struct HeldSnapshot {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    /// The exported snapshot's name, for `pg_dump --snapshot`.
    pub id: String,
}

impl PgStore {
    /// Opens a repeatable-read transaction and exports its snapshot.
    pub async fn hold_snapshot(&self) -> StoreResult<HeldSnapshot> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        Ok(HeldSnapshot { tx, id })
    }
}

impl HeldSnapshot {
    /// The row counts as of the snapshot.
    pub async fn row_counts(&mut self) -> StoreResult<akinai_store::operations::RowCounts> {
        let row = sqlx::query(akinai_sql::ROW_COUNTS)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(map_err)?;
        akinai_sql::row_counts(&row)
    }

    /// Ends the transaction (after `pg_dump` has attached to the snapshot and finished).
    pub async fn release(self) -> StoreResult<()> {
        self.tx.rollback().await.map_err(map_err)
    }
}
