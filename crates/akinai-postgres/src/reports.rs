//! The dashboard's business figures for PostgreSQL. Days are Japan days (`Asia/Tokyo`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::Yen;
use akinai_store::reports::{DaySales, Funnel, LowStock, ReportStore};
use akinai_store::StoreResult;

use crate::{map_err, PgStore};

#[async_trait]
impl ReportStore for PgStore {
    async fn sales_by_day(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<DaySales>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT to_char(placed_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD') AS day, COUNT(*)::INT8, \
             SUM(grand_total)::INT8 FROM orders WHERE placed_at >= $1 AND placed_at < $2 \
             AND status NOT IN ('cancelled', 'refunded') GROUP BY day ORDER BY day",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
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

    async fn confirmation_delays(&self, since: DateTime<Utc>, limit: u32) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT (EXTRACT(EPOCH FROM (confirmation_sent_at - placed_at)) * 1000)::INT8 FROM orders \
             WHERE placed_at >= $1 AND confirmation_sent_at IS NOT NULL \
             ORDER BY placed_at DESC LIMIT $2",
        )
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn funnel(&self, since: DateTime<Utc>, since_day: &str) -> StoreResult<Funnel> {
        let (visits, carts, checkouts, orders): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
               (SELECT COALESCE(SUM(visits), 0)::INT8 FROM daily_visits WHERE day >= $1), \
               (SELECT COUNT(*)::INT8 FROM carts WHERE created_at >= $2), \
               (SELECT COUNT(*)::INT8 FROM carts WHERE created_at >= $2 AND checkout IS NOT NULL), \
               (SELECT COUNT(*)::INT8 FROM orders WHERE placed_at >= $2)",
        )
        .bind(since_day)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(Funnel {
            visits,
            carts,
            checkouts,
            orders,
        })
    }

    async fn low_stock(&self, threshold: i64, limit: u32) -> StoreResult<Vec<LowStock>> {
        let rows = sqlx::query(
            "SELECT p.id AS product, s.id AS sku, p.name, s.option_label, s.stock FROM skus s \
             JOIN products p ON p.id = s.product_id \
             WHERE p.published AND s.stock <= $1 ORDER BY s.stock, s.id LIMIT $2",
        )
        .bind(threshold)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(akinai_sql::low_stock).collect()
    }

    async fn add_visits(&self, day: &str, n: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO daily_visits (day, visits) VALUES ($1, $2) \
             ON CONFLICT (day) DO UPDATE SET visits = daily_visits.visits + $2",
        )
        .bind(day)
        .bind(n)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}
