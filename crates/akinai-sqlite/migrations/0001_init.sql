-- akinai SQLite schema, version 1.
-- Money is integer yen; times are UTC Unix milliseconds; bearer tokens are stored as SHA-256 hex.

CREATE TABLE settings (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    document    TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES categories(id),
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE products (
    id               INTEGER PRIMARY KEY,
    category_id      INTEGER NOT NULL REFERENCES categories(id),
    name             TEXT    NOT NULL,
    description_html TEXT    NOT NULL,
    tax_category     TEXT    NOT NULL CHECK (tax_category IN ('standard', 'reduced', 'non_taxable')),
    image_hue        INTEGER NOT NULL,
    published        INTEGER NOT NULL DEFAULT 1,
    search_name      TEXT    NOT NULL,
    search_body      TEXT    NOT NULL
);
CREATE INDEX products_by_category ON products (category_id, id);

CREATE TABLE skus (
    id            INTEGER PRIMARY KEY,
    product_id    INTEGER NOT NULL REFERENCES products(id),
    position      INTEGER NOT NULL,
    code          TEXT    NOT NULL UNIQUE,
    option_label  TEXT    NOT NULL,
    price         INTEGER NOT NULL CHECK (price >= 0),
    stock         INTEGER NOT NULL CHECK (stock >= 0)
);
CREATE INDEX skus_by_product ON skus (product_id, position);

-- Trigram full-text index over the normalised search text (external content: products).
CREATE VIRTUAL TABLE product_search USING fts5(
    search_name, search_body, content = 'products', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN
    INSERT INTO product_search (rowid, search_name, search_body) VALUES (new.id, new.search_name, new.search_body);
END;
CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN
    INSERT INTO product_search (product_search, rowid, search_name, search_body)
        VALUES ('delete', old.id, old.search_name, old.search_body);
END;
CREATE TRIGGER products_search_update AFTER UPDATE OF search_name, search_body ON products BEGIN
    INSERT INTO product_search (product_search, rowid, search_name, search_body)
        VALUES ('delete', old.id, old.search_name, old.search_body);
    INSERT INTO product_search (rowid, search_name, search_body) VALUES (new.id, new.search_name, new.search_body);
END;

CREATE TABLE carts (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,
    checkout    TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE cart_lines (
    cart_id   INTEGER NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
    sku_id    INTEGER NOT NULL REFERENCES skus(id),
    quantity  INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (cart_id, sku_id)
);

CREATE TABLE orders (
    id                    INTEGER PRIMARY KEY,
    cart_id               INTEGER NOT NULL UNIQUE REFERENCES carts(id),
    status_token_hash     TEXT    NOT NULL UNIQUE,
    status                TEXT    NOT NULL,
    payment_method        TEXT    NOT NULL,
    email                 TEXT    NOT NULL,
    details               TEXT    NOT NULL,
    items_total           INTEGER NOT NULL,
    shipping_fee          INTEGER NOT NULL,
    payment_fee           INTEGER NOT NULL,
    grand_total           INTEGER NOT NULL,
    placed_at             INTEGER NOT NULL,
    confirmation_sent_at  INTEGER
);

CREATE TABLE order_lines (
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    line_no       INTEGER NOT NULL,
    sku_id        INTEGER NOT NULL REFERENCES skus(id),
    product_id    INTEGER NOT NULL REFERENCES products(id),
    product_name  TEXT    NOT NULL,
    option_label  TEXT    NOT NULL,
    sku_code      TEXT    NOT NULL,
    unit_price    INTEGER NOT NULL,
    quantity      INTEGER NOT NULL,
    tax_category  TEXT    NOT NULL,
    line_total    INTEGER NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE order_tax_rates (
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    tax_category  TEXT    NOT NULL,
    rate_percent  INTEGER NOT NULL,
    total         INTEGER NOT NULL,
    tax           INTEGER NOT NULL,
    PRIMARY KEY (order_id, tax_category)
);

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    order_id      INTEGER REFERENCES orders(id),
    run_at        INTEGER NOT NULL,
    locked_until  INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    done_at       INTEGER,
    buried_at     INTEGER
);
CREATE INDEX jobs_open ON jobs (run_at, id) WHERE done_at IS NULL AND buried_at IS NULL;
