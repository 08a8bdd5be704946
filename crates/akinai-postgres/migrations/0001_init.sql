-- akinai PostgreSQL schema, version 1.
-- Money is integer yen (BIGINT); times are TIMESTAMPTZ; bearer tokens are stored as SHA-256 hex.
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE settings (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    document    TEXT        NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE categories (
    id          BIGSERIAL PRIMARY KEY,
    parent_id   BIGINT REFERENCES categories(id),
    slug        TEXT   NOT NULL UNIQUE,
    name        TEXT   NOT NULL,
    position    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE products (
    id               BIGSERIAL PRIMARY KEY,
    category_id      BIGINT  NOT NULL REFERENCES categories(id),
    name             TEXT    NOT NULL,
    description_html TEXT    NOT NULL,
    tax_category     TEXT    NOT NULL CHECK (tax_category IN ('standard', 'reduced', 'non_taxable')),
    image_hue        BIGINT  NOT NULL,
    published        BOOLEAN NOT NULL DEFAULT TRUE,
    search_name      TEXT    NOT NULL,
    search_body      TEXT    NOT NULL
);
CREATE INDEX products_by_category ON products (category_id, id);
CREATE INDEX products_search_name ON products USING gin (search_name gin_trgm_ops);
CREATE INDEX products_search_body ON products USING gin (search_body gin_trgm_ops);

CREATE TABLE skus (
    id            BIGSERIAL PRIMARY KEY,
    product_id    BIGINT NOT NULL REFERENCES products(id),
    position      BIGINT NOT NULL,
    code          TEXT   NOT NULL UNIQUE,
    option_label  TEXT   NOT NULL,
    price         BIGINT NOT NULL CHECK (price >= 0),
    stock         BIGINT NOT NULL CHECK (stock >= 0)
);
CREATE INDEX skus_by_product ON skus (product_id, position);

CREATE TABLE carts (
    id          BIGSERIAL PRIMARY KEY,
    token_hash  TEXT        NOT NULL UNIQUE,
    checkout    TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE cart_lines (
    cart_id   BIGINT      NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
    sku_id    BIGINT      NOT NULL REFERENCES skus(id),
    quantity  BIGINT      NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    added_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (cart_id, sku_id)
);

CREATE TABLE orders (
    id                    BIGSERIAL PRIMARY KEY,
    cart_id               BIGINT      NOT NULL UNIQUE REFERENCES carts(id),
    status_token_hash     TEXT        NOT NULL UNIQUE,
    status                TEXT        NOT NULL,
    payment_method        TEXT        NOT NULL,
    email                 TEXT        NOT NULL,
    details               TEXT        NOT NULL,
    items_total           BIGINT      NOT NULL,
    shipping_fee          BIGINT      NOT NULL,
    payment_fee           BIGINT      NOT NULL,
    grand_total           BIGINT      NOT NULL,
    placed_at             TIMESTAMPTZ NOT NULL,
    confirmation_sent_at  TIMESTAMPTZ
);

CREATE TABLE order_lines (
    order_id      BIGINT NOT NULL REFERENCES orders(id),
    line_no       BIGINT NOT NULL,
    sku_id        BIGINT NOT NULL REFERENCES skus(id),
    product_id    BIGINT NOT NULL REFERENCES products(id),
    product_name  TEXT   NOT NULL,
    option_label  TEXT   NOT NULL,
    sku_code      TEXT   NOT NULL,
    unit_price    BIGINT NOT NULL,
    quantity      BIGINT NOT NULL,
    tax_category  TEXT   NOT NULL,
    line_total    BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE order_tax_rates (
    order_id      BIGINT NOT NULL REFERENCES orders(id),
    tax_category  TEXT   NOT NULL,
    rate_percent  BIGINT NOT NULL,
    total         BIGINT NOT NULL,
    tax           BIGINT NOT NULL,
    PRIMARY KEY (order_id, tax_category)
);

CREATE TABLE jobs (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT        NOT NULL,
    payload       TEXT        NOT NULL,
    order_id      BIGINT REFERENCES orders(id),
    run_at        TIMESTAMPTZ NOT NULL,
    locked_until  TIMESTAMPTZ,
    attempts      BIGINT      NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    done_at       TIMESTAMPTZ,
    buried_at     TIMESTAMPTZ
);
CREATE INDEX jobs_open ON jobs (run_at, id) WHERE done_at IS NULL AND buried_at IS NULL;
