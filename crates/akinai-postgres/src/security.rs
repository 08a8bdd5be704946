//! The security event log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_store::{NewSecurityEvent, SecurityEvent, SecurityStore, StoreResult};

use sqlx::Row;

use crate::{map_err, PgStore};

#[async_trait]
impl SecurityStore for PgStore {
    async fn record_security_event(&self, event: &NewSecurityEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO security_events (kind, at, source_ip, detail) VALUES ($1, $2, $3, $4)",
        )
        .bind(&event.kind)
        .bind(event.at)
        .bind(&event.source_ip)
        .bind(event.detail.to_string())
        .execute(&self.pool)
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
        let rows = sqlx::query("SELECT id, kind, at, source_ip, detail FROM security_events WHERE kind = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3")
            .bind(kind)
            .bind(since)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| akinai_sql::security_event(r, r.try_get("at").map_err(map_err)?))
            .collect()
    }
}
