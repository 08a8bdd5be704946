//! Order placement and lookup, written once for both backends.
//!
//! [`Sql::place_in`] places one order inside a transaction the caller opened, one statement per
//! kind of row: the order row (the unique `cart_id` is the idempotency check), the guarded stock
//! decrements (`stock >= n`, a few hundred SKUs per statement), the lines, the shop payment, the rates, the confirmation job
//! and the webhook events (the outbox), all or nothing. SQLite runs it in a savepoint of its group commit (one fsync for many orders).
//! PostgreSQL, which can modify data in CTEs, places an order in one statement of its own instead
//! (`akinai-postgres`, ADR 033) and uses [`Sql::placed_before`] from here when two nodes collide
//! on the same cart.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::ids::{CustomerId, OrderId};
use akinai_domain::order::OrderStatus;
use akinai_domain::pricing::PricedLine;
use akinai_domain::webhook::{EventType, LOW_STOCK};
use akinai_store::coupons::CouponUse;
use akinai_store::{
    NewOrder, Order, OrderSummary, PlaceOrderError, PlacedOrder, StoreResult, TokenHash,
    JOB_ORDER_CONFIRMATION,
};

use crate::{corrupt, is_unique_violation, map_err, Columns, Dialect, Sql, INSERT_SHOP_PAYMENT};

/// Rows per multi-row INSERT (11 values a row; SQLite allows 32,766 bound parameters,
/// PostgreSQL 65,535).
const INSERT_CHUNK: usize = 500;

/// SKUs per stock statement (two values each, well inside SQLite's bound parameters).
const STOCK_CHUNK: usize = 400;

const ORDER_SELECT: &str =
    "SELECT id, cart_id, customer_id, status, payment_method, details, items_total, shipping_fee, payment_fee, \
     grand_total, discount_total, coupon_code, points_used, points_earned, points_state, placed_at, confirmation_sent_at, review_reason, carrier, tracking_number, \
     CAST(CASE WHEN review_reason IS NOT NULL AND reviewed_at IS NULL THEN 1 ELSE 0 END AS BIGINT) \
     AS review_pending FROM orders";

const LINE_COLUMNS: &str = "INSERT INTO order_lines (order_id, line_no, sku_id, product_id, \
    product_name, option_label, sku_code, unit_price, quantity, tax_category, line_total) VALUES ";

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
    /// Takes the lines' quantities off their SKUs' stock, guarded (`stock >= n`), a few hundred
    /// SKUs per statement (a 5,000-line order is 13 statements, not 5,000); a SKU on several lines
    /// is taken once for their sum. `OutOfStock` names the first short line; the caller's
    /// rollback undoes what was taken. Returns the `inventory.low` events of the SKUs that fell
    /// to the threshold.
    async fn take_stock(
        conn: &mut <D::Db as Database>::Connection,
        lines: &[PricedLine],
    ) -> Result<Vec<serde_json::Value>, PlaceOrderError> {
        let mut wanted: Vec<(&PricedLine, i64)> = Vec::with_capacity(lines.len());
        let mut at: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
        for line in lines {
            match at.get(&line.sku_id.0) {
                Some(i) => wanted[*i].1 += i64::from(line.quantity),
                None => {
                    at.insert(line.sku_id.0, wanted.len());
                    wanted.push((line, i64::from(line.quantity)));
                }
            }
        }
        let mut low = Vec::new();
        for chunk in wanted.chunks(STOCK_CHUNK) {
            let values = (0..chunk.len())
                .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "WITH v(id, q) AS (VALUES {values}) UPDATE skus SET stock = skus.stock - v.q \
                 FROM v WHERE skus.id = v.id AND skus.stock >= v.q RETURNING skus.id, skus.stock"
            );
            let mut q = sqlx::query_as::<_, (i64, i64)>(&sql);
            for (line, quantity) in chunk {
                q = q.bind(line.sku_id.0).bind(*quantity);
            }
            let left: std::collections::HashMap<i64, i64> = q
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?
                .into_iter()
                .collect();
            for (line, quantity) in chunk {
                let left = *left
                    .get(&line.sku_id.0)
                    .ok_or(PlaceOrderError::OutOfStock(line.sku_id))?;
                if left <= LOW_STOCK && left + quantity > LOW_STOCK {
                    low.push(serde_json::json!({
                        "sku": line.sku_code, "sku_id": line.sku_id.0, "stock": left
                    }));
                }
            }
        }
        Ok(low)
    }

    /// Places one order inside `conn`'s transaction; `Ok(None)` when the cart's order was placed
    /// already (by an earlier order of the batch, or by another PostgreSQL node): the caller
    /// rolls back and answers with [`Sql::placed_before`]. On an error the caller rolls back,
    /// so nothing of this order remains.
    pub async fn place_in(
        conn: &mut <D::Db as Database>::Connection,
        order: &NewOrder,
    ) -> Result<Option<PlacedOrder>, PlaceOrderError> {
        // The order row first: a cart placed already (a race; checkout looks before) meets the
        // unique `cart_id` here, before any stock moved, and the caller finds the winner.
        let details = serde_json::to_string(&order.details).map_err(corrupt)?;
        let t = &order.totals;
        let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO orders (cart_id, status_token_hash, status, payment_method, email, details, \
             items_total, shipping_fee, payment_fee, grand_total, placed_at, customer_id, review_reason, address_key, \
             discount_total, coupon_code, points_used, points_earned, points_state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
        )
        .bind(order.cart_id.0)
        .bind(order.status_token.0.clone())
        .bind(OrderStatus::Placed.as_str())
        .bind(order.details.payment_method.as_str())
        .bind(order.details.email.as_str())
        .bind(details)
        .bind(t.items_total.0)
        .bind(t.shipping_fee.0)
        .bind(t.payment_fee.0)
        .bind(t.grand_total.0)
        .bind(D::time(order.placed_at))
        .bind(order.customer_id.map(|c| c.0))
        .bind(order.review_reason.as_deref())
        .bind(order.address_key.as_str())
        .bind(t.discount.0)
        .bind(order.coupon.as_ref().map(|c| c.code.as_str()))
        .bind(order.points.used)
        .bind(order.points.earned)
        .bind(order.points_state().as_str())
        .fetch_one(&mut *conn)
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(map_err(e).into()),
        };
        if let Some(coupon) = &order.coupon {
            Self::count_coupon_use(&mut *conn, coupon).await?;
        }
        if let Some(quote) = order.quote {
            Self::claim_quote(&mut *conn, quote, OrderId(id), &order.quote_day).await?;
        }
        if let Some(company) = order.billed_to {
            Self::charge_credit(&mut *conn, company, OrderId(id), t.grand_total).await?;
        }
        if let Some(customer) = order.spends_points()? {
            Self::spend_points(
                &mut *conn,
                customer,
                OrderId(id),
                order.points.used,
                order.placed_at,
            )
            .await?;
        }
        let low = Self::take_stock(&mut *conn, &order.lines).await?;
        Self::insert_lines(&mut *conn, id, &order.lines).await?;
        if order.details.payment_method.shop_confirms() {
            sqlx::query(INSERT_SHOP_PAYMENT)
                .bind(id)
                .bind(akinai_store::payments::SHOP_PROVIDER)
                .bind(order.details.payment_method.as_str())
                .bind(order.totals.grand_total.0)
                .bind(D::time(order.placed_at))
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
        }
        for r in &t.rates {
            sqlx::query(
                "INSERT INTO order_tax_rates (order_id, tax_category, rate_percent, total, tax, discount) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(r.tax_category.as_str())
            .bind(i64::from(r.rate_percent))
            .bind(r.total.0)
            .bind(r.tax.0)
            .bind(r.discount.0)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
        }
        sqlx::query(
            "INSERT INTO jobs (kind, payload, order_id, run_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(JOB_ORDER_CONFIRMATION)
        .bind(serde_json::json!({ "order_id": id }).to_string())
        .bind(id)
        .bind(D::time(order.placed_at))
        .bind(D::time(order.placed_at))
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        let number = akinai_store::order_number(OrderId(id));
        let created = serde_json::json!({ "id": number, "status": OrderStatus::Placed.as_str() });
        Self::emit(
            &mut *conn,
            EventType::OrderCreated,
            created,
            order.placed_at,
        )
        .await?;
        for data in low {
            Self::emit(&mut *conn, EventType::InventoryLow, data, order.placed_at).await?;
        }
        Ok(Some(PlacedOrder {
            id: OrderId(id),
            newly_placed: true,
        }))
    }

    /// Counts one use of the order's coupon inside the order's transaction: the coupon's count
    /// moves only while below its `max_uses`, the shopper's only while below `per_customer`;
    /// otherwise [`PlaceOrderError::CouponUsedUp`] and the caller rolls the order back. The
    /// first UPDATE locks the coupon's row, so racing orders queue on it.
    pub async fn count_coupon_use(
        conn: &mut <D::Db as Database>::Connection,
        coupon: &CouponUse,
    ) -> Result<(), PlaceOrderError> {
        let counted = sqlx::query(
            "UPDATE coupons SET used = used + 1 \
             WHERE id = $1 AND NOT disabled AND (max_uses IS NULL OR used < max_uses)",
        )
        .bind(coupon.coupon_id.0)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        if D::rows_affected(&counted) != 1 {
            return Err(PlaceOrderError::CouponUsedUp);
        }
        let limit = coupon.per_customer.map(i64::from).unwrap_or(i64::MAX);
        let mine: Option<i64> = sqlx::query_scalar(
            "INSERT INTO coupon_uses (coupon_id, shopper, uses) VALUES ($1, $2, 1) \
             ON CONFLICT (coupon_id, shopper) DO UPDATE SET uses = coupon_uses.uses + 1 \
             WHERE coupon_uses.uses < $3 RETURNING uses",
        )
        .bind(coupon.coupon_id.0)
        .bind(coupon.shopper.clone())
        .bind(limit)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_err)?;
        match mine {
            Some(n) if n <= limit => Ok(()),
            _ => Err(PlaceOrderError::CouponUsedUp),
        }
    }

    /// The order already placed from this order's cart, after placing it met the unique
    /// `cart_id` (and the caller rolled its attempt back): answered as not newly placed.
    pub async fn placed_before(
        conn: &mut <D::Db as Database>::Connection,
        order: &NewOrder,
    ) -> Result<PlacedOrder, PlaceOrderError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM orders WHERE cart_id = $1")
            .bind(order.cart_id.0)
            .fetch_optional(&mut *conn)
            .await
            .map_err(map_err)?;
        let id = id.ok_or_else(|| corrupt("the cart's order met its unique key but is gone"))?;
        Ok(PlacedOrder {
            id: OrderId(id),
            newly_placed: false,
        })
    }

    /// The lines of an order, in multi-row INSERTs of [`INSERT_CHUNK`] rows.
    async fn insert_lines(
        conn: &mut <D::Db as Database>::Connection,
        order_id: i64,
        lines: &[PricedLine],
    ) -> StoreResult<()> {
        for (chunk_no, chunk) in lines.chunks(INSERT_CHUNK).enumerate() {
            let mut sql = String::from(LINE_COLUMNS);
            for row in 0..chunk.len() {
                let n = row * 11;
                sql.push_str(if row == 0 { "(" } else { ", (" });
                for k in 1..=11 {
                    sql.push_str(&format!("{}${}", if k == 1 { "" } else { ", " }, n + k));
                }
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for (k, l) in chunk.iter().enumerate() {
                q = q
                    .bind(order_id)
                    .bind(i64::try_from(chunk_no * INSERT_CHUNK + k + 1).unwrap_or(i64::MAX))
                    .bind(l.sku_id.0)
                    .bind(l.product_id.0)
                    .bind(l.product_name.clone())
                    .bind(l.option_label.clone())
                    .bind(l.sku_code.clone())
                    .bind(l.unit_price.0)
                    .bind(i64::from(l.quantity))
                    .bind(l.tax_category.as_str())
                    .bind(l.line_total.0);
            }
            q.execute(&mut *conn).await.map_err(map_err)?;
        }
        Ok(())
    }

    async fn load_order(
        &self,
        row: Option<<D::Db as Database>::Row>,
    ) -> StoreResult<Option<Order>> {
        let Some(row) = row else { return Ok(None) };
        let id: i64 = row.int("id")?;
        let lines = sqlx::query(
            "SELECT sku_id, product_id, product_name, option_label, sku_code, unit_price, quantity, tax_category, line_total \
             FROM order_lines WHERE order_id = $1 ORDER BY line_no",
        )
        .bind(id)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?
        .iter()
        .map(crate::priced_line)
        .collect::<StoreResult<Vec<_>>>()?;
        let rates = sqlx::query(
            "SELECT tax_category, rate_percent, total, tax, discount FROM order_tax_rates WHERE order_id = $1",
        )
        .bind(id)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?
        .iter()
        .map(crate::rate_total)
        .collect::<StoreResult<Vec<_>>>()?;
        let placed_at = D::at(&row, "placed_at")?;
        let sent_at = D::read_time(&row, "confirmation_sent_at")?;
        Ok(Some(crate::order(&row, lines, rates, placed_at, sent_at)?))
    }

    pub async fn order(&self, id: OrderId) -> StoreResult<Option<Order>> {
        let row = sqlx::query(&format!("{ORDER_SELECT} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        self.load_order(row).await
    }

    pub async fn customer_orders(
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
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| crate::order_summary(r, D::at(r, "placed_at")?))
            .collect()
    }

    pub async fn orders_awaiting_review(&self, limit: u32) -> StoreResult<Vec<OrderId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM orders WHERE review_reason IS NOT NULL AND reviewed_at IS NULL ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok(ids.into_iter().map(OrderId).collect())
    }

    pub async fn orders_to_address_since(
        &self,
        address_key: &str,
        since: DateTime<Utc>,
        cap: i64,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 AS one FROM orders WHERE address_key = $1 AND placed_at >= $2 LIMIT $3) c",
        )
            .bind(address_key)
            .bind(D::time(since))
            .bind(cap)
            .fetch_one(self.0.reader())
            .await
            .map_err(map_err)
    }

    pub async fn clear_review_flag(
        &self,
        id: OrderId,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE orders SET reviewed_at = $1, reviewed_by = $2 WHERE id = $3 AND review_reason IS NOT NULL AND reviewed_at IS NULL",
        )
        .bind(D::time(at))
        .bind(by)
        .bind(id.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn order_by_status_token(&self, token: &TokenHash) -> StoreResult<Option<Order>> {
        let row = sqlx::query(&format!("{ORDER_SELECT} WHERE status_token_hash = $1"))
            .bind(&token.0)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        self.load_order(row).await
    }
}

/// Implements `OrderStore` for a backend type with the statements above; placing an order goes
/// to the backend's own `place_new_order`, which decides how the transaction around
/// [`Sql::place_in`] is committed.
#[macro_export]
macro_rules! order_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::{CustomerId, OrderId};
            use akinai_store::{
                NewOrder, Order, OrderSummary, PlaceOrderError, PlacedOrder, StoreResult, TokenHash,
            };
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::OrderStore for $store {
                async fn place_order(
                    &self,
                    order: &NewOrder,
                ) -> Result<PlacedOrder, PlaceOrderError> {
                    self.place_new_order(order).await
                }

                async fn order(&self, id: OrderId) -> StoreResult<Option<Order>> {
                    $crate::Sql(self).order(id).await
                }

                async fn customer_orders(
                    &self,
                    customer: CustomerId,
                    before: Option<OrderId>,
                    limit: u32,
                ) -> StoreResult<Vec<OrderSummary>> {
                    $crate::Sql(self)
                        .customer_orders(customer, before, limit)
                        .await
                }

                async fn orders_awaiting_review(&self, limit: u32) -> StoreResult<Vec<OrderId>> {
                    $crate::Sql(self).orders_awaiting_review(limit).await
                }

                async fn orders_to_address_since(
                    &self,
                    address_key: &str,
                    since: DateTime<Utc>,
                    cap: i64,
                ) -> StoreResult<i64> {
                    $crate::Sql(self)
                        .orders_to_address_since(address_key, since, cap)
                        .await
                }

                async fn clear_review_flag(
                    &self,
                    id: OrderId,
                    by: &str,
                    at: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).clear_review_flag(id, by, at).await
                }

                async fn order_by_status_token(
                    &self,
                    token: &TokenHash,
                ) -> StoreResult<Option<Order>> {
                    $crate::Sql(self).order_by_status_token(token).await
                }
            }
        };
    };
}
