-- Passkeys (WebAuthn credentials) of customer accounts (IPA-C-10): the credential id and the
-- COSE public key in base64url, the user handle the credential was made for, and the signature
-- counter (a counter that goes back reveals a cloned authenticator).
CREATE TABLE passkeys (
    id             INTEGER PRIMARY KEY,
    customer_id    INTEGER NOT NULL REFERENCES customers(id),
    credential_id  TEXT    NOT NULL UNIQUE,
    public_key     TEXT    NOT NULL,
    user_handle    TEXT    NOT NULL,
    sign_count     INTEGER NOT NULL,
    name           TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER
);
CREATE INDEX passkeys_by_customer ON passkeys (customer_id);

-- The address book (at most 20 delivery addresses per member): the recipient as JSON, and when
-- it was last changed (orders to a freshly changed address are flagged, CCSG-F-3c).
CREATE TABLE customer_addresses (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    recipient    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    changed_at   INTEGER NOT NULL
);
CREATE INDEX customer_addresses_by_customer ON customer_addresses (customer_id);

ALTER TABLE customers ADD COLUMN phone TEXT;
-- Set when the member deleted the account: the row stays as a pseudonymous tombstone that the
-- orders kept by law point to; everything personal in it is erased.
ALTER TABLE customers ADD COLUMN deleted_at INTEGER;
-- Why an order must be reviewed before it ships (NULL: no reason).
ALTER TABLE orders ADD COLUMN review_reason TEXT;
