-- Card testing defence (payments issue, item 6): each checkout session opened (attempt) and each
-- decline the provider reports, with who was behind it, counted over the last hour.
CREATE TABLE payment_signals (
    id           BIGSERIAL PRIMARY KEY,
    payment_id   BIGINT  NOT NULL REFERENCES payments(id),
    at           TIMESTAMPTZ NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('attempt', 'decline')),
    source       TEXT    NOT NULL,
    cart_id      BIGINT  NOT NULL,
    customer_id  BIGINT ,
    email        TEXT    NOT NULL,
    address_key  TEXT    NOT NULL
);
CREATE INDEX payment_signals_at ON payment_signals (at);
CREATE INDEX payment_signals_by_source ON payment_signals (source, at);
CREATE INDEX payment_signals_by_cart ON payment_signals (cart_id, at);
CREATE INDEX payment_signals_by_customer ON payment_signals (customer_id, at) WHERE customer_id IS NOT NULL;
CREATE INDEX payment_signals_by_email ON payment_signals (email, at);
CREATE INDEX payment_signals_by_address ON payment_signals (address_key, at);
