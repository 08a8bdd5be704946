//! Order placement and lookup for PostgreSQL. Lookups are the shared statements (`akinai_sql`,
//! ADR 020); placing an order is one statement of data-modifying CTEs, atomic on its
//! own (ADR 033): the order row, the stock decrements, the lines, the shop payment, the rates,
//! the confirmation job and the webhook events (the outbox) in one round trip instead of one per row. Row locks make concurrent
//! buyers of the same SKU queue, and `CHECK (stock >= 0)` refuses the decrement that would
//! oversell. Two nodes placing the same cart at once collide on the unique `cart_id`; the loser
//! rolls back and returns the winner.

use akinai_domain::ids::{OrderId, SkuId};
use akinai_domain::order::OrderStatus;
use akinai_domain::pricing::PricedLine;
use akinai_sql::Sql;
use akinai_store::{NewOrder, PlaceOrderError, PlacedOrder, StoreResult, JOB_ORDER_CONFIRMATION};

use crate::{map_err, PgStore};

akinai_sql::order_store!(PgStore);

/// Everything of one order in one statement, committed on its own (with the coupon's use, when
/// the order has one, counted before it and the member's points, when it uses some, taken after
/// it in the same transaction). The lines and rates come as
/// arrays (one prepared statement whatever their number); `$25` says whether the shop takes the
/// payment itself. The stock guard is the table's `CHECK (stock >= 0)`: a decrement below zero
/// fails the statement, and with it every row of the order; so does a SKU deleted meanwhile
/// (the lines' foreign key).
const PLACE_ORDER: &str = "WITH o AS (\
     INSERT INTO orders (cart_id, status_token_hash, status, payment_method, email, details, \
     items_total, shipping_fee, payment_fee, grand_total, placed_at, customer_id, review_reason, address_key, \
     discount_total, coupon_code, points_used, points_earned, points_state) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $33, $34, $36, $37, $38) RETURNING id), \
   l AS (SELECT * FROM UNNEST($15::BIGINT[], $16::BIGINT[], $17::TEXT[], $18::TEXT[], $19::TEXT[], \
     $20::BIGINT[], $21::BIGINT[], $22::TEXT[], $23::BIGINT[]) WITH ORDINALITY \
     AS l(sku_id, product_id, product_name, option_label, sku_code, unit_price, quantity, tax_category, line_total, line_no)), \
   s AS (UPDATE skus SET stock = skus.stock - l.quantity FROM l WHERE skus.id = l.sku_id \
     RETURNING skus.id, skus.code, skus.stock, l.quantity), \
   ol AS (INSERT INTO order_lines (order_id, line_no, sku_id, product_id, product_name, option_label, \
     sku_code, unit_price, quantity, tax_category, line_total) \
     SELECT o.id, l.line_no, l.sku_id, l.product_id, l.product_name, l.option_label, l.sku_code, \
     l.unit_price, l.quantity, l.tax_category, l.line_total FROM o, l), \
   p AS (INSERT INTO payments (order_id, provider, method, amount, status, created_at, updated_at, checked_at) \
     SELECT o.id, $24, $4, $10, 'open', $11, $11, $11 FROM o WHERE $25), \
   t AS (INSERT INTO order_tax_rates (order_id, tax_category, rate_percent, total, tax, discount) \
     SELECT o.id, r.c, r.p, r.t, r.x, r.d FROM o, \
     UNNEST($26::TEXT[], $27::BIGINT[], $28::BIGINT[], $29::BIGINT[], $35::BIGINT[]) AS r(c, p, t, x, d)), \
   j AS (INSERT INTO jobs (kind, payload, order_id, run_at, created_at) \
     SELECT $30, '{\"order_id\":' || o.id || '}', o.id, $11, $11 FROM o), \
   we AS (SELECT id FROM webhook_endpoints WHERE removed_at IS NULL AND disabled_at IS NULL \
     AND (' ' || events || ' ') LIKE '% order.created %'), \
   ev AS (INSERT INTO webhook_events (event_type, body, created_at) \
     SELECT 'order.created', json_build_object('type', 'order.created', 'timestamp', $31::TEXT, \
     'data', json_build_object('id', 'AK' || LPAD(o.id::TEXT, 8, '0'), 'status', $3::TEXT))::TEXT, \
     $11 FROM o WHERE EXISTS (SELECT 1 FROM we) RETURNING id), \
   ed AS (INSERT INTO webhook_deliveries (event_id, endpoint_id, run_at) \
     SELECT ev.id, we.id, $11 FROM ev, we), \
   wl AS (SELECT id FROM webhook_endpoints WHERE removed_at IS NULL AND disabled_at IS NULL \
     AND (' ' || events || ' ') LIKE '% inventory.low %'), \
   lv AS (INSERT INTO webhook_events (event_type, body, created_at) \
     SELECT 'inventory.low', json_build_object('type', 'inventory.low', 'timestamp', $31::TEXT, \
     'data', json_build_object('sku', s.code, 'sku_id', s.id, 'stock', s.stock))::TEXT, $11 \
     FROM s WHERE s.stock <= $32 AND s.stock + s.quantity > $32 AND EXISTS (SELECT 1 FROM wl) \
     RETURNING id), \
   ld AS (INSERT INTO webhook_deliveries (event_id, endpoint_id, run_at) \
     SELECT lv.id, wl.id, $11 FROM lv, wl) \
   SELECT id FROM o";

type PlaceQuery<'q> =
    sqlx::query::QueryScalar<'q, sqlx::Postgres, i64, sqlx::postgres::PgArguments>;

/// [`PLACE_ORDER`] with the order's values bound.
fn place_query(order: &NewOrder) -> Result<PlaceQuery<'_>, PlaceOrderError> {
    let details = serde_json::to_string(&order.details).map_err(akinai_sql::corrupt)?;
    let t = &order.totals;
    let lines = &order.lines;
    let column = |f: fn(&PricedLine) -> i64| -> Vec<i64> { lines.iter().map(f).collect() };
    let text = |f: fn(&PricedLine) -> &str| -> Vec<String> {
        lines.iter().map(|l| f(l).to_string()).collect()
    };
    Ok(sqlx::query_scalar(PLACE_ORDER)
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
        .bind(order.address_key.as_str())
        .bind(column(|l| l.sku_id.0))
        .bind(column(|l| l.product_id.0))
        .bind(text(|l| &l.product_name))
        .bind(text(|l| &l.option_label))
        .bind(text(|l| &l.sku_code))
        .bind(column(|l| l.unit_price.0))
        .bind(column(|l| i64::from(l.quantity)))
        .bind(text(|l| l.tax_category.as_str()))
        .bind(column(|l| l.line_total.0))
        .bind(akinai_store::payments::SHOP_PROVIDER)
        .bind(order.details.payment_method.shop_confirms())
        .bind(
            t.rates
                .iter()
                .map(|r| r.tax_category.as_str().to_string())
                .collect::<Vec<_>>(),
        )
        .bind(
            t.rates
                .iter()
                .map(|r| i64::from(r.rate_percent))
                .collect::<Vec<_>>(),
        )
        .bind(t.rates.iter().map(|r| r.total.0).collect::<Vec<_>>())
        .bind(t.rates.iter().map(|r| r.tax.0).collect::<Vec<_>>())
        .bind(JOB_ORDER_CONFIRMATION)
        .bind(akinai_sql::event_time(order.placed_at))
        .bind(akinai_domain::webhook::LOW_STOCK)
        .bind(t.discount.0)
        .bind(order.coupon.as_ref().map(|c| c.code.as_str().to_string()))
        .bind(t.rates.iter().map(|r| r.discount.0).collect::<Vec<_>>())
        .bind(order.points.used)
        .bind(order.points.earned)
        .bind(order.points_state().as_str()))
}

impl PgStore {
    async fn place_new_order(&self, order: &NewOrder) -> Result<PlacedOrder, PlaceOrderError> {
        let spender = order.spends_points()?;
        let placed = if order.coupon.is_none()
            && spender.is_none()
            && order.quote.is_none()
            && order.billed_to.is_none()
        {
            place_query(order)?.fetch_one(&self.pool).await
        } else {
            // The coupon's, the member's and the billed company's row locks make racing orders
            // with the same coupon, points or credit limit queue here; a refused order drops the transaction,
            // which rolls the count and the spending back.
            let mut tx = self.pool.begin().await.map_err(map_err)?;
            if let Some(coupon) = &order.coupon {
                Sql::<PgStore>::count_coupon_use(&mut tx, coupon).await?;
            }
            match place_query(order)?.fetch_one(&mut *tx).await {
                Ok(id) => {
                    if let Some(quote) = order.quote {
                        Sql::<PgStore>::claim_quote(&mut tx, quote, OrderId(id), &order.quote_day)
                            .await?;
                    }
                    if let Some(company) = order.billed_to {
                        let amount = order.totals.grand_total;
                        Sql::<PgStore>::charge_credit(&mut tx, company, OrderId(id), amount)
                            .await?;
                    }
                    if let Some(customer) = spender {
                        let (used, at) = (order.points.used, order.placed_at);
                        Sql::<PgStore>::spend_points(&mut tx, customer, OrderId(id), used, at)
                            .await?;
                    }
                    tx.commit().await.map(|()| id)
                }
                Err(e) => Err(e),
            }
        };
        match placed {
            Ok(id) => Ok(PlacedOrder {
                id: OrderId(id),
                newly_placed: true,
            }),
            Err(e) if akinai_sql::is_unique_violation(&e) => {
                let mut conn = self.pool.acquire().await.map_err(map_err)?;
                Sql::<PgStore>::placed_before(&mut conn, order).await
            }
            Err(sqlx::Error::Database(db))
                if (db.is_check_violation() && db.table() == Some("skus"))
                    || (db.is_foreign_key_violation() && db.table() == Some("order_lines")) =>
            {
                Err(PlaceOrderError::OutOfStock(
                    self.short_line(&order.lines).await?,
                ))
            }
            Err(e) => Err(map_err(e).into()),
        }
    }

    /// The first line whose SKU is gone or has less stock than the line wants, after a refused
    /// order (the first line if another order has put stock back since).
    async fn short_line(&self, lines: &[PricedLine]) -> StoreResult<SkuId> {
        let ids: Vec<i64> = lines.iter().map(|l| l.sku_id.0).collect();
        let stock: Vec<(i64, i64)> =
            sqlx::query_as("SELECT id, stock FROM skus WHERE id = ANY($1)")
                .bind(&ids)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
        let short = lines.iter().find(|l| {
            stock
                .iter()
                .find(|(id, _)| *id == l.sku_id.0)
                .is_none_or(|(_, n)| *n < i64::from(l.quantity))
        });
        short
            .or(lines.first())
            .map(|l| l.sku_id)
            .ok_or_else(|| akinai_sql::corrupt("an order without lines"))
    }
}
