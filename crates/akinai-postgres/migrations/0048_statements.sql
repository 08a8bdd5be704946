-- 請求書払い (issue #23 item 5; ADR 050). An invoice order is billed to its buyer's company
-- (`orders.billed_company_id`, set in the order's transaction after the credit check) and, after
-- the period closes, collected on one monthly statement (請求書): numbered by its row, kept as
-- issued (`content`, JSON of akinai_domain::documents::DocumentContent), one per company and
-- closing day. An order is on one statement only (`orders.statement_id`). Payments received are
-- recorded per statement; `received` is their sum and `paid_at` set when it covers the total.
CREATE TABLE statements (
    id           BIGSERIAL PRIMARY KEY,
    company_id   BIGINT  NOT NULL REFERENCES companies(id),
    period_from  TEXT    NOT NULL,
    period_to    TEXT    NOT NULL,
    due_on       TEXT    NOT NULL,
    total        BIGINT  NOT NULL CHECK (total >= 0),
    content      TEXT    NOT NULL,
    issued_at    TIMESTAMPTZ  NOT NULL,
    issued_by    TEXT    NOT NULL,
    received     BIGINT  NOT NULL DEFAULT 0 CHECK (received >= 0),
    paid_at      TIMESTAMPTZ,
    reminded_at  TIMESTAMPTZ,
    UNIQUE (company_id, period_to)
);
CREATE INDEX statements_unpaid ON statements (due_on) WHERE paid_at IS NULL;
CREATE TABLE statement_payments (
    id            BIGSERIAL PRIMARY KEY,
    statement_id  BIGINT  NOT NULL REFERENCES statements(id),
    received_on   TEXT    NOT NULL,
    amount        BIGINT  NOT NULL CHECK (amount > 0),
    note          TEXT    NOT NULL DEFAULT '',
    recorded_by   TEXT    NOT NULL,
    recorded_at   TIMESTAMPTZ  NOT NULL
);
CREATE INDEX statement_payments_of ON statement_payments (statement_id);
ALTER TABLE orders ADD COLUMN billed_company_id BIGINT  REFERENCES companies(id);
ALTER TABLE orders ADD COLUMN statement_id BIGINT  REFERENCES statements(id);
CREATE INDEX orders_billed ON orders (billed_company_id, statement_id)
    WHERE billed_company_id IS NOT NULL;
