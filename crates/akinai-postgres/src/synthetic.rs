//! Synthetic orders for the order-list benchmark (feature `synthetic`, used only by `bench/`):
//! copies of one real order, spread over time, statuses and customers, written with set-based
//! SQL so a million rows take seconds. Only the `orders` rows (and their carts) are made; their
//! lines are not, as the list reads none.

use chrono::{DateTime, Utc};

use akinai_domain::ids::OrderId;
use akinai_store::StoreResult;

use crate::{map_err, PgStore};

impl PgStore {
    /// Adds `count` copies of order `template`, the k-th placed at `first + k × spacing_ms`:
    /// 3% placed, 2% paid, 3% shipped, 87% delivered, 3% cancelled, 2% refunded; e-mail
    /// addresses cycle over 200,000 customers; one in 997 flagged for review.
    pub async fn add_synthetic_orders(
        &self,
        template: OrderId,
        count: i64,
        first: DateTime<Utc>,
        spacing_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let base: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0)::INT8 FROM carts")
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO carts (id, token_hash, created_at, updated_at) \
             SELECT $2 + n, 'synthetic-' || ($2 + n), \
               $3 + (n * $4) * INTERVAL '1 millisecond', $3 + (n * $4) * INTERVAL '1 millisecond' \
             FROM generate_series(1::INT8, $1) AS n",
        )
        .bind(count)
        .bind(base)
        .bind(first)
        .bind(spacing_ms)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO orders (cart_id, status_token_hash, status, payment_method, email, details, \
             items_total, shipping_fee, payment_fee, grand_total, placed_at, review_reason) \
             SELECT c.id, 'synthetic-' || c.id, \
               CASE WHEN c.id % 100 < 3 THEN 'placed' WHEN c.id % 100 < 5 THEN 'paid' \
                    WHEN c.id % 100 < 8 THEN 'shipped' WHEN c.id % 100 < 95 THEN 'delivered' \
                    WHEN c.id % 100 < 98 THEN 'cancelled' ELSE 'refunded' END, \
               t.payment_method, 'customer' || (c.id % 200000) || '@example.jp', t.details, \
               t.items_total, t.shipping_fee, t.payment_fee, t.grand_total, c.created_at, \
               CASE WHEN c.id % 997 = 0 THEN 'address_recently_changed' END \
             FROM carts c JOIN orders t ON t.id = $1 WHERE c.id > $2 ORDER BY c.id",
        )
        .bind(template.0)
        .bind(base)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('carts', 'id'), (SELECT MAX(id) FROM carts))",
        )
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        sqlx::query("ANALYZE carts, orders")
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
