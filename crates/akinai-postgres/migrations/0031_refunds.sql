-- Refunds as they happen (issue 19, accounting export): the payment row keeps only the running
-- total, an accountant needs each refund with its day. Every raise of `payments.refunded` writes
-- one row here in the same transaction. Refunds made before this migration become one row each,
-- dated when their payment last changed.
CREATE TABLE refunds (
    id        BIGSERIAL PRIMARY KEY,
    order_id  BIGINT NOT NULL REFERENCES orders(id),
    amount    BIGINT NOT NULL CHECK (amount > 0),
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX refunds_by_time ON refunds (at, id);
INSERT INTO refunds (order_id, amount, at)
    SELECT order_id, refunded, updated_at FROM payments WHERE refunded > 0;
