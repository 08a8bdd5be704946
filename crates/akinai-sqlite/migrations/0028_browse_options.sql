-- Option filters (issue #18 item 2, ADR 031 decision 10): each published product's option values
-- (the parts of its SKUs' labels between " / ", as akinai, EC-CUBE and Shopify imports join them:
-- "M / 黒" → M, 黒) by category, kept by triggers in the writing transaction like browse_keys.
-- The key leads with (category_id, published, value), so a category's values are a loose index
-- scan and a value's products one range; by product for the listing's EXISTS test and rewrites.
-- Stock moves (orders) do not touch it: only label, category and publication changes do.

CREATE TABLE browse_options (
    category_id  INTEGER NOT NULL,
    published    INTEGER NOT NULL,
    value        TEXT    NOT NULL,
    product_id   INTEGER NOT NULL,
    PRIMARY KEY (category_id, published, value, product_id)
) WITHOUT ROWID;
CREATE INDEX browse_options_product ON browse_options (product_id, value);

-- Each SKU's option values with its product's category and publication. search_positions
-- (migration 0026) numbers the characters of a label: a value starts at 1 or after " / " and
-- runs to the next " / " (SQLite triggers cannot hold a recursive query; a view they can read).
CREATE VIEW sku_option_values AS
    SELECT s.id AS sku_id, p.id AS product_id, p.category_id, p.published,
           trim(substr(s.option_label, q.n, instr(substr(s.option_label, q.n) || ' / ', ' / ') - 1)) AS value
      FROM skus s JOIN products p ON p.id = s.product_id
      JOIN search_positions q ON q.n <= length(s.option_label)
     WHERE (q.n = 1 OR substr(s.option_label, q.n - 3, 3) = ' / ');

INSERT OR IGNORE INTO browse_options (category_id, published, value, product_id)
    SELECT category_id, published, value, product_id FROM sku_option_values WHERE value <> '';

CREATE TRIGGER skus_options_insert AFTER INSERT ON skus BEGIN
    INSERT OR IGNORE INTO browse_options (category_id, published, value, product_id)
        SELECT category_id, published, value, product_id FROM sku_option_values
         WHERE sku_id = new.id AND value <> '';
END;

CREATE TRIGGER skus_options_update AFTER UPDATE OF option_label ON skus
WHEN old.option_label <> new.option_label BEGIN
    DELETE FROM browse_options WHERE product_id = new.product_id;
    INSERT OR IGNORE INTO browse_options (category_id, published, value, product_id)
        SELECT category_id, published, value, product_id FROM sku_option_values
         WHERE product_id = new.product_id AND value <> '';
END;

CREATE TRIGGER skus_options_delete AFTER DELETE ON skus BEGIN
    DELETE FROM browse_options WHERE product_id = old.product_id;
    INSERT OR IGNORE INTO browse_options (category_id, published, value, product_id)
        SELECT category_id, published, value, product_id FROM sku_option_values
         WHERE product_id = old.product_id AND value <> '';
END;

CREATE TRIGGER products_options_update AFTER UPDATE OF category_id, published ON products BEGIN
    UPDATE browse_options SET category_id = new.category_id, published = new.published
     WHERE product_id = new.id;
END;

CREATE TRIGGER products_options_delete AFTER DELETE ON products BEGIN
    DELETE FROM browse_options WHERE product_id = old.id;
END;
