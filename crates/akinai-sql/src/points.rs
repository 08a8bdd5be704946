//! Points, written once for both backends (ADR 020): balances, movements, the cart's choice, and
//! settling an order's points. Spending at placement is `Sql::spend_points`, called inside the
//! order's transaction (`orders.rs` for SQLite, `akinai-postgres` for PostgreSQL).

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::ids::{CartId, CustomerId, OrderId};
use akinai_domain::order::OrderStatus;
use akinai_domain::points::{EntryKind, OrderPointsNow, PointsState, Settlement};
use akinai_store::points::{PointBalance, PointEntry, PointsDue};
use akinai_store::{PlaceOrderError, StoreResult};

use crate::{corrupt, map_err, Columns, Dialect, Sql};

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    pub async fn point_balance(&self, customer: CustomerId) -> StoreResult<PointBalance> {
        let row = sqlx::query(
            "SELECT balance, last_activity_at FROM point_accounts WHERE customer_id = $1",
        )
        .bind(customer.0)
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        match row {
            None => Ok(PointBalance::default()),
            Some(r) => Ok(PointBalance {
                balance: r.int("balance")?,
                last_activity_at: Some(D::at(&r, "last_activity_at")?),
            }),
        }
    }

    pub async fn point_entries(
        &self,
        customer: CustomerId,
        limit: u32,
    ) -> StoreResult<Vec<PointEntry>> {
        let rows = sqlx::query(
            "SELECT kind, points, balance_after, order_id, created_at FROM point_entries \
             WHERE customer_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(customer.0)
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let kind = r.text("kind")?;
                Ok(PointEntry {
                    kind: EntryKind::parse(&kind)
                        .ok_or_else(|| corrupt(format!("point entry kind {kind}")))?,
                    points: r.int("points")?,
                    balance_after: r.int("balance_after")?,
                    order_id: r.opt_int("order_id")?.map(OrderId),
                    created_at: D::at(r, "created_at")?,
                })
            })
            .collect()
    }

    pub async fn set_cart_points(&self, cart: CartId, points: i64) -> StoreResult<()> {
        sqlx::query("UPDATE carts SET points_to_use = $1 WHERE id = $2")
            .bind(points.max(0))
            .bind(cart.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn points_due(&self, limit: u32) -> StoreResult<Vec<PointsDue>> {
        // Three small sets, each found by an index: pending orders that have come to an end,
        // granted ones cancelled or refunded, and granted ones refunded in part since they were
        // last settled (driven by the refund ledger, which holds few rows).
        let rows = sqlx::query(
            "SELECT o.id, o.customer_id, o.status, o.points_state, o.points_used, o.points_earned, \
             o.points_revoked, o.points_refund_seen, o.grand_total, \
             CAST(COALESCE((SELECT SUM(r.amount) FROM refunds r WHERE r.order_id = o.id), 0) AS BIGINT) \
             AS refunded \
             FROM orders o WHERE o.customer_id IS NOT NULL AND o.id IN ( \
             SELECT id FROM orders WHERE points_state = 'pending' \
             AND status IN ('delivered', 'cancelled', 'refunded') \
             UNION SELECT id FROM orders WHERE points_state = 'granted' \
             AND status IN ('cancelled', 'refunded') \
             UNION SELECT g.id FROM orders g JOIN refunds r ON r.order_id = g.id \
             WHERE g.points_state = 'granted' AND g.status = 'delivered' \
             GROUP BY g.id, g.points_refund_seen HAVING SUM(r.amount) > g.points_refund_seen) \
             ORDER BY o.id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let (status, state) = (r.text("status")?, r.text("points_state")?);
                Ok(PointsDue {
                    order_id: OrderId(r.int("id")?),
                    customer_id: CustomerId(r.int("customer_id")?),
                    points: OrderPointsNow {
                        status: OrderStatus::parse(&status)
                            .ok_or_else(|| corrupt(format!("status {status}")))?,
                        state: PointsState::parse(&state)
                            .ok_or_else(|| corrupt(format!("points state {state}")))?,
                        used: r.int("points_used")?,
                        earned: r.int("points_earned")?,
                        revoked: r.int("points_revoked")?,
                        total: r.int("grand_total")?,
                        refunded: r.int("refunded")?,
                    },
                    refund_seen: r.int("points_refund_seen")?,
                })
            })
            .collect()
    }

    pub async fn settle_points(
        &self,
        due: &PointsDue,
        settlement: &Settlement,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE orders SET points_state = $1, points_revoked = $2, points_refund_seen = $3 \
             WHERE id = $4 AND points_state = $5 AND points_revoked = $6 \
             AND points_refund_seen = $7",
        )
        .bind(settlement.to.as_str())
        .bind(settlement.revoked)
        .bind(due.points.refunded)
        .bind(due.order_id.0)
        .bind(due.points.state.as_str())
        .bind(due.points.revoked)
        .bind(due.refund_seen)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if D::rows_affected(&moved) != 1 {
            return Ok(false);
        }
        for (kind, points) in &settlement.moves {
            Self::move_points(
                &mut *tx,
                due.customer_id,
                Some(due.order_id),
                *kind,
                *points,
                now,
            )
            .await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    /// Adds `points` (signed) to the member's balance and records the movement; an earning or
    /// spending restarts the expiry period.
    async fn move_points(
        conn: &mut <D::Db as Database>::Connection,
        customer: CustomerId,
        order: Option<OrderId>,
        kind: EntryKind,
        points: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let balance: i64 = sqlx::query_scalar(
            "INSERT INTO point_accounts (customer_id, balance, last_activity_at) VALUES ($1, $2, $3) \
             ON CONFLICT (customer_id) DO UPDATE SET balance = point_accounts.balance + $2, \
             last_activity_at = CASE WHEN $4 THEN $3 ELSE point_accounts.last_activity_at END \
             RETURNING balance",
        )
        .bind(customer.0)
        .bind(points)
        .bind(D::time(now))
        .bind(kind.is_activity())
        .fetch_one(&mut *conn)
        .await
        .map_err(map_err)?;
        Self::record_entry(conn, customer, order, kind, points, balance, now).await?;
        Ok(balance)
    }

    async fn record_entry(
        conn: &mut <D::Db as Database>::Connection,
        customer: CustomerId,
        order: Option<OrderId>,
        kind: EntryKind,
        points: i64,
        balance_after: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO point_entries (customer_id, order_id, kind, points, balance_after, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(customer.0)
        .bind(order.map(|o| o.0))
        .bind(kind.as_str())
        .bind(points)
        .bind(balance_after)
        .bind(D::time(now))
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    /// Takes the points an order uses from its member's balance inside the order's transaction:
    /// only while the balance holds enough, otherwise [`PlaceOrderError::PointsShort`] and the
    /// caller rolls the order back. The UPDATE locks the member's row, so racing orders of one
    /// member queue on it.
    pub async fn spend_points(
        conn: &mut <D::Db as Database>::Connection,
        customer: CustomerId,
        order: OrderId,
        points: i64,
        now: DateTime<Utc>,
    ) -> Result<(), PlaceOrderError> {
        let balance: Option<i64> = sqlx::query_scalar(
            "UPDATE point_accounts SET balance = balance - $1, last_activity_at = $2 \
             WHERE customer_id = $3 AND balance >= $1 RETURNING balance",
        )
        .bind(points)
        .bind(D::time(now))
        .bind(customer.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_err)?;
        let balance = balance.ok_or(PlaceOrderError::PointsShort)?;
        Self::record_entry(
            conn,
            customer,
            Some(order),
            EntryKind::Spend,
            -points,
            balance,
            now,
        )
        .await?;
        Ok(())
    }

    pub async fn adjust_points(
        &self,
        customer: CustomerId,
        points: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let balance = if points >= 0 {
            Self::move_points(&mut *tx, customer, None, EntryKind::Adjust, points, now).await?
        } else {
            let left: Option<i64> = sqlx::query_scalar(
                "UPDATE point_accounts SET balance = balance + $1, last_activity_at = $2 \
                 WHERE customer_id = $3 AND balance + $1 >= 0 RETURNING balance",
            )
            .bind(points)
            .bind(D::time(now))
            .bind(customer.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            let Some(left) = left else {
                return Ok(None);
            };
            Self::record_entry(
                &mut *tx,
                customer,
                None,
                EntryKind::Adjust,
                points,
                left,
                now,
            )
            .await?;
            left
        };
        tx.commit().await.map_err(map_err)?;
        Ok(Some(balance))
    }

    pub async fn lapse_points(
        &self,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<(CustomerId, i64)>> {
        let rows = sqlx::query(
            "SELECT customer_id, balance FROM point_accounts \
             WHERE balance > 0 AND last_activity_at <= $1 ORDER BY customer_id LIMIT $2",
        )
        .bind(D::time(cutoff))
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        let mut lapsed = Vec::new();
        for r in &rows {
            let (customer, balance) = (CustomerId(r.int("customer_id")?), r.int("balance")?);
            let mut tx = self.begin_write().await?;
            // Only if nothing moved since it was read (an order may have just spent or earned).
            let done = sqlx::query(
                "UPDATE point_accounts SET balance = 0 \
                 WHERE customer_id = $1 AND balance = $2 AND last_activity_at <= $3",
            )
            .bind(customer.0)
            .bind(balance)
            .bind(D::time(cutoff))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            if D::rows_affected(&done) == 1 {
                Self::record_entry(
                    &mut *tx,
                    customer,
                    None,
                    EntryKind::Expire,
                    -balance,
                    0,
                    now,
                )
                .await?;
                tx.commit().await.map_err(map_err)?;
                lapsed.push((customer, balance));
            }
        }
        Ok(lapsed)
    }
}

/// Implements `PointStore` for a backend with the shared statements.
#[macro_export]
macro_rules! point_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::{CartId, CustomerId};
            use akinai_domain::points::Settlement;
            use akinai_store::points::{PointBalance, PointEntry, PointsDue};
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::points::PointStore for $store {
                async fn point_balance(&self, customer: CustomerId) -> StoreResult<PointBalance> {
                    $crate::Sql(self).point_balance(customer).await
                }
                async fn point_entries(
                    &self,
                    customer: CustomerId,
                    limit: u32,
                ) -> StoreResult<Vec<PointEntry>> {
                    $crate::Sql(self).point_entries(customer, limit).await
                }
                async fn set_cart_points(&self, cart: CartId, points: i64) -> StoreResult<()> {
                    $crate::Sql(self).set_cart_points(cart, points).await
                }
                async fn points_due(&self, limit: u32) -> StoreResult<Vec<PointsDue>> {
                    $crate::Sql(self).points_due(limit).await
                }
                async fn settle_points(
                    &self,
                    due: &PointsDue,
                    settlement: &Settlement,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).settle_points(due, settlement, now).await
                }
                async fn adjust_points(
                    &self,
                    customer: CustomerId,
                    points: i64,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<i64>> {
                    $crate::Sql(self).adjust_points(customer, points, now).await
                }
                async fn lapse_points(
                    &self,
                    cutoff: DateTime<Utc>,
                    now: DateTime<Utc>,
                    limit: u32,
                ) -> StoreResult<Vec<(CustomerId, i64)>> {
                    $crate::Sql(self).lapse_points(cutoff, now, limit).await
                }
            }
        };
    };
}
