//! What a backup and a restore drill need of the SQLite file itself: a consistent copy taken
//! while the shop serves (`VACUUM INTO`, on a reader connection so orders keep being written),
//! and SQLite's own checks of a restored file (`integrity_check`, `foreign_key_check`).

use std::path::Path;

use sqlx::Row;

use akinai_store::{StoreError, StoreResult};

use akinai_sql::map_err;

use crate::SqliteStore;

impl SqliteStore {
    /// Writes a consistent copy of the database to `path`, which must not exist.
    pub async fn snapshot_into(&self, path: &Path) -> StoreResult<()> {
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Backend(format!("{} is not UTF-8", path.display())))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.reader)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    /// SQLite's findings on the file: damaged pages and rows whose foreign key points nowhere.
    /// Empty when the file is sound.
    pub async fn integrity_problems(&self) -> StoreResult<Vec<String>> {
        let mut problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?
            .into_iter()
            .filter(|line: &String| line != "ok")
            .collect();
        let orphans = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        for row in orphans {
            let table: String = row.try_get(0).map_err(map_err)?;
            let rowid: Option<i64> = row.try_get(1).map_err(map_err)?;
            let parent: String = row.try_get(2).map_err(map_err)?;
            problems.push(format!(
                "{table} row {} refers to a missing {parent} row",
                rowid.map_or_else(|| "?".to_string(), |r| r.to_string())
            ));
        }
        Ok(problems)
    }

    /// The migrations applied to the file and those this binary knows.
    pub async fn schema_state(&self) -> StoreResult<akinai_store::operations::SchemaState> {
        let has_table: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(&self.reader)
        .await
        .map_err(map_err)?;
        let applied = if has_table == 0 {
            Vec::new()
        } else {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?
        };
        Ok(akinai_store::operations::SchemaState {
            applied,
            known: crate::MIGRATOR.iter().map(|m| m.version).collect(),
        })
    }

    /// Closes both pools (the file can then be moved or deleted).
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}
