-- Coupons (issue #23, item 6). The rule (discount, minimum, period, targets) is kept as JSON of
-- akinai_domain::coupon::CouponRule; the two limits the database enforces when an order is placed
-- are columns beside it: `used` never passes `max_uses`, and a shopper's (lower-cased e-mail
-- address) uses never pass `per_customer`. A disabled coupon is kept for the orders that used it.
CREATE TABLE coupons (
    id           BIGSERIAL PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    rule         TEXT    NOT NULL,
    max_uses     BIGINT  CHECK (max_uses IS NULL OR max_uses >= 0),
    per_customer BIGINT  CHECK (per_customer IS NULL OR per_customer >= 0),
    used         BIGINT  NOT NULL DEFAULT 0 CHECK (used >= 0 AND (max_uses IS NULL OR used <= max_uses)),
    disabled     BOOLEAN NOT NULL DEFAULT FALSE,
    created_by   TEXT    NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE TABLE coupon_uses (
    coupon_id BIGINT NOT NULL REFERENCES coupons(id),
    shopper   TEXT   NOT NULL,
    uses      BIGINT NOT NULL CHECK (uses > 0),
    PRIMARY KEY (coupon_id, shopper)
);
-- The code the shopper entered on the cart, checked again at confirmation.
ALTER TABLE carts ADD COLUMN coupon_code TEXT;
-- What an order's coupon took off in all, and of each rate (already out of the rate's total).
ALTER TABLE orders ADD COLUMN coupon_code TEXT;
ALTER TABLE orders ADD COLUMN discount_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_tax_rates ADD COLUMN discount BIGINT NOT NULL DEFAULT 0;
