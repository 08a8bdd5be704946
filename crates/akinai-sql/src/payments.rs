//! Payments through a provider (payments issue): reading a payment row, the guarded update, the
//! review flag a payment puts on its order, the held-payment column and filter of the order list,
//! and the card-testing tallies over `payment_signals` — shared by both backends (SQLite runs
//! the `$N` statements with `?N`).

use akinai_domain::ids::OrderId;
use akinai_domain::order::PaymentMethod;
use akinai_domain::Yen;
use akinai_store::StoreResult;

use crate::{corrupt, required, Columns, TimeColumn};

/// The columns of [`PAYMENT_COLUMNS`].
pub fn payment(
    r: &impl Columns,
    time: TimeColumn<'_>,
) -> StoreResult<akinai_store::payments::Payment> {
    let method = r.text("method")?;
    let status = r.text("status")?;
    Ok(akinai_store::payments::Payment {
        id: r.int("id")?,
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
