//! Payments through a provider for SQLite (see `akinai_store::payments`): an update is one
//! transaction on the single writer — event id first (a duplicate stops it), then the payment
//! guarded by its version, the order's review flag and its status step.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;

use akinai_domain::card_testing::{Tallies, Tally};
use akinai_domain::ids::OrderId;
use akinai_sql::Columns;
use akinai_store::payments::{
    Attempt, NewPayment, Payment, PaymentStore, PaymentUpdate, SeenEvent, UpdateOutcome,
};
use akinai_store::StoreResult;

use crate::fulfilment::apply_step;
use crate::{from_ms, map_err, ms, SqliteStore};

fn payment(r: &SqliteRow) -> StoreResult<Payment> {
    akinai_sql::payment(r, &|c| r.opt_int(c)?.map(from_ms).transpose())
}

fn select(condition: &str) -> String {
    format!(
        "SELECT {} FROM payments WHERE {condition}",
        akinai_sql::PAYMENT_COLUMNS
    )
}

/// Inserts the event; false when it was there already.
async fn seen(
    conn: &mut sqlx::SqliteConnection,
    provider: &str,
    event: &SeenEvent,
    payment: Option<i64>,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO payment_events (provider, event_id, kind, payment_id, received_at) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(provider)
    .bind(&event.id)
    .bind(&event.kind)
    .bind(payment)
    .bind(ms(at))
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok(done.rows_affected() == 1)
}

#[async_trait]
impl PaymentStore for SqliteStore {
    async fn create_payment(&self, p: &NewPayment) -> StoreResult<Payment> {
        sqlx::query(
            "INSERT INTO payments (order_id, provider, method, amount, status, created_at, \
             updated_at, checked_at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?) \
             ON CONFLICT (order_id) DO NOTHING",
        )
        .bind(p.order.0)
        .bind(&p.provider)
        .bind(p.method.as_str())
        .bind(p.amount.0)
        .bind(ms(p.at))
        .bind(ms(p.at))
        .bind(ms(p.at))
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        let row = sqlx::query(&select("order_id = ?"))
            .bind(p.order.0)
            .fetch_one(&self.writer)
            .await
            .map_err(map_err)?;
        payment(&row)
    }

    async fn payment_of_order(&self, order: OrderId) -> StoreResult<Option<Payment>> {
        let row = sqlx::query(&select("order_id = ?"))
            .bind(order.0)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        row.as_ref().map(payment).transpose()
    }

    async fn payment_by_session(
        &self,
        provider: &str,
        session_ref: &str,
    ) -> StoreResult<Option<Payment>> {
        let row = sqlx::query(&select("provider = ? AND session_ref = ?"))
            .bind(provider)
            .bind(session_ref)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)?;
        row.as_ref().map(payment).transpose()
    }

    async fn set_payment_session(
        &self,
        id: i64,
        attempt: i64,
        session_ref: &str,
        redirect_url: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE payments SET session_ref = ?, redirect_url = ?, attempt = ?, \
             version = version + 1, updated_at = ?, checked_at = ? \
             WHERE id = ? AND attempt = ? - 1",
        )
        .bind(session_ref)
        .bind(redirect_url)
        .bind(attempt)
        .bind(ms(at))
        .bind(ms(at))
        .bind(id)
        .bind(attempt)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn update_payment(&self, u: &PaymentUpdate) -> StoreResult<UpdateOutcome> {
        let mut tx = self.writer.begin().await.map_err(map_err)?;
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT provider, order_id FROM payments WHERE id = ?")
                .bind(u.payment)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
        let Some((provider, order)) = row else {
            return Ok(UpdateOutcome::Stale);
        };
        if let Some(event) = &u.event {
            if !seen(&mut tx, &provider, event, Some(u.payment), u.at).await? {
                return Ok(UpdateOutcome::Duplicate);
            }
        }
        let moved = sqlx::query(&akinai_sql::UPDATE_PAYMENT.replace('$', "?"))
            .bind(u.status.as_str())
            .bind(u.refunded.0)
            .bind(u.payment_ref.as_deref())
            .bind(u.instructions.as_deref())
            .bind(ms(u.at))
            .bind(u.payment)
            .bind(u.version)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if moved.rows_affected() != 1 {
            return Ok(UpdateOutcome::Stale);
        }
        if let Some(reason) = &u.flag {
            sqlx::query(&akinai_sql::FLAG_ORDER.replace('$', "?"))
                .bind(reason)
                .bind(order)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        if let Some(step) = &u.step {
            apply_step(&mut tx, step).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(UpdateOutcome::Applied)
    }

    async fn record_payment_event(
        &self,
        provider: &str,
        event: &SeenEvent,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut conn = self.writer.acquire().await.map_err(map_err)?;
        seen(&mut conn, provider, event, None, at).await
    }

    async fn payments_to_check(
        &self,
        provider: &str,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Payment>> {
        let rows = sqlx::query(&select(
            "provider = ? AND status IN ('open', 'awaiting') AND checked_at < ? ORDER BY checked_at LIMIT ?",
        ))
        .bind(provider)
        .bind(ms(before))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        rows.iter().map(payment).collect()
    }

    async fn held_payments(&self, lapsing_if_before: DateTime<Utc>) -> StoreResult<(i64, i64)> {
        sqlx::query_as(&akinai_sql::HELD_PAYMENTS.replace('$', "?"))
            .bind(ms(lapsing_if_before))
            .fetch_one(&self.reader)
            .await
            .map_err(map_err)
    }

    async fn touch_payment(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE payments SET checked_at = ? WHERE id = ?")
            .bind(ms(at))
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn record_attempt(&self, a: &Attempt) -> StoreResult<()> {
        sqlx::query(&akinai_sql::RECORD_ATTEMPT.replace('$', "?"))
            .bind(a.payment)
            .bind(ms(a.at))
            .bind(&a.source)
            .bind(a.cart)
            .bind(a.customer)
            .bind(&a.email)
            .bind(&a.address_key)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn record_decline(&self, payment: i64, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(&akinai_sql::RECORD_DECLINE.replace('$', "?"))
            .bind(ms(at))
            .bind(payment)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn attempt_tallies(&self, a: &Attempt, since: DateTime<Utc>) -> StoreResult<Tallies> {
        let rows = sqlx::query_as::<_, akinai_sql::TallyRow>(
            &akinai_sql::ATTEMPT_TALLIES.replace('$', "?"),
        )
        .bind(ms(since))
        .bind(&a.source)
        .bind(a.cart)
        .bind(a.customer)
        .bind(&a.email)
        .bind(&a.address_key)
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        Ok(akinai_sql::tallies(rows))
    }

    async fn site_tally(&self, since: DateTime<Utc>) -> StoreResult<Tally> {
        let rows = sqlx::query_as::<_, (String, i64)>(
            "SELECT kind, COUNT(*) FROM payment_signals WHERE at >= ? GROUP BY kind",
        )
        .bind(ms(since))
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        Ok(akinai_sql::tally(rows))
    }
}
