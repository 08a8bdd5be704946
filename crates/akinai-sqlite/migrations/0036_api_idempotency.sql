-- Idempotency keys of API POSTs (issue 20, item 1; ADR 038 §8): per token and key, the hash of
-- the request and, once it finished, the response to replay for 24 hours. A row without status
-- is a request still running.
CREATE TABLE api_idempotency (
    token_id      INTEGER NOT NULL,
    idem_key      TEXT    NOT NULL,
    request_hash  TEXT    NOT NULL,
    status        INTEGER,
    headers       TEXT,
    body          TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (token_id, idem_key)
);
CREATE INDEX api_idempotency_age ON api_idempotency (created_at);
