-- Second factors of customer accounts (IPA-C-10): a TOTP secret (encrypted under a key derived
-- from the server key; the database alone does not reveal it) with the last time step used
-- (replay protection), and single-use recovery codes stored as hashes.
CREATE TABLE customer_totp (
    customer_id  BIGINT PRIMARY KEY REFERENCES customers(id),
    secret_enc   TEXT   NOT NULL,
    nonce        TEXT   NOT NULL,
    enabled_at   TIMESTAMPTZ NOT NULL,
    last_step    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    id           BIGSERIAL PRIMARY KEY,
    customer_id  BIGINT NOT NULL REFERENCES customers(id),
    code_hash    TEXT   NOT NULL,
    used_at      TIMESTAMPTZ
);
CREATE INDEX recovery_codes_by_customer ON recovery_codes (customer_id);
