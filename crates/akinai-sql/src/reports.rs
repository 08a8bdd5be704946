//! The dashboard's business figures, written once for both backends. Days are Japan days; the
//! date arithmetic is each backend's own ([`Dialect::japan_day`], [`Dialect::millis_between`]).

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::Yen;
use akinai_store::reports::{DaySales, Funnel, LowStock};
use akinai_store::StoreResult;

use crate::{map_err, Dialect, Sql};

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
    pub async fn sales_by_day(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<DaySales>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT {} AS day, CAST(COUNT(*) AS BIGINT), CAST(SUM(grand_total) AS BIGINT) \
             FROM orders WHERE placed_at >= $1 AND placed_at < $2 \
             AND status NOT IN ('cancelled', 'refunded') GROUP BY day ORDER BY day",
            D::japan_day("placed_at")
        ))
        .bind(D::time(from))
        .bind(D::time(to))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok(rows
            .into_iter()
            .map(|(day, orders, sales)| DaySales {
                day,
                orders,
                sales: Yen(sales),
            })
            .collect())
    }

    pub async fn confirmation_delays(
        &self,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar(&format!(
            "SELECT {} FROM orders \
             WHERE placed_at >= $1 AND confirmation_sent_at IS NOT NULL \
             ORDER BY placed_at DESC LIMIT $2",
            D::millis_between("placed_at", "confirmation_sent_at")
        ))
        .bind(D::time(since))
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)
    }

    pub async fn funnel(&self, since: DateTime<Utc>, since_day: &str) -> StoreResult<Funnel> {
        let (visits, carts, checkouts, orders): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
               (SELECT CAST(COALESCE(SUM(visits), 0) AS BIGINT) FROM daily_visits WHERE day >= $1), \
               (SELECT COUNT(*) FROM carts WHERE created_at >= $2), \
               (SELECT COUNT(*) FROM carts WHERE created_at >= $2 AND checkout IS NOT NULL), \
               (SELECT COUNT(*) FROM orders WHERE placed_at >= $2)",
        )
        .bind(since_day)
        .bind(D::time(since))
        .fetch_one(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok(Funnel {
            visits,
            carts,
            checkouts,
            orders,
        })
    }

    pub async fn low_stock(&self, threshold: i64, limit: u32) -> StoreResult<Vec<LowStock>> {
        let rows = sqlx::query(
            "SELECT p.id AS product, s.id AS sku, p.name, s.option_label, s.stock FROM skus s \
             JOIN products p ON p.id = s.product_id \
             WHERE p.published = TRUE AND s.stock <= $1 ORDER BY s.stock, s.id LIMIT $2",
        )
        .bind(threshold)
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(crate::low_stock).collect()
    }

    pub async fn add_visits(&self, day: &str, n: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO daily_visits (day, visits) VALUES ($1, $2) \
             ON CONFLICT (day) DO UPDATE SET visits = daily_visits.visits + $2",
        )
        .bind(day)
        .bind(n)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }
}

/// Implements `akinai_store::reports::ReportStore` for a backend type with the statements above.
#[macro_export]
macro_rules! report_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::Yen;
            use akinai_store::reports::{DaySales, Funnel, LowStock, ReportStore};
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::reports::ReportStore for $store {
                async fn sales_by_day(
                    &self,
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                ) -> StoreResult<Vec<DaySales>> {
                    $crate::Sql(self).sales_by_day(from, to).await
                }

                async fn confirmation_delays(
                    &self,
                    since: DateTime<Utc>,
                    limit: u32,
                ) -> StoreResult<Vec<i64>> {
                    $crate::Sql(self).confirmation_delays(since, limit).await
                }

                async fn funnel(
                    &self,
                    since: DateTime<Utc>,
                    since_day: &str,
                ) -> StoreResult<Funnel> {
                    $crate::Sql(self).funnel(since, since_day).await
                }

                async fn low_stock(
                    &self,
                    threshold: i64,
                    limit: u32,
                ) -> StoreResult<Vec<LowStock>> {
                    $crate::Sql(self).low_stock(threshold, limit).await
                }

                async fn add_visits(&self, day: &str, n: i64) -> StoreResult<()> {
                    $crate::Sql(self).add_visits(day, n).await
                }
            }
        };
    };
}
