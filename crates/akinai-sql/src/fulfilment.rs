//! The admin order list, status steps and order notes, written once for both backends.
//!
//! The list orders by `(placed_at, id)` descending and continues with a row-value comparison, so
//! each page is an index range scan (`orders_by_time`, or `orders_by_status` / `orders_by_email`
//! when those filters are set) however deep it is. A step is one guarded `UPDATE` (still in the
//! expected status; for shipping, no uncleared review flag; cancelling or refunding closes a
//! pending review) with its history row, stock release and mail job in the same transaction.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderStatus;
use akinai_store::fulfilment::{
    OrderCursor, OrderFilter, OrderHistoryEntry, OrderListRow, OrderStep,
};
use akinai_store::StoreResult;

use crate::{map_err, Arg, Dialect, Filter, Sql, PAYMENT_HELD_COLUMN, PAYMENT_HELD_FILTER};

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
    pub async fn list_orders(
        &self,
        filter: &OrderFilter,
        after: Option<&OrderCursor>,
        limit: u32,
    ) -> StoreResult<Vec<OrderListRow>> {
        let mut q = Filter::new(&format!(
            "SELECT id, status, payment_method, details, grand_total, placed_at, \
             CAST(CASE WHEN review_reason IS NOT NULL AND reviewed_at IS NULL THEN 1 ELSE 0 END \
             AS BIGINT) AS review_pending, {PAYMENT_HELD_COLUMN} FROM orders WHERE 1 = 1"
        ));
        if let Some(s) = filter.status {
            q.bind(" AND status = ", Arg::Text(s.as_str().to_string()));
        }
        if let Some(p) = filter.payment {
            q.bind(" AND payment_method = ", Arg::Text(p.as_str().to_string()));
        }
        if filter.awaiting_review {
            q.push(" AND review_reason IS NOT NULL AND reviewed_at IS NULL");
        }
        if filter.payment_held {
            q.push(PAYMENT_HELD_FILTER);
        }
        if let Some(t) = filter.placed_from {
            q.bind(" AND placed_at >= ", Arg::Time(t));
        }
        if let Some(t) = filter.placed_before {
            q.bind(" AND placed_at < ", Arg::Time(t));
        }
        if let Some(e) = &filter.email {
            q.bind(" AND email = ", Arg::Text(e.clone()));
        }
        if let Some(t) = filter.updated_since {
            q.bind(" AND (placed_at >= ", Arg::Time(t))
                .bind(
                    " OR id IN (SELECT order_id FROM order_history WHERE at >= ",
                    Arg::Time(t),
                )
                .push("))");
        }
        if let Some(c) = after {
            q.bind(" AND (placed_at, id) < (", Arg::Time(c.placed_at))
                .bind(", ", Arg::Int(c.id.0))
                .push(")");
        }
        q.bind(
            " ORDER BY placed_at DESC, id DESC LIMIT ",
            Arg::Int(i64::from(limit)),
        );
        let rows = self.fetch_all(&q).await?;
        rows.iter()
            .map(|r| crate::order_list_row(r, D::at(r, "placed_at")?))
            .collect()
    }

    pub async fn step_order(&self, step: &OrderStep) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        if !Self::apply_step(&mut tx, step).await? {
            return Ok(false);
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    pub async fn step_orders(&self, steps: &[OrderStep]) -> StoreResult<Option<OrderId>> {
        let mut tx = self.begin_write().await?;
        for step in steps {
            if !Self::apply_step(&mut tx, step).await? {
                // Dropping the transaction rolls back the steps before this one.
                return Ok(Some(step.order));
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(None)
    }

    pub async fn add_order_note(
        &self,
        order: OrderId,
        at: DateTime<Utc>,
        actor: &str,
        note: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO order_history (order_id, at, actor, note) \
             SELECT id, $1, $2, $3 FROM orders WHERE id = $4",
        )
        .bind(D::time(at))
        .bind(actor)
        .bind(note)
        .bind(order.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn order_history(&self, order: OrderId) -> StoreResult<Vec<OrderHistoryEntry>> {
        let rows = sqlx::query(
            "SELECT at, actor, from_status, to_status, carrier, tracking_number, note \
             FROM order_history WHERE order_id = $1 ORDER BY id",
        )
        .bind(order.0)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| crate::order_history_entry(r, D::at(r, "at")?))
            .collect()
    }

    /// Applies a status step inside `tx` (shared with payment updates, which step an order in the
    /// same transaction as the payment); false when the order is no longer in `step.from`. A step
    /// that ends the order (cancelled, refunded) closes a pending review by the same actor: there
    /// is nothing left to ship. Money arriving later flags it again ([`crate::FLAG_ORDER`]).
    pub(crate) async fn apply_step(
        tx: &mut <D::Db as Database>::Connection,
        step: &OrderStep,
    ) -> StoreResult<bool> {
        let (carrier, tracking) = match &step.shipment {
            Some(s) => (Some(s.carrier.as_str()), Some(s.tracking_number.as_str())),
            None => (None, None),
        };
        let ends = matches!(step.to, OrderStatus::Cancelled | OrderStatus::Refunded);
        let moved = sqlx::query(
            "UPDATE orders SET status = $1, carrier = COALESCE($2, carrier), \
             tracking_number = COALESCE($3, tracking_number), \
             reviewed_by = CASE WHEN $7 AND review_reason IS NOT NULL AND reviewed_at IS NULL \
             THEN $8 ELSE reviewed_by END, \
             reviewed_at = CASE WHEN $7 AND review_reason IS NOT NULL AND reviewed_at IS NULL \
             THEN $9 ELSE reviewed_at END \
             WHERE id = $4 AND status = $5 \
             AND (NOT $6 OR review_reason IS NULL OR reviewed_at IS NOT NULL)",
        )
        .bind(step.to.as_str())
        .bind(carrier)
        .bind(tracking)
        .bind(step.order.0)
        .bind(step.from.as_str())
        .bind(step.require_review_cleared)
        .bind(ends)
        .bind(step.actor.as_str())
        .bind(D::time(step.at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if D::rows_affected(&moved) != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO order_history (order_id, at, actor, from_status, to_status, carrier, \
             tracking_number, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(step.order.0)
        .bind(D::time(step.at))
        .bind(&step.actor)
        .bind(step.from.as_str())
        .bind(step.to.as_str())
        .bind(carrier)
        .bind(tracking)
        .bind(step.note.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if let Some(event) = akinai_domain::webhook::EventType::for_order_status(step.to) {
            let mut data = serde_json::json!({
                "id": akinai_store::order_number(step.order),
                "status": step.to.as_str(),
                "previous_status": step.from.as_str(),
            });
            if let Some(s) = &step.shipment {
                data["carrier"] = s.carrier.as_str().into();
                data["tracking_number"] = s.tracking_number.as_str().into();
            }
            Self::emit(&mut *tx, event, data, step.at).await?;
        }
        if step.release_stock {
            sqlx::query(
                "UPDATE skus SET stock = stock + l.quantity \
                 FROM (SELECT sku_id, SUM(quantity) AS quantity FROM order_lines \
                       WHERE order_id = $1 GROUP BY sku_id) AS l \
                 WHERE skus.id = l.sku_id",
            )
            .bind(step.order.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        if let Some(job) = &step.mail {
            sqlx::query(
                "INSERT INTO jobs (kind, payload, order_id, run_at, created_at, dedup_key) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(&job.kind)
            .bind(job.payload.to_string())
            .bind(step.order.0)
            .bind(D::time(job.run_at))
            .bind(D::time(step.at))
            .bind(&job.dedup_key)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        if let Some(p) = &step.payment {
            sqlx::query(crate::RECORD_REFUND)
                .bind(p.refunded.0)
                .bind(D::time(step.at))
                .bind(p.payment.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            sqlx::query(crate::STEP_PAYMENT)
                .bind(p.status.as_str())
                .bind(p.refunded.0)
                .bind(D::time(step.at))
                .bind(p.payment.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        Ok(true)
    }
}

/// Implements `akinai_store::fulfilment::FulfilmentStore` for a backend type with the statements above.
#[macro_export]
macro_rules! fulfilment_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::OrderId;
            use akinai_store::fulfilment::{
                FulfilmentStore, OrderCursor, OrderFilter, OrderHistoryEntry, OrderListRow,
                OrderStep,
            };
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::fulfilment::FulfilmentStore for $store {
                async fn list_orders(
                    &self,
                    filter: &OrderFilter,
                    after: Option<&OrderCursor>,
                    limit: u32,
                ) -> StoreResult<Vec<OrderListRow>> {
                    $crate::Sql(self).list_orders(filter, after, limit).await
                }

                async fn step_order(&self, step: &OrderStep) -> StoreResult<bool> {
                    $crate::Sql(self).step_order(step).await
                }

                async fn step_orders(&self, steps: &[OrderStep]) -> StoreResult<Option<OrderId>> {
                    $crate::Sql(self).step_orders(steps).await
                }

                async fn add_order_note(
                    &self,
                    order: OrderId,
                    at: DateTime<Utc>,
                    actor: &str,
                    note: &str,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .add_order_note(order, at, actor, note)
                        .await
                }

                async fn order_history(
                    &self,
                    order: OrderId,
                ) -> StoreResult<Vec<OrderHistoryEntry>> {
                    $crate::Sql(self).order_history(order).await
                }
            }
        };
    };
}
