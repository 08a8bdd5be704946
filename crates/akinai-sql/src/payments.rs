//! Payments through a provider (payments issue): reading a payment row, the guarded update, the
//! review flag a payment puts on its order, the held-payment column and filter of the order list,
//! and the card-testing tallies over `payment_signals`, and the `PaymentStore` statements, written
//! once for both backends. An update is one transaction: event id first (a duplicate stops it),
//! then the payment guarded by its version, the order's review flag and its status step.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::card_testing::{Tallies, Tally};
use akinai_domain::ids::{OrderId, PaymentId};
use akinai_domain::order::PaymentMethod;
use akinai_domain::Yen;
use akinai_store::payments::{
    Attempt, NewPayment, Payment, PaymentUpdate, SeenEvent, UpdateOutcome,
};
use akinai_store::StoreResult;

use crate::{corrupt, map_err, required, Columns, Dialect, Sql, TimeColumn};

/// The columns of [`PAYMENT_COLUMNS`].
pub fn payment(
    r: &impl Columns,
    time: TimeColumn<'_>,
) -> StoreResult<akinai_store::payments::Payment> {
    let method = r.text("method")?;
    let status = r.text("status")?;
    Ok(akinai_store::payments::Payment {
        id: akinai_domain::ids::PaymentId(r.int("id")?),
        order: OrderId(r.int("order_id")?),
        provider: r.text("provider")?,
        method: PaymentMethod::parse(&method)
            .ok_or_else(|| corrupt(format!("payment method {method}")))?,
        amount: Yen(r.int("amount")?),
        status: akinai_domain::payment::PaymentStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("payment status {status}")))?,
        refunded: Yen(r.int("refunded")?),
        session_ref: r.opt_text("session_ref")?,
        payment_ref: r.opt_text("payment_ref")?,
        redirect_url: r.opt_text("redirect_url")?,
        instructions: r.opt_text("instructions")?,
        attempt: r.int("attempt")?,
        version: r.int("version")?,
        created_at: required(time, "created_at")?,
        updated_at: required(time, "updated_at")?,
        checked_at: required(time, "checked_at")?,
        authorized_at: time("authorized_at")?,
    })
}

/// The columns [`payment`] reads, for `SELECT … FROM payments`.
pub const PAYMENT_COLUMNS: &str = "id, order_id, provider, method, amount, status, refunded, \
    session_ref, payment_ref, redirect_url, instructions, attempt, version, created_at, \
    updated_at, checked_at, authorized_at";

/// A payment update guarded by its version: status `$1`, refunded `$2`, payment reference `$3`
/// and instructions `$4` (kept when null), time `$5`, payment `$6`, version read `$7`. A hold's
/// start is kept from the first report that made the payment authorized.
pub const UPDATE_PAYMENT: &str = "UPDATE payments SET status = $1, refunded = $2, \
    payment_ref = COALESCE($3, payment_ref), instructions = COALESCE($4, instructions), \
    authorized_at = CASE WHEN status <> 'authorized' AND $1 = 'authorized' THEN $5 \
    ELSE authorized_at END, \
    version = version + 1, updated_at = $5, checked_at = $5 WHERE id = $6 AND version = $7";

/// The review reason a payment puts on an order: set when none is pending, added after a comma
/// otherwise (so an address review is not lost). `$1` is the reason, `$2` the order.
pub const FLAG_ORDER: &str = "UPDATE orders SET \
    review_reason = CASE WHEN review_reason IS NULL OR reviewed_at IS NOT NULL THEN $1 \
    ELSE review_reason || ',' || $1 END, reviewed_at = NULL WHERE id = $2";

/// Attempts and declines from `SELECT kind, COUNT(*) … GROUP BY kind` over `payment_signals`.
pub fn tally(rows: Vec<(String, i64)>) -> akinai_domain::card_testing::Tally {
    let mut t = akinai_domain::card_testing::Tally::default();
    for (kind, n) in rows {
        match kind.as_str() {
            "attempt" => t.attempts = n,
            _ => t.declines = n,
        }
    }
    t
}

/// One row per kind of `ATTEMPT_TALLIES`: kind, then the counts by source, cart, account,
/// e-mail, address and site-wide.
pub type TallyRow = (String, i64, i64, i64, i64, i64, i64);

/// The hour's tallies of one attempt's identities from [`ATTEMPT_TALLIES`] rows.
pub fn tallies(rows: Vec<TallyRow>) -> akinai_domain::card_testing::Tallies {
    let mut t = akinai_domain::card_testing::Tallies::default();
    for (kind, source, cart, account, email, address, site) in rows {
        let slots = [
            (&mut t.source, source),
            (&mut t.cart, cart),
            (&mut t.account, account),
            (&mut t.email, email),
            (&mut t.address, address),
            (&mut t.site, site),
        ];
        for (slot, n) in slots {
            match kind.as_str() {
                "attempt" => slot.attempts = n,
                _ => slot.declines = n,
            }
        }
    }
    t
}

/// Every identity's count in one pass over the hour (`$1` since, then source, cart, customer,
/// e-mail, address key); a NULL customer matches nothing.
pub const ATTEMPT_TALLIES: &str = "SELECT kind, \
    SUM(CASE WHEN source = $2 THEN 1 ELSE 0 END), \
    SUM(CASE WHEN cart_id = $3 THEN 1 ELSE 0 END), \
    SUM(CASE WHEN customer_id = $4 THEN 1 ELSE 0 END), \
    SUM(CASE WHEN email = $5 THEN 1 ELSE 0 END), \
    SUM(CASE WHEN address_key = $6 THEN 1 ELSE 0 END), \
    COUNT(*) \
    FROM payment_signals WHERE at >= $1 GROUP BY kind";

/// Held card payments, and those among them held since before `$1`.
pub const HELD_PAYMENTS: &str = "SELECT COUNT(*), \
    COALESCE(SUM(CASE WHEN authorized_at < $1 THEN 1 ELSE 0 END), 0) \
    FROM payments WHERE status = 'authorized'";

/// The shop's own payment of a bank transfer or cash-on-delivery order, created with the order:
/// order `$1`, provider `$2`, method `$3`, amount `$4`, time `$5`.
pub const INSERT_SHOP_PAYMENT: &str = "INSERT INTO payments (order_id, provider, method, amount, \
    status, created_at, updated_at, checked_at) VALUES ($1, $2, $3, $4, 'open', $5, $5, $5)";

/// The refund a payment update makes, before the update: the raise of `refunded` to `$1` at `$2`
/// of payment `$3`, as one row of the refund ledger (nothing when it does not rise).
pub const RECORD_REFUND: &str = "INSERT INTO refunds (order_id, amount, at) \
    SELECT order_id, $1 - refunded, $2 FROM payments WHERE id = $3 AND refunded < $1";

/// A payment changed by an order step: status `$1`, refunded `$2`, time `$3`, payment `$4`.
pub const STEP_PAYMENT: &str = "UPDATE payments SET status = $1, refunded = $2, \
    version = version + 1, updated_at = $3, checked_at = $3 WHERE id = $4";

/// The order list's flag of a card payment held for capture at shipping (a column of
/// `SELECT … FROM orders`).
pub const PAYMENT_HELD_COLUMN: &str = "CAST(CASE WHEN EXISTS (SELECT 1 FROM payments p \
    WHERE p.order_id = orders.id AND p.status = 'authorized') THEN 1 ELSE 0 END AS BIGINT) \
    AS payment_held";

/// The order list's filter for orders whose card payment is held for capture at shipping.
pub const PAYMENT_HELD_FILTER: &str =
    " AND id IN (SELECT order_id FROM payments WHERE status = 'authorized')";

/// A checkout session opened (card testing defence): payment `$1`, time `$2`, source `$3`, cart
/// `$4`, customer `$5`, e-mail `$6`, address key `$7`.
pub const RECORD_ATTEMPT: &str = "INSERT INTO payment_signals (payment_id, at, kind, source, \
    cart_id, customer_id, email, address_key) VALUES ($1, $2, 'attempt', $3, $4, $5, $6, $7)";

/// A decline at time `$1` of payment `$2`, attributed to the people behind its last attempt.
pub const RECORD_DECLINE: &str = "INSERT INTO payment_signals (payment_id, at, kind, source, \
    cart_id, customer_id, email, address_key) \
    SELECT payment_id, $1, 'decline', source, cart_id, customer_id, email, address_key \
    FROM payment_signals WHERE payment_id = $2 AND kind = 'attempt' ORDER BY id DESC LIMIT 1";

fn select_payments(condition: &str) -> String {
    format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE {condition}")
}

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
    fn payment_row(r: &<D::Db as Database>::Row) -> StoreResult<Payment> {
        payment(r, &|c| D::read_time(r, c))
    }

    /// Inserts the event; false when it was there already.
    async fn seen(
        conn: &mut <D::Db as Database>::Connection,
        provider: &str,
        event: &SeenEvent,
        payment: Option<i64>,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO payment_events (provider, event_id, kind, payment_id, received_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(provider)
        .bind(&event.id)
        .bind(&event.kind)
        .bind(payment)
        .bind(D::time(at))
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn create_payment(&self, p: &NewPayment) -> StoreResult<Payment> {
        sqlx::query(
            "INSERT INTO payments (order_id, provider, method, amount, status, created_at, \
             updated_at, checked_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7) \
             ON CONFLICT (order_id) DO NOTHING",
        )
        .bind(p.order.0)
        .bind(&p.provider)
        .bind(p.method.as_str())
        .bind(p.amount.0)
        .bind(D::time(p.at))
        .bind(D::time(p.at))
        .bind(D::time(p.at))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        let row = sqlx::query(&select_payments("order_id = $1"))
            .bind(p.order.0)
            .fetch_one(self.0.writer())
            .await
            .map_err(map_err)?;
        Self::payment_row(&row)
    }

    pub async fn payment_of_order(&self, order: OrderId) -> StoreResult<Option<Payment>> {
        let row = sqlx::query(&select_payments("order_id = $1"))
            .bind(order.0)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.as_ref().map(Self::payment_row).transpose()
    }

    pub async fn payment_by_session(
        &self,
        provider: &str,
        session_ref: &str,
    ) -> StoreResult<Option<Payment>> {
        let row = sqlx::query(&select_payments("provider = $1 AND session_ref = $2"))
            .bind(provider)
            .bind(session_ref)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.as_ref().map(Self::payment_row).transpose()
    }

    pub async fn set_payment_session(
        &self,
        id: PaymentId,
        attempt: i64,
        session_ref: &str,
        redirect_url: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE payments SET session_ref = $1, redirect_url = $2, attempt = $3, \
             version = version + 1, updated_at = $4, checked_at = $5 \
             WHERE id = $6 AND attempt = $7 - 1",
        )
        .bind(session_ref)
        .bind(redirect_url)
        .bind(attempt)
        .bind(D::time(at))
        .bind(D::time(at))
        .bind(id.0)
        .bind(attempt)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn update_payment(&self, u: &PaymentUpdate) -> StoreResult<UpdateOutcome> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT provider, order_id FROM payments WHERE id = $1")
                .bind(u.payment.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
        let Some((provider, order)) = row else {
            return Ok(UpdateOutcome::Stale);
        };
        if let Some(event) = &u.event {
            if !Self::seen(&mut tx, &provider, event, Some(u.payment.0), u.at).await? {
                return Ok(UpdateOutcome::Duplicate);
            }
        }
        sqlx::query(RECORD_REFUND)
            .bind(u.refunded.0)
            .bind(D::time(u.at))
            .bind(u.payment.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let moved = sqlx::query(UPDATE_PAYMENT)
            .bind(u.status.as_str())
            .bind(u.refunded.0)
            .bind(u.payment_ref.as_deref())
            .bind(u.instructions.as_deref())
            .bind(D::time(u.at))
            .bind(u.payment.0)
            .bind(u.version)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if D::rows_affected(&moved) != 1 {
            return Ok(UpdateOutcome::Stale);
        }
        // The step first: a step that ends the order closes its review, and a flag raised by
        // this same update must survive that.
        if let Some(step) = &u.step {
            Self::apply_step(&mut tx, step).await?;
        }
        if let Some(reason) = &u.flag {
            sqlx::query(FLAG_ORDER)
                .bind(reason)
                .bind(order)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(UpdateOutcome::Applied)
    }

    pub async fn record_payment_event(
        &self,
        provider: &str,
        event: &SeenEvent,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut conn = self.0.writer().acquire().await.map_err(map_err)?;
        Self::seen(&mut conn, provider, event, None, at).await
    }

    pub async fn payments_to_check(
        &self,
        provider: &str,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Payment>> {
        let rows = sqlx::query(&select_payments(
            "provider = $1 AND status IN ('open', 'awaiting') AND checked_at < $2 ORDER BY checked_at LIMIT $3",
        ))
        .bind(provider)
        .bind(D::time(before))
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(Self::payment_row).collect()
    }

    pub async fn held_payments(&self, lapsing_if_before: DateTime<Utc>) -> StoreResult<(i64, i64)> {
        sqlx::query_as(HELD_PAYMENTS)
            .bind(D::time(lapsing_if_before))
            .fetch_one(self.0.reader())
            .await
            .map_err(map_err)
    }

    pub async fn touch_payment(&self, id: PaymentId, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE payments SET checked_at = $1 WHERE id = $2")
            .bind(D::time(at))
            .bind(id.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn record_attempt(&self, a: &Attempt) -> StoreResult<()> {
        sqlx::query(RECORD_ATTEMPT)
            .bind(a.payment.0)
            .bind(D::time(a.at))
            .bind(&a.source)
            .bind(a.cart.0)
            .bind(a.customer.map(|c| c.0))
            .bind(&a.email)
            .bind(&a.address_key)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn record_decline(&self, payment: PaymentId, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(RECORD_DECLINE)
            .bind(D::time(at))
            .bind(payment.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn attempt_tallies(&self, a: &Attempt, since: DateTime<Utc>) -> StoreResult<Tallies> {
        let rows = sqlx::query_as::<_, TallyRow>(ATTEMPT_TALLIES)
            .bind(D::time(since))
            .bind(&a.source)
            .bind(a.cart.0)
            .bind(a.customer.map(|c| c.0))
            .bind(&a.email)
            .bind(&a.address_key)
            .fetch_all(self.0.reader())
            .await
            .map_err(map_err)?;
        Ok(tallies(rows))
    }

    pub async fn site_tally(&self, since: DateTime<Utc>) -> StoreResult<Tally> {
        let rows = sqlx::query_as::<_, (String, i64)>(
            "SELECT kind, COUNT(*) FROM payment_signals WHERE at >= $1 GROUP BY kind",
        )
        .bind(D::time(since))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok(tally(rows))
    }
}

/// Implements `akinai_store::payments::PaymentStore` for a backend type with the statements above.
#[macro_export]
macro_rules! payment_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::card_testing::{Tallies, Tally};
            use akinai_domain::ids::{OrderId, PaymentId};
            use akinai_domain::order::PaymentMethod;
            use akinai_domain::Yen;
            use akinai_store::payments::{
                Attempt, NewPayment, Payment, PaymentStore, PaymentUpdate, SeenEvent, UpdateOutcome,
            };
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::payments::PaymentStore for $store {
                async fn create_payment(&self, p: &NewPayment) -> StoreResult<Payment> {
                    $crate::Sql(self).create_payment(p).await
                }

                async fn payment_of_order(&self, order: OrderId) -> StoreResult<Option<Payment>> {
                    $crate::Sql(self).payment_of_order(order).await
                }

                async fn refunds_between(
                    &self,
                    from: DateTime<Utc>,
                    before: DateTime<Utc>,
                ) -> StoreResult<Vec<akinai_store::payments::Refund>> {
                    $crate::Sql(self).refunds_between(from, before).await
                }

                async fn payment_by_session(
                    &self,
                    provider: &str,
                    session_ref: &str,
                ) -> StoreResult<Option<Payment>> {
                    $crate::Sql(self)
                        .payment_by_session(provider, session_ref)
                        .await
                }

                async fn set_payment_session(
                    &self,
                    id: PaymentId,
                    attempt: i64,
                    session_ref: &str,
                    redirect_url: &str,
                    at: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .set_payment_session(id, attempt, session_ref, redirect_url, at)
                        .await
                }

                async fn update_payment(&self, u: &PaymentUpdate) -> StoreResult<UpdateOutcome> {
                    $crate::Sql(self).update_payment(u).await
                }

                async fn record_payment_event(
                    &self,
                    provider: &str,
                    event: &SeenEvent,
                    at: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .record_payment_event(provider, event, at)
                        .await
                }

                async fn payments_to_check(
                    &self,
                    provider: &str,
                    before: DateTime<Utc>,
                    limit: u32,
                ) -> StoreResult<Vec<Payment>> {
                    $crate::Sql(self)
                        .payments_to_check(provider, before, limit)
                        .await
                }

                async fn held_payments(
                    &self,
                    lapsing_if_before: DateTime<Utc>,
                ) -> StoreResult<(i64, i64)> {
                    $crate::Sql(self).held_payments(lapsing_if_before).await
                }

                async fn touch_payment(&self, id: PaymentId, at: DateTime<Utc>) -> StoreResult<()> {
                    $crate::Sql(self).touch_payment(id, at).await
                }

                async fn record_attempt(&self, a: &Attempt) -> StoreResult<()> {
                    $crate::Sql(self).record_attempt(a).await
                }

                async fn record_decline(
                    &self,
                    payment: PaymentId,
                    at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self).record_decline(payment, at).await
                }

                async fn attempt_tallies(
                    &self,
                    a: &Attempt,
                    since: DateTime<Utc>,
                ) -> StoreResult<Tallies> {
                    $crate::Sql(self).attempt_tallies(a, since).await
                }

                async fn site_tally(&self, since: DateTime<Utc>) -> StoreResult<Tally> {
                    $crate::Sql(self).site_tally(since).await
                }
            }
        };
    };
}
