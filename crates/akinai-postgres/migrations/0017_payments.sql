-- Payments through a payment provider (payments issue, items 1 and 2): one row per order paid by
-- card or konbini, with the amount frozen when it was created, the provider's references and where
-- the payment stands. `version` guards concurrent updates (webhook and reconciliation at once).
CREATE TABLE payments (
    id            BIGSERIAL PRIMARY KEY,
    order_id      BIGINT  NOT NULL UNIQUE REFERENCES orders(id),
    provider      TEXT    NOT NULL,
    method        TEXT    NOT NULL CHECK (method IN ('card', 'konbini')),
    amount        BIGINT  NOT NULL CHECK (amount >= 0),
    status        TEXT    NOT NULL CHECK (status IN ('open', 'awaiting', 'succeeded', 'failed')),
    refunded      BIGINT  NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    session_ref   TEXT,
    payment_ref   TEXT,
    redirect_url  TEXT,
    instructions  TEXT,
    attempt       BIGINT  NOT NULL DEFAULT 0,
    version       BIGINT  NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    checked_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX payments_by_session ON payments (provider, session_ref);
CREATE INDEX payments_pending ON payments (checked_at) WHERE status IN ('open', 'awaiting');

-- Provider events already processed: a webhook delivered twice is applied once.
CREATE TABLE payment_events (
    provider     TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    payment_id   BIGINT  REFERENCES payments(id),
    received_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, event_id)
);
