-- Points for members (issue #23, item 6; ADR 046). One row per member who ever held points:
-- the balance (spending never takes it below zero: the UPDATE that spends asks for enough; only
-- taking back points of a refunded order can leave it below) and the last earning or spending,
-- from which the balance lapses. Every movement is an entry; an order's movements are unique by
-- kind, so settling an order twice moves nothing twice.
CREATE TABLE point_accounts (
    customer_id      BIGINT PRIMARY KEY REFERENCES customers(id),
    balance          BIGINT NOT NULL DEFAULT 0,
    last_activity_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE point_entries (
    id            BIGSERIAL PRIMARY KEY,
    customer_id   BIGINT NOT NULL REFERENCES customers(id),
    order_id      BIGINT REFERENCES orders(id),
    kind          TEXT   NOT NULL,
    points        BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (order_id, kind)
);
CREATE INDEX point_entries_by_customer ON point_entries (customer_id, id);
-- Points the shopper chose to use on the cart, checked again at confirmation.
ALTER TABLE carts ADD COLUMN points_to_use BIGINT NOT NULL DEFAULT 0;
-- Points an order used (one point one yen, part of its reduction per rate), points it earns on
-- delivery, and where it stands (none, pending, granted, reversed).
ALTER TABLE orders ADD COLUMN points_used BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN points_earned BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN points_state TEXT NOT NULL DEFAULT 'none';
CREATE INDEX orders_points_open ON orders (points_state) WHERE points_state IN ('pending', 'granted');
