-- Browse like a real shop (issue #18 item 2, ADR 031): the keys listings sort and filter by —
-- category, published, lowest price, whether any variant is in stock, units sold — in a narrow
-- table of their own, kept by triggers in the same transaction as the write that changes them
-- (so every node reads the same order, and an order touches this small row rather than the
-- product with its description and trigram indexes). Each sort has an index per category, so a
-- page is a walk of at most one page per category, whatever the size of the catalog.

CREATE TABLE browse_keys (
    product_id   BIGINT PRIMARY KEY,
    category_id  BIGINT  NOT NULL,
    published    BOOLEAN NOT NULL,
    in_stock     BIGINT  NOT NULL,
    price_min    BIGINT  NOT NULL,
    sold         BIGINT  NOT NULL
);
CREATE INDEX browse_newest ON browse_keys (category_id, published, product_id);
CREATE INDEX browse_recommended ON browse_keys (category_id, published, in_stock, product_id);
CREATE INDEX browse_price ON browse_keys (category_id, published, price_min, product_id);
CREATE INDEX browse_sold ON browse_keys (category_id, published, sold, product_id);

INSERT INTO browse_keys (product_id, category_id, published, in_stock, price_min, sold)
    SELECT p.id, p.category_id, p.published,
           CASE WHEN EXISTS (SELECT 1 FROM skus s WHERE s.product_id = p.id AND s.stock > 0) THEN 1 ELSE 0 END,
           COALESCE((SELECT MIN(s.price) FROM skus s WHERE s.product_id = p.id), 0),
           COALESCE((SELECT SUM(l.quantity) FROM order_lines l WHERE l.product_id = p.id), 0)
    FROM products p;

CREATE FUNCTION products_browse_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO browse_keys (product_id, category_id, published, in_stock, price_min, sold)
        VALUES (NEW.id, NEW.category_id, NEW.published,
                CASE WHEN EXISTS (SELECT 1 FROM skus s WHERE s.product_id = NEW.id AND s.stock > 0) THEN 1 ELSE 0 END,
                COALESCE((SELECT MIN(s.price) FROM skus s WHERE s.product_id = NEW.id), 0), 0);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE browse_keys SET category_id = NEW.category_id, published = NEW.published
         WHERE product_id = NEW.id;
    ELSE
        DELETE FROM browse_keys WHERE product_id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER products_browse_keys
    AFTER INSERT OR DELETE OR UPDATE OF category_id, published ON products
    FOR EACH ROW EXECUTE FUNCTION products_browse_keys();

CREATE FUNCTION skus_browse_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pid BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN pid := OLD.product_id; ELSE pid := NEW.product_id; END IF;
    UPDATE browse_keys SET
        price_min = COALESCE((SELECT MIN(s.price) FROM skus s WHERE s.product_id = pid), 0),
        in_stock = CASE WHEN EXISTS (SELECT 1 FROM skus s WHERE s.product_id = pid AND s.stock > 0) THEN 1 ELSE 0 END
     WHERE product_id = pid;
    RETURN NULL;
END
$$;
CREATE TRIGGER skus_browse_keys AFTER INSERT OR DELETE ON skus
    FOR EACH ROW EXECUTE FUNCTION skus_browse_keys();
CREATE TRIGGER skus_browse_keys_update AFTER UPDATE OF price, stock ON skus
    FOR EACH ROW WHEN (OLD.price <> NEW.price OR (OLD.stock > 0) <> (NEW.stock > 0))
    EXECUTE FUNCTION skus_browse_keys();

CREATE FUNCTION order_lines_browse_sold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE browse_keys SET sold = sold + NEW.quantity WHERE product_id = NEW.product_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER order_lines_browse_sold AFTER INSERT ON order_lines
    FOR EACH ROW EXECUTE FUNCTION order_lines_browse_sold();
