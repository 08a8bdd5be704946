-- Outgoing webhooks (issue 20, item 4; ADR 038). An endpoint keeps its signing secret (it must
-- sign, so it cannot be a hash) and, for a day after a rotation, the one before. An event is
-- written in the same transaction as the change it reports, with its body fixed then, and one
-- delivery per subscribed endpoint; the worker sends deliveries whose run_at is due.
CREATE TABLE webhook_endpoints (
    id               INTEGER PRIMARY KEY,
    url              TEXT    NOT NULL,
    events           TEXT    NOT NULL,
    secret           TEXT    NOT NULL,
    previous_secret  TEXT,
    previous_until   INTEGER,
    created_at       INTEGER NOT NULL,
    created_by       TEXT    NOT NULL,
    disabled_at      INTEGER,
    disabled_reason  TEXT,
    removed_at       INTEGER,
    removed_by       TEXT
);
CREATE TABLE webhook_events (
    id          INTEGER PRIMARY KEY,
    event_type  TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    event_id         INTEGER NOT NULL REFERENCES webhook_events (id),
    endpoint_id      INTEGER NOT NULL REFERENCES webhook_endpoints (id),
    state            TEXT    NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    run_at           INTEGER,
    locked_until     INTEGER,
    last_attempt_at  INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    delivered_at     INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (run_at) WHERE run_at IS NOT NULL;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
