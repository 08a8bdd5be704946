//! The approved theme manifests and checkout holds (IPA-C-14) on SQLite.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_sql::{corrupt, Columns};
use akinai_store::{CheckoutHold, IntegrityStore, StoreResult, ThemeManifest};

use crate::{from_ms, map_err, ms, SqliteStore};

#[async_trait]
impl IntegrityStore for SqliteStore {
    async fn record_theme_manifest(
        &self,
        files: &BTreeMap<String, String>,
        approved_by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let files = serde_json::to_string(files).map_err(corrupt)?;
        sqlx::query_scalar(
            "INSERT INTO theme_manifests (files, approved_at, approved_by) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(files)
        .bind(ms(at))
        .bind(approved_by)
        .fetch_one(&self.writer)
        .await
        .map_err(map_err)
    }

    async fn current_theme_manifest(&self) -> StoreResult<Option<ThemeManifest>> {
        let row = sqlx::query(
            "SELECT id, files, approved_at, approved_by FROM theme_manifests ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.reader)
        .await
        .map_err(map_err)?;
        row.map(|r| akinai_sql::theme_manifest(&r, from_ms(r.int("approved_at")?)?))
            .transpose()
    }

    async fn raise_checkout_hold(
        &self,
        reason: &str,
        detail: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO checkout_holds (reason, detail, raised_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(reason)
        .bind(detail.to_string())
        .bind(ms(at))
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn open_checkout_holds(&self) -> StoreResult<Vec<CheckoutHold>> {
        let rows = sqlx::query(
            "SELECT id, reason, detail, raised_at FROM checkout_holds WHERE acknowledged_at IS NULL ORDER BY id",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| akinai_sql::checkout_hold(r, from_ms(r.int("raised_at")?)?))
            .collect()
    }

    async fn acknowledge_checkout_holds(&self, by: &str, at: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE checkout_holds SET acknowledged_at = ?, acknowledged_by = ? WHERE acknowledged_at IS NULL",
        )
        .bind(ms(at))
        .bind(by)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
