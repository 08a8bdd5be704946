-- Second factors of customer accounts (IPA-C-10): a TOTP secret (encrypted under a key derived
-- from the server key; the database alone does not reveal it) with the last time step used
-- (replay protection), and single-use recovery codes stored as hashes.
CREATE TABLE customer_totp (
    customer_id  INTEGER PRIMARY KEY REFERENCES customers(id),
    secret_enc   TEXT   NOT NULL,
    nonce        TEXT   NOT NULL,
    enabled_at   INTEGER NOT NULL,
    last_step    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    code_hash    TEXT   NOT NULL,
    used_at      INTEGER
);
CREATE INDEX recovery_codes_by_customer ON recovery_codes (customer_id);
