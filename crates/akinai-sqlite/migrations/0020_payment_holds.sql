-- Card payments captured at shipping (payments issue, item 1): a payment may now be `authorized`
-- (the card issuer holds the money until the shop captures it), with the time the hold began so
-- the shop sees when it lapses; and bank transfer and cash on delivery get payment rows too.
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt. The tables that
-- refer to it are rebuilt against the new table first (renaming a table rewrites the references
-- to it), so the foreign keys hold at every step.
CREATE TABLE payments_v2 (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL UNIQUE REFERENCES orders(id),
    provider      TEXT    NOT NULL,
    method        TEXT    NOT NULL
                  CHECK (method IN ('card', 'konbini', 'bank_transfer', 'cash_on_delivery')),
    amount        INTEGER NOT NULL CHECK (amount >= 0),
    status        TEXT    NOT NULL
                  CHECK (status IN ('open', 'awaiting', 'authorized', 'succeeded', 'failed')),
    refunded      INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    session_ref   TEXT,
    payment_ref   TEXT,
    redirect_url  TEXT,
    instructions  TEXT,
    attempt       INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    checked_at    INTEGER NOT NULL,
    authorized_at INTEGER
);
INSERT INTO payments_v2 (id, order_id, provider, method, amount, status, refunded, session_ref,
    payment_ref, redirect_url, instructions, attempt, version, created_at, updated_at, checked_at)
SELECT id, order_id, provider, method, amount, status, refunded, session_ref, payment_ref,
    redirect_url, instructions, attempt, version, created_at, updated_at, checked_at
FROM payments;

CREATE TABLE payment_events_v2 (
    provider     TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    payment_id   INTEGER REFERENCES payments_v2(id),
    received_at  INTEGER NOT NULL,
    PRIMARY KEY (provider, event_id)
);
INSERT INTO payment_events_v2 SELECT provider, event_id, kind, payment_id, received_at
FROM payment_events;

CREATE TABLE payment_signals_v2 (
    id           INTEGER PRIMARY KEY,
    payment_id   INTEGER NOT NULL REFERENCES payments_v2(id),
    at           INTEGER NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('attempt', 'decline')),
    source       TEXT    NOT NULL,
    cart_id      INTEGER NOT NULL,
    customer_id  INTEGER,
    email        TEXT    NOT NULL,
    address_key  TEXT    NOT NULL
);
INSERT INTO payment_signals_v2 SELECT id, payment_id, at, kind, source, cart_id, customer_id,
    email, address_key
FROM payment_signals;

DROP TABLE payment_signals;
DROP TABLE payment_events;
DROP TABLE payments;
ALTER TABLE payments_v2 RENAME TO payments;
ALTER TABLE payment_events_v2 RENAME TO payment_events;
ALTER TABLE payment_signals_v2 RENAME TO payment_signals;

CREATE UNIQUE INDEX payments_by_session ON payments (provider, session_ref);
CREATE INDEX payments_pending ON payments (checked_at) WHERE status IN ('open', 'awaiting');
CREATE INDEX payments_held ON payments (authorized_at) WHERE status = 'authorized';
CREATE INDEX payment_signals_at ON payment_signals (at);
CREATE INDEX payment_signals_by_source ON payment_signals (source, at);
CREATE INDEX payment_signals_by_cart ON payment_signals (cart_id, at);
CREATE INDEX payment_signals_by_customer ON payment_signals (customer_id, at) WHERE customer_id IS NOT NULL;
CREATE INDEX payment_signals_by_email ON payment_signals (email, at);
CREATE INDEX payment_signals_by_address ON payment_signals (address_key, at);

-- Bank transfer and cash on delivery sit behind the same payment record: the shop confirms them
-- itself (provider `shop`). Orders placed before this get their row as their status says.
INSERT INTO payments (order_id, provider, method, amount, status, refunded, created_at,
    updated_at, checked_at)
SELECT id, 'shop', payment_method, grand_total,
    CASE WHEN status = 'cancelled' THEN 'failed'
         WHEN status IN ('delivered', 'refunded') THEN 'succeeded'
         WHEN status IN ('paid', 'shipped') AND payment_method = 'bank_transfer' THEN 'succeeded'
         ELSE 'open' END,
    CASE WHEN status = 'refunded' THEN grand_total ELSE 0 END,
    placed_at, placed_at, placed_at
FROM orders
WHERE payment_method IN ('bank_transfer', 'cash_on_delivery')
  AND id NOT IN (SELECT order_id FROM payments);
