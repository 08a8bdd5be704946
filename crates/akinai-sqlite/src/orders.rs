//! Order placement and lookup for SQLite.
//!
//! An order is placed in a savepoint of a group commit (see `group_commit`): the idempotency check
//! on the cart, the guarded stock decrements, the order rows and the confirmation job commit
//! together or not at all, and the commit is fsynced before the shopper sees the order.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use akinai_domain::ids::{CustomerId, OrderId};
use akinai_domain::order::OrderStatus;
use akinai_domain::pricing::PricedLine;
use akinai_store::{
    NewOrder, Order, OrderStore, OrderSummary, PlaceOrderError, PlacedOrder, StoreResult,
    TokenHash, JOB_ORDER_CONFIRMATION,
};

use akinai_sql::Columns;

use crate::{corrupt, from_ms, map_err, ms, SqliteStore};

/// Rows per multi-row INSERT (SQLite allows 32,766 bound parameters).
const INSERT_CHUNK: usize = 500;

#[async_trait]
impl OrderStore for SqliteStore {
    async fn place_order(&self, order: &NewOrder) -> Result<PlacedOrder, PlaceOrderError> {
        self.orders.place(order.clone()).await
    }

    async fn order(&self, id: OrderId) -> StoreResult<Option<Order>> {
        let row = sqlx::query(&format!("{ORDER_SELECT} WHERE id = ?"))
            .bind(id.0)
            .fetch_optional(&self.reader)
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
             WHERE customer_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        )
        .bind(customer.0)
        .bind(before.map_or(i64::MAX, |o| o.0))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| akinai_sql::order_summary(r, from_ms(r.int("placed_at")?)?))
            .collect()
    }

    async fn orders_awaiting_review(&self, limit: u32) -> StoreResult<Vec<OrderId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM orders WHERE review_reason IS NOT NULL AND reviewed_at IS NULL ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        Ok(ids.into_iter().map(OrderId).collect())
    }

    async fn orders_to_address_since(
        &self,
        address_key: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE address_key = ? AND placed_at >= ?")
            .bind(address_key)
            .bind(ms(since))
            .fetch_one(&self.reader)
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
            "UPDATE orders SET reviewed_at = ?, reviewed_by = ? WHERE id = ? AND review_reason IS NOT NULL AND reviewed_at IS NULL",
        )
        .bind(ms(at))
        .bind(by)
        .bind(id.0)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn order_by_status_token(&self, token: &TokenHash) -> StoreResult<Option<Order>> {
        let row = sqlx::query(&format!("{ORDER_SELECT} WHERE status_token_hash = ?"))
            .bind(&token.0)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        self.load(row).await
    }
}

const ORDER_SELECT: &str =
    "SELECT id, cart_id, customer_id, status, payment_method, details, items_total, shipping_fee, payment_fee, \
     grand_total, placed_at, confirmation_sent_at, review_reason, carrier, tracking_number, \
     (review_reason IS NOT NULL AND reviewed_at IS NULL) AS review_pending FROM orders";

async fn insert_lines(
    tx: &mut SqliteConnection,
    order_id: i64,
    lines: &[PricedLine],
) -> StoreResult<()> {
    for (chunk_no, chunk) in lines.chunks(INSERT_CHUNK).enumerate() {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
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

impl SqliteStore {
    async fn load(&self, row: Option<SqliteRow>) -> StoreResult<Option<Order>> {
        let Some(row) = row else { return Ok(None) };
        let id: i64 = row.int("id")?;
        let lines = sqlx::query(
            "SELECT sku_id, product_id, product_name, option_label, sku_code, unit_price, quantity, tax_category, line_total \
             FROM order_lines WHERE order_id = ? ORDER BY line_no",
        )
        .bind(id)
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?
        .iter()
        .map(akinai_sql::priced_line)
        .collect::<StoreResult<Vec<_>>>()?;
        let rates = sqlx::query(
            "SELECT tax_category, rate_percent, total, tax FROM order_tax_rates WHERE order_id = ?",
        )
        .bind(id)
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?
        .iter()
        .map(akinai_sql::rate_total)
        .collect::<StoreResult<Vec<_>>>()?;
        let placed_at = from_ms(row.int("placed_at")?)?;
        let sent_at = row
            .opt_int("confirmation_sent_at")?
            .map(from_ms)
            .transpose()?;
        Ok(Some(akinai_sql::order(
            &row, lines, rates, placed_at, sent_at,
        )?))
    }
}

/// Places one order inside the caller's transaction (a savepoint of a group commit). On an error
/// the caller rolls the savepoint back, so nothing of this order remains.
pub(crate) async fn place_one(
    conn: &mut SqliteConnection,
    order: &NewOrder,
) -> Result<PlacedOrder, PlaceOrderError> {
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM orders WHERE cart_id = ?")
        .bind(order.cart_id.0)
        .fetch_optional(&mut *conn)
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
            sqlx::query("UPDATE skus SET stock = stock - ?1 WHERE id = ?2 AND stock >= ?1")
                .bind(i64::from(line.quantity))
                .bind(line.sku_id.0)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
        if updated.rows_affected() != 1 {
            // Dropping the transaction rolls back the decrements made so far.
            return Err(PlaceOrderError::OutOfStock(line.sku_id));
        }
    }
    let details = serde_json::to_string(&order.details).map_err(corrupt)?;
    let t = &order.totals;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO orders (cart_id, status_token_hash, status, payment_method, email, details, \
             items_total, shipping_fee, payment_fee, grand_total, placed_at, customer_id, review_reason, address_key) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
    .bind(ms(order.placed_at))
    .bind(order.customer_id.map(|c| c.0))
    .bind(order.review_reason.as_deref())
    .bind(&order.address_key)
    .fetch_one(&mut *conn)
    .await
    .map_err(map_err)?;
    insert_lines(conn, id, &order.lines).await?;
    if !order.details.payment_method.through_provider() {
        sqlx::query(&akinai_sql::INSERT_SHOP_PAYMENT.replace('$', "?"))
            .bind(id)
            .bind(akinai_store::payments::SHOP_PROVIDER)
            .bind(order.details.payment_method.as_str())
            .bind(order.totals.grand_total.0)
            .bind(ms(order.placed_at))
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }

    for r in &t.rates {
        sqlx::query("INSERT INTO order_tax_rates (order_id, tax_category, rate_percent, total, tax) VALUES (?, ?, ?, ?, ?)")
                .bind(id)
                .bind(r.tax_category.as_str())
                .bind(i64::from(r.rate_percent))
                .bind(r.total.0)
                .bind(r.tax.0)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
    }
    sqlx::query(
        "INSERT INTO jobs (kind, payload, order_id, run_at, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(JOB_ORDER_CONFIRMATION)
    .bind(serde_json::json!({ "order_id": id }).to_string())
    .bind(id)
    .bind(ms(order.placed_at))
    .bind(ms(order.placed_at))
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok(PlacedOrder {
        id: OrderId(id),
        newly_placed: true,
    })
}
