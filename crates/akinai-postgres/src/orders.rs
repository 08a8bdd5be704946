//! Order placement and lookup for PostgreSQL.
//!
//! `place_order` is one transaction: the guarded stock decrements (row locks make concurrent
//! buyers of the same SKU queue, and the `stock >= n` guard is re-checked after the wait), the
//! order rows and the confirmation job commit together or not at all. Two nodes placing the same
//! cart at once collide on the unique `cart_id`; the loser rolls back and returns the winner.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use akinai_domain::ids::{CustomerId, OrderId};
use akinai_domain::order::OrderStatus;
use akinai_domain::pricing::PricedLine;
use akinai_store::{
    NewOrder, Order, OrderStore, OrderSummary, PlaceOrderError, PlacedOrder, StoreResult,
    TokenHash, JOB_ORDER_CONFIRMATION,
};

use akinai_sql::Columns;

use crate::{corrupt, is_unique_violation, map_err, PgStore};

/// Rows per multi-row INSERT (PostgreSQL allows 65,535 bound parameters).
const INSERT_CHUNK: usize = 500;

#[async_trait]
impl OrderStore for PgStore {
    async fn place_order(&self, order: &NewOrder) -> Result<PlacedOrder, PlaceOrderError> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM orders WHERE cart_id = $1")
            .bind(order.cart_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        if let Some(id) = existing {
            return Ok(PlacedOrder {
                id: OrderId(id),
                newly_placed: false,
            });
        }
        for line in &order.lines {
            let updated =
                sqlx::query("UPDATE skus SET stock = stock - $1 WHERE id = $2 AND stock >= $1")
                    .bind(i64::from(line.quantity))
                    .bind(line.sku_id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            if updated.rows_affected() != 1 {
                // Dropping the transaction rolls back the decrements made so far.
                return Err(PlaceOrderError::OutOfStock(line.sku_id));
            }
        }
        let details = serde_json::to_string(&order.details).map_err(corrupt)?;
        let t = &order.totals;
        let id: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO orders (cart_id, status_token_hash, status, payment_method, email, details, \
             items_total, shipping_fee, payment_fee, grand_total, placed_at, customer_id, review_reason, address_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(order.cart_id.0)
        .bind(&order.status_token.0)
        .bind(OrderStatus::Placed.as_str())
        .bind(order.details.payment_method.as_str())
        .bind(order.details.email.as_str())
        .bind(details)
        .bind(t.items_total.0)
        .bind(t.shipping_fee.0)
        .bind(t.payment_fee.0)
        .bind(t.grand_total.0)
        .bind(order.placed_at)
        .bind(order.customer_id.map(|c| c.0))
        .bind(order.review_reason.as_deref())
        .bind(&order.address_key)
        .fetch_one(&mut *tx)
        .await;
        let id = match id {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => {
                drop(tx);
                let winner: i64 = sqlx::query_scalar("SELECT id FROM orders WHERE cart_id = $1")
                    .bind(order.cart_id.0)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_err)?;
                return Ok(PlacedOrder {
                    id: OrderId(winner),
                    newly_placed: false,
                });
            }
            Err(e) => return Err(map_err(e).into()),
        };
        insert_lines(&mut tx, id, &order.lines).await?;
        if !order.details.payment_method.through_provider() {
            sqlx::query(akinai_sql::INSERT_SHOP_PAYMENT)
                .bind(id)
                .bind(akinai_store::payments::SHOP_PROVIDER)
                .bind(order.details.payment_method.as_str())
                .bind(order.totals.grand_total.0)
                .bind(order.placed_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }

        for r in &t.rates {
            sqlx::query("INSERT INTO order_tax_rates (order_id, tax_category, rate_percent, total, tax) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(r.tax_category.as_str())
                .bind(i64::from(r.rate_percent))
                .bind(r.total.0)
                .bind(r.tax.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        sqlx::query("INSERT INTO jobs (kind, payload, order_id, run_at, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(JOB_ORDER_CONFIRMATION)
            .bind(serde_json::json!({ "order_id": id }).to_string())
            .bind(id)
            .bind(order.placed_at)
            .bind(order.placed_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(PlacedOrder {
            id: OrderId(id),
            newly_placed: true,
        })
    }

    async fn order(&self, id: OrderId) -> StoreResult<Option<Order>> {
        let row = sqlx::query(&format!("{ORDER_SELECT} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        self.load(row).await
    }

    async fn customer_orders(
        &self,
        customer: CustomerId,
        before: Option<OrderId>,
        limit: u32,
    ) -> StoreResult<Vec<OrderSummary>> {
        let rows = sqlx::query(
            "SELECT id, cart_id, status, grand_total, placed_at FROM orders \
             WHERE customer_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(customer.0)
        .bind(before.map_or(i64::MAX, |o| o.0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| akinai_sql::order_summary(r, r.try_get("placed_at").map_err(map_err)?))
            .collect()
    }

    async fn orders_awaiting_review(&self, limit: u32) -> StoreResult<Vec<OrderId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM orders WHERE review_reason IS NOT NULL AND reviewed_at IS NULL ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(ids.into_iter().map(OrderId).collect())
    }

    async fn orders_to_address_since(
        &self,
        address_key: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE address_key = $1 AND placed_at >= $2")
            .bind(address_key)
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)
    }

    async fn clear_review_flag(
        &self,
        id: OrderId,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE orders SET reviewed_at = $1, reviewed_by = $2 WHERE id = $3 AND review_reason IS NOT NULL AND reviewed_at IS NULL",
        )
        .bind(at)
        .bind(by)
        .bind(id.0)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn order_by_status_token(&self, token: &TokenHash) -> StoreResult<Option<Order>> {
        let row = sqlx::query(&format!("{ORDER_SELECT} WHERE status_token_hash = $1"))
            .bind(&token.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        self.load(row).await
    }
}

const ORDER_SELECT: &str =
    "SELECT id, cart_id, customer_id, status, payment_method, details, items_total, shipping_fee, payment_fee, \
     grand_total, placed_at, confirmation_sent_at, review_reason, carrier, tracking_number, \
     (CASE WHEN review_reason IS NOT NULL AND reviewed_at IS NULL THEN 1 ELSE 0 END)::INT8 AS review_pending FROM orders";

async fn insert_lines(
    tx: &mut PgConnection,
    order_id: i64,
    lines: &[PricedLine],
) -> StoreResult<()> {
    for (chunk_no, chunk) in lines.chunks(INSERT_CHUNK).enumerate() {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO order_lines (order_id, line_no, sku_id, product_id, product_name, option_label, sku_code, \
             unit_price, quantity, tax_category, line_total) ",
        );
        let base = chunk_no * INSERT_CHUNK;
        let mut line_no = 0usize;
        q.push_values(chunk, |mut b, l| {
            line_no += 1;
            b.push_bind(order_id)
                .push_bind(i64::try_from(base + line_no).unwrap_or(i64::MAX))
                .push_bind(l.sku_id.0)
                .push_bind(l.product_id.0)
                .push_bind(&l.product_name)
                .push_bind(&l.option_label)
                .push_bind(&l.sku_code)
                .push_bind(l.unit_price.0)
                .push_bind(i64::from(l.quantity))
                .push_bind(l.tax_category.as_str())
                .push_bind(l.line_total.0);
        });
        q.build().execute(&mut *tx).await.map_err(map_err)?;
    }
    Ok(())
}

impl PgStore {
    async fn load(&self, row: Option<PgRow>) -> StoreResult<Option<Order>> {
        let Some(row) = row else { return Ok(None) };
        let id: i64 = row.int("id")?;
        let lines = sqlx::query(
            "SELECT sku_id, product_id, product_name, option_label, sku_code, unit_price, quantity, tax_category, line_total \
             FROM order_lines WHERE order_id = $1 ORDER BY line_no",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(akinai_sql::priced_line)
        .collect::<StoreResult<Vec<_>>>()?;
        let rates = sqlx::query("SELECT tax_category, rate_percent, total, tax FROM order_tax_rates WHERE order_id = $1")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(akinai_sql::rate_total)
            .collect::<StoreResult<Vec<_>>>()?;
        let placed_at = row.try_get("placed_at").map_err(map_err)?;
        let sent_at = row.try_get("confirmation_sent_at").map_err(map_err)?;
        Ok(Some(akinai_sql::order(
            &row, lines, rates, placed_at, sent_at,
        )?))
    }
}
