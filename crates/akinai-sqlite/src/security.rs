//! The security event log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_sql::Columns;
use akinai_store::{NewSecurityEvent, SecurityEvent, SecurityStore, StoreResult};

use crate::{from_ms, map_err, ms, SqliteStore};

#[async_trait]
impl SecurityStore for SqliteStore {
    async fn record_security_event(&self, event: &NewSecurityEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO security_events (kind, at, source_ip, detail) VALUES (?, ?, ?, ?)",
        )
        .bind(&event.kind)
        .bind(ms(event.at))
        .bind(&event.source_ip)
        .bind(event.detail.to_string())
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn security_events(
        &self,
        kind: &str,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<SecurityEvent>> {
        let rows = sqlx::query("SELECT id, kind, at, source_ip, detail FROM security_events WHERE kind = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?")
            .bind(kind)
            .bind(ms(since))
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| akinai_sql::security_event(r, from_ms(r.int("at")?)?))
            .collect()
    }
}
