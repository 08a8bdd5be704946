//! The security event log.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_store::{NewSecurityEvent, SecurityEvent, StoreResult};

use crate::{map_err, Columns, Dialect, Sql};

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
    pub async fn record_security_event(&self, event: &NewSecurityEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO security_events (kind, at, source_ip, detail) VALUES ($1, $2, $3, $4)",
        )
        .bind(&event.kind)
        .bind(D::time(event.at))
        .bind(&event.source_ip)
        .bind(event.detail.to_string())
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn prune_security_events(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM security_events WHERE at < $1")
            .bind(D::time(before))
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(D::rows_affected(&done))
    }

    pub async fn count_security_events(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT kind, CAST(COUNT(*) AS BIGINT) AS n FROM security_events \
             WHERE at >= $1 AND at < $2 GROUP BY kind ORDER BY kind",
        )
        .bind(D::time(from))
        .bind(D::time(until))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| Ok((r.text("kind")?, r.int("n")?)))
            .collect()
    }

    pub async fn security_events(
        &self,
        kind: &str,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<SecurityEvent>> {
        let rows = sqlx::query("SELECT id, kind, at, source_ip, detail FROM security_events WHERE kind = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3")
            .bind(kind)
            .bind(D::time(since))
            .bind(i64::from(limit))
            .fetch_all(self.0.reader())
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| crate::security_event(r, D::at(r, "at")?))
            .collect()
    }
}

/// Implements `SecurityStore` for a backend type with the statements above.
#[macro_export]
macro_rules! security_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::catalog::{
                Category, PageCursor, Product, ProductSummary, Quantity, SkuForSale,
            };
            use akinai_domain::checkout::CheckoutDetails;
            use akinai_domain::ids::{
                CartId, CategoryId, CustomerId, JobId, OrderId, ProductId, SessionId, SkuId,
            };
            use akinai_domain::search::SearchQuery;
            use akinai_domain::settings::ShopSettings;
            use akinai_store::*;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::SecurityStore for $store {
                async fn record_security_event(&self, event: &NewSecurityEvent) -> StoreResult<()> {
                    $crate::Sql(self).record_security_event(event).await
                }
                async fn security_events(
                    &self,
                    kind: &str,
                    since: DateTime<Utc>,
                    limit: u32,
                ) -> StoreResult<Vec<SecurityEvent>> {
                    $crate::Sql(self).security_events(kind, since, limit).await
                }
                async fn prune_security_events(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                    $crate::Sql(self).prune_security_events(before).await
                }
                async fn count_security_events(
                    &self,
                    from: DateTime<Utc>,
                    until: DateTime<Utc>,
                ) -> StoreResult<Vec<(String, i64)>> {
                    $crate::Sql(self).count_security_events(from, until).await
                }
            }
        };
    };
}
