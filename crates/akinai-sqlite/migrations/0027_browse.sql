-- Browse like a real shop (issue #18 item 2, ADR 031): the keys listings sort and filter by —
-- category, published, lowest price, whether any variant is in stock, units sold — in a narrow
-- table of their own, kept by triggers in the same transaction as the write that changes them
-- (so every node reads the same order, and an order touches this small row rather than
-- rewriting the product with its description). Each sort has an index per category, so a page
-- is a walk of at most one page per category, whatever the size of the catalog.

CREATE TABLE browse_keys (
    product_id   INTEGER PRIMARY KEY,
    category_id  INTEGER NOT NULL,
    published    INTEGER NOT NULL,
    in_stock     INTEGER NOT NULL,
    price_min    INTEGER NOT NULL,
    sold         INTEGER NOT NULL
);
CREATE INDEX browse_newest ON browse_keys (category_id, published, product_id);
CREATE INDEX browse_recommended ON browse_keys (category_id, published, in_stock, product_id);
CREATE INDEX browse_price ON browse_keys (category_id, published, price_min, product_id);
CREATE INDEX browse_sold ON browse_keys (category_id, published, sold, product_id);

INSERT INTO browse_keys (product_id, category_id, published, in_stock, price_min, sold)
    SELECT p.id, p.category_id, p.published,
           EXISTS (SELECT 1 FROM skus s WHERE s.product_id = p.id AND s.stock > 0),
           COALESCE((SELECT MIN(s.price) FROM skus s WHERE s.product_id = p.id), 0),
           COALESCE((SELECT SUM(l.quantity) FROM order_lines l WHERE l.product_id = p.id), 0)
    FROM products p;

CREATE TRIGGER products_browse_insert AFTER INSERT ON products BEGIN
    INSERT INTO browse_keys (product_id, category_id, published, in_stock, price_min, sold)
        VALUES (new.id, new.category_id, new.published,
                EXISTS (SELECT 1 FROM skus s WHERE s.product_id = new.id AND s.stock > 0),
                COALESCE((SELECT MIN(s.price) FROM skus s WHERE s.product_id = new.id), 0), 0);
END;

CREATE TRIGGER products_browse_update AFTER UPDATE OF category_id, published ON products BEGIN
    UPDATE browse_keys SET category_id = new.category_id, published = new.published
     WHERE product_id = new.id;
END;

CREATE TRIGGER products_browse_delete AFTER DELETE ON products BEGIN
    DELETE FROM browse_keys WHERE product_id = old.id;
END;

CREATE TRIGGER skus_browse_insert AFTER INSERT ON skus BEGIN
    UPDATE browse_keys SET
        price_min = (SELECT MIN(s.price) FROM skus s WHERE s.product_id = new.product_id),
        in_stock = EXISTS (SELECT 1 FROM skus s WHERE s.product_id = new.product_id AND s.stock > 0)
     WHERE product_id = new.product_id;
END;

CREATE TRIGGER skus_browse_update AFTER UPDATE OF price, stock ON skus
WHEN old.price <> new.price OR (old.stock > 0) <> (new.stock > 0) BEGIN
    UPDATE browse_keys SET
        price_min = (SELECT MIN(s.price) FROM skus s WHERE s.product_id = new.product_id),
        in_stock = EXISTS (SELECT 1 FROM skus s WHERE s.product_id = new.product_id AND s.stock > 0)
     WHERE product_id = new.product_id;
END;

CREATE TRIGGER skus_browse_delete AFTER DELETE ON skus BEGIN
    UPDATE browse_keys SET
        price_min = COALESCE((SELECT MIN(s.price) FROM skus s WHERE s.product_id = old.product_id), 0),
        in_stock = EXISTS (SELECT 1 FROM skus s WHERE s.product_id = old.product_id AND s.stock > 0)
     WHERE product_id = old.product_id;
END;

CREATE TRIGGER order_lines_browse_sold AFTER INSERT ON order_lines BEGIN
    UPDATE browse_keys SET sold = sold + new.quantity WHERE product_id = new.product_id;
END;
