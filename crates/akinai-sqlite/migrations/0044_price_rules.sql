-- Price rules (issue #23, item 1; ADR 047). Customer groups (一般, 法人, 卸 …) with an optional
-- discount off the list price and whether their members see prices without tax; a member
-- belongs to at most one group. Per SKU: a sale price for a period, the minimum quantity and the
-- case multiple it is sold in, quantity tiers, and a price per group. A SKU without rules has no
-- rows here and sells at its list price.
CREATE TABLE customer_groups (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    discount_percent BIGINT  NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    tax_exclusive    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       INTEGER NOT NULL
);
ALTER TABLE customers ADD COLUMN group_id BIGINT REFERENCES customer_groups(id);
CREATE TABLE sku_price_rules (
    sku_id         BIGINT PRIMARY KEY REFERENCES skus(id),
    sale_price     BIGINT CHECK (sale_price >= 0),
    sale_from      INTEGER,
    sale_until     INTEGER,
    min_quantity   BIGINT NOT NULL DEFAULT 0 CHECK (min_quantity >= 0),
    order_multiple BIGINT NOT NULL DEFAULT 0 CHECK (order_multiple >= 0)
);
CREATE TABLE sku_tiers (
    sku_id       BIGINT NOT NULL REFERENCES skus(id),
    min_quantity BIGINT NOT NULL CHECK (min_quantity >= 1),
    price        BIGINT NOT NULL CHECK (price >= 0),
    PRIMARY KEY (sku_id, min_quantity)
);
CREATE TABLE sku_group_prices (
    sku_id   BIGINT NOT NULL REFERENCES skus(id),
    group_id BIGINT NOT NULL REFERENCES customer_groups(id),
    price    BIGINT NOT NULL CHECK (price >= 0),
    PRIMARY KEY (sku_id, group_id)
);
