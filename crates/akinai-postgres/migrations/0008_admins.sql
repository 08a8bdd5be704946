-- Admin accounts (admin issue, item 2; CCSG-V-1): one per person, created from the command line
-- with a one-time enrolment link; the password and the TOTP secret (encrypted under a key
-- derived from the server key) are set at enrolment and a second factor cannot be absent.
CREATE TABLE admins (
    id               BIGSERIAL PRIMARY KEY,
    email            TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    role             TEXT    NOT NULL,
    password_hash    TEXT,
    totp_secret_enc  TEXT,
    totp_nonce       TEXT,
    totp_last_step   BIGINT  NOT NULL DEFAULT 0,
    failed_logins    BIGINT  NOT NULL DEFAULT 0,
    locked_at        TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    enrolled_at      TIMESTAMPTZ,
    last_login_at    TIMESTAMPTZ
);

-- One-time admin links (enrolment): only the hash is stored.
CREATE TABLE admin_tokens (
    id          BIGSERIAL PRIMARY KEY,
    admin_id    BIGINT  NOT NULL REFERENCES admins(id),
    purpose     TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL UNIQUE,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);

-- Admin sessions: the cookie holds the secret, the table its SHA-256.
CREATE TABLE admin_sessions (
    id            BIGSERIAL PRIMARY KEY,
    token_hash    TEXT    NOT NULL UNIQUE,
    admin_id      BIGINT  NOT NULL REFERENCES admins(id),
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    ip            TEXT,
    user_agent    TEXT    NOT NULL,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX admin_sessions_by_admin ON admin_sessions (admin_id);
