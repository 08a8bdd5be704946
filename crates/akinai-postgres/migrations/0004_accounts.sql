-- Customer accounts (会員), their login sessions and one-time tokens, and the counters that
-- throttle logins and sign-ups (IPA-C-7, CCSG-F-3, SWS-4).
CREATE TABLE customers (
    id                 BIGSERIAL PRIMARY KEY,
    email              TEXT   NOT NULL UNIQUE,
    name               TEXT   NOT NULL,
    password_hash      TEXT   NOT NULL,
    email_verified_at  TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    last_login_at      TIMESTAMPTZ
);

-- E-mail verification and password reset links: only the hash is stored; single use.
CREATE TABLE account_tokens (
    id           BIGSERIAL PRIMARY KEY,
    customer_id  BIGINT NOT NULL REFERENCES customers(id),
    purpose      TEXT   NOT NULL,
    token_hash   TEXT   NOT NULL UNIQUE,
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ
);
CREATE INDEX account_tokens_by_customer ON account_tokens (customer_id, purpose);

-- Sessions: the cookie holds the secret, the table its SHA-256; device_hash is the SHA-256 of the
-- browser's long-lived device cookie (new-device login notices).
CREATE TABLE customer_sessions (
    id            BIGSERIAL PRIMARY KEY,
    token_hash    TEXT   NOT NULL UNIQUE,
    customer_id   BIGINT NOT NULL REFERENCES customers(id),
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    ip            TEXT,
    user_agent    TEXT   NOT NULL,
    device_hash   TEXT,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX customer_sessions_by_customer ON customer_sessions (customer_id, device_hash);

-- Attempts counted for throttling: kind (login_fail, login_ok, login_fail_ip, signup, …), the key
-- counted (an e-mail address or a source address) and, for per-source rows, the e-mail tried.
CREATE TABLE throttle_events (
    id       BIGSERIAL PRIMARY KEY,
    kind     TEXT   NOT NULL,
    key      TEXT   NOT NULL,
    subject  TEXT,
    at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX throttle_events_by_key ON throttle_events (kind, key, at);

-- Sources blocked after an attack (credential stuffing).
CREATE TABLE source_blocks (
    ip      TEXT PRIMARY KEY,
    until   TIMESTAMPTZ NOT NULL,
    reason  TEXT NOT NULL
);

-- Orders placed by a logged-in member.
ALTER TABLE orders ADD COLUMN customer_id BIGINT REFERENCES customers(id);
CREATE INDEX orders_by_customer ON orders (customer_id, id);
