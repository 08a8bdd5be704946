//! The admin order list, status steps and order notes for SQLite.
//!
//! The list orders by `(placed_at, id)` descending and continues with a row-value comparison, so
//! each page is an index range scan (`orders_by_time`, or `orders_by_status` / `orders_by_email`
//! when those filters are set) however deep it is. A step is one guarded `UPDATE` (still in the
//! expected status; for shipping, no uncleared review flag) with its history row, stock release
//! and mail job in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};

use akinai_domain::ids::OrderId;
use akinai_sql::Columns;
use akinai_store::fulfilment::{
    FulfilmentStore, OrderCursor, OrderFilter, OrderHistoryEntry, OrderListRow, OrderStep,
};
use akinai_store::StoreResult;

use crate::{from_ms, map_err, ms, SqliteStore};

#[async_trait]
impl FulfilmentStore for SqliteStore {
    async fn list_orders(
        &self,
        filter: &OrderFilter,
        after: Option<&OrderCursor>,
        limit: u32,
    ) -> StoreResult<Vec<OrderListRow>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT id, status, payment_method, details, grand_total, placed_at, \
             (review_reason IS NOT NULL AND reviewed_at IS NULL) AS review_pending, {} \
             FROM orders WHERE 1 = 1",
            akinai_sql::PAYMENT_HELD_COLUMN
        ));
        if let Some(s) = filter.status {
            q.push(" AND status = ").push_bind(s.as_str());
        }
        if let Some(p) = filter.payment {
            q.push(" AND payment_method = ").push_bind(p.as_str());
        }
        if filter.awaiting_review {
            q.push(" AND review_reason IS NOT NULL AND reviewed_at IS NULL");
        }
        if filter.payment_held {
            q.push(akinai_sql::PAYMENT_HELD_FILTER);
        }
        if let Some(t) = filter.placed_from {
            q.push(" AND placed_at >= ").push_bind(ms(t));
        }
        if let Some(t) = filter.placed_before {
            q.push(" AND placed_at < ").push_bind(ms(t));
        }
        if let Some(e) = &filter.email {
            q.push(" AND email = ").push_bind(e.clone());
        }
        if let Some(c) = after {
            q.push(" AND (placed_at, id) < (")
                .push_bind(ms(c.placed_at))
                .push(", ")
                .push_bind(c.id.0)
                .push(")");
        }
        q.push(" ORDER BY placed_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.reader).await.map_err(map_err)?;
        rows.iter()
            .map(|r| akinai_sql::order_list_row(r, from_ms(r.int("placed_at")?)?))
            .collect()
    }

    async fn step_order(&self, step: &OrderStep) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await.map_err(map_err)?;
        if !apply_step(&mut tx, step).await? {
            return Ok(false);
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn add_order_note(
        &self,
        order: OrderId,
        at: DateTime<Utc>,
        actor: &str,
        note: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO order_history (order_id, at, actor, note) \
             SELECT id, ?, ?, ? FROM orders WHERE id = ?",
        )
        .bind(ms(at))
        .bind(actor)
        .bind(note)
        .bind(order.0)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn order_history(&self, order: OrderId) -> StoreResult<Vec<OrderHistoryEntry>> {
        let rows = sqlx::query(
            "SELECT at, actor, from_status, to_status, carrier, tracking_number, note \
             FROM order_history WHERE order_id = ? ORDER BY id",
        )
        .bind(order.0)
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| akinai_sql::order_history_entry(r, from_ms(r.int("at")?)?))
            .collect()
    }
}

/// Applies a status step inside `tx` (shared with payment updates, which step an order in the
/// same transaction as the payment); false when the order is no longer in `step.from`.
pub(crate) async fn apply_step(
    tx: &mut sqlx::SqliteConnection,
    step: &OrderStep,
) -> StoreResult<bool> {
    let (carrier, tracking) = match &step.shipment {
        Some(s) => (Some(s.carrier.as_str()), Some(s.tracking_number.as_str())),
        None => (None, None),
    };
    let moved = sqlx::query(
        "UPDATE orders SET status = ?1, carrier = COALESCE(?2, carrier), \
         tracking_number = COALESCE(?3, tracking_number) \
         WHERE id = ?4 AND status = ?5 \
         AND (?6 = 0 OR review_reason IS NULL OR reviewed_at IS NOT NULL)",
    )
    .bind(step.to.as_str())
    .bind(carrier)
    .bind(tracking)
    .bind(step.order.0)
    .bind(step.from.as_str())
    .bind(i64::from(step.require_review_cleared))
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO order_history (order_id, at, actor, from_status, to_status, carrier, \
         tracking_number, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(step.order.0)
    .bind(ms(step.at))
    .bind(&step.actor)
    .bind(step.from.as_str())
    .bind(step.to.as_str())
    .bind(carrier)
    .bind(tracking)
    .bind(step.note.as_deref())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    if step.release_stock {
        sqlx::query(
            "UPDATE skus SET stock = stock + (SELECT SUM(quantity) FROM order_lines \
             WHERE order_lines.order_id = ?1 AND order_lines.sku_id = skus.id) \
             WHERE id IN (SELECT sku_id FROM order_lines WHERE order_id = ?1)",
        )
        .bind(step.order.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    if let Some(job) = &step.mail {
        sqlx::query(
            "INSERT INTO jobs (kind, payload, order_id, run_at, created_at, dedup_key) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(&job.kind)
        .bind(job.payload.to_string())
        .bind(step.order.0)
        .bind(ms(job.run_at))
        .bind(ms(step.at))
        .bind(&job.dedup_key)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    if let Some(p) = &step.payment {
        sqlx::query(&akinai_sql::STEP_PAYMENT.replace('$', "?"))
            .bind(p.status.as_str())
            .bind(p.refunded.0)
            .bind(ms(step.at))
            .bind(p.payment)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
    }
    Ok(true)
}
