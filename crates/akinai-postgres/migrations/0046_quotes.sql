-- Quotes (見積, issue #23 item 4; ADR 049). A quote is asked for on a cart by a member or a guest
-- with contact details; staff adjust its lines, shipping fee and validity and send it. Each sending
-- is a revision kept as sent (JSON of what the shopper saw). The shopper reads it by an
-- unguessable link: its token is derived from `link_nonce` under the server's
-- secret key (so a mail job can rebuild it) and only the token's SHA-256 is stored. Ordering it claims it once
-- (status 'sent' → 'ordered') in the order's transaction. No foreign key from carts to quotes:
-- quotes refer to orders, orders to carts, and a circle would stop `akinai store copy` (ADR 041).
CREATE TABLE quotes (
    id            BIGSERIAL PRIMARY KEY,
    token_hash    TEXT    NOT NULL UNIQUE,
    link_nonce    TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    revision      BIGINT  NOT NULL DEFAULT 0,
    customer_id   BIGINT  REFERENCES customers(id),
    contact       TEXT    NOT NULL,
    request_note  TEXT    NOT NULL DEFAULT '',
    shipping_fee  BIGINT,
    valid_until   TEXT,
    message       TEXT    NOT NULL DEFAULT '',
    order_id      BIGINT  REFERENCES orders(id),
    requested_at  TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX quotes_by_status ON quotes (status, id);
CREATE INDEX quotes_by_customer ON quotes (customer_id, id);
CREATE TABLE quote_lines (
    quote_id     BIGINT  NOT NULL REFERENCES quotes(id),
    line_no      BIGINT  NOT NULL,
    sku_id       BIGINT  NOT NULL,
    product_id   BIGINT  NOT NULL,
    product_name TEXT    NOT NULL,
    option_label TEXT    NOT NULL,
    sku_code     TEXT    NOT NULL,
    unit_price   BIGINT  NOT NULL CHECK (unit_price >= 0),
    quantity     BIGINT  NOT NULL CHECK (quantity > 0),
    tax_category TEXT    NOT NULL,
    line_total   BIGINT  NOT NULL,
    list_price   BIGINT  NOT NULL,
    PRIMARY KEY (quote_id, line_no)
);
CREATE TABLE quote_revisions (
    quote_id BIGINT  NOT NULL REFERENCES quotes(id),
    revision BIGINT  NOT NULL,
    sent_by  TEXT    NOT NULL,
    sent_at  TIMESTAMPTZ NOT NULL,
    content  TEXT    NOT NULL,
    PRIMARY KEY (quote_id, revision)
);
ALTER TABLE carts ADD COLUMN quote_id BIGINT;
