-- Search that scales (ADR 029): the distinct one- and two-character grams of every published
-- product's normalised name, each posting keyed by a rank so that a gram's products come out of
-- the index already in the order shoppers see them — in stock first, then newest first. A search
-- walks one gram's postings in that order and stops once it has a page (top-k), whatever the
-- size of the catalog. Triggers keep it in step with every write to a product or its stock.

-- 1..300: character positions of a name (names are at most 100 characters before normalisation).
CREATE TABLE search_positions (n INTEGER PRIMARY KEY);
INSERT INTO search_positions (n)
    WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 300)
    SELECT n FROM c;

CREATE TABLE search_grams (
    gram        TEXT    NOT NULL,
    rank        INTEGER NOT NULL,
    product_id  INTEGER NOT NULL,
    PRIMARY KEY (gram, rank, product_id)
) WITHOUT ROWID;
CREATE INDEX search_grams_by_product ON search_grams (product_id);

-- The rank of a product: 0 - id in stock, 2^40 - id sold out (smaller first).
INSERT INTO search_grams (gram, rank, product_id)
    SELECT DISTINCT substr(pr.search_name, p.n, w.n),
           (CASE WHEN EXISTS (SELECT 1 FROM skus s WHERE s.product_id = pr.id AND s.stock > 0)
                 THEN 0 ELSE 1099511627776 END) - pr.id,
           pr.id
    FROM products pr
    JOIN search_positions p ON p.n <= length(pr.search_name)
    JOIN search_positions w ON w.n <= 2
    WHERE pr.published AND p.n + w.n - 1 <= length(pr.search_name)
      AND instr(substr(pr.search_name, p.n, w.n), ' ') = 0;

CREATE TRIGGER products_grams_insert AFTER INSERT ON products WHEN new.published BEGIN
    INSERT OR IGNORE INTO search_grams (gram, rank, product_id)
        SELECT DISTINCT substr(new.search_name, p.n, w.n),
               (CASE WHEN EXISTS (SELECT 1 FROM skus s WHERE s.product_id = new.id AND s.stock > 0)
                     THEN 0 ELSE 1099511627776 END) - new.id,
               new.id
        FROM search_positions p JOIN search_positions w ON w.n <= 2
        WHERE p.n + w.n - 1 <= length(new.search_name)
          AND instr(substr(new.search_name, p.n, w.n), ' ') = 0;
END;

CREATE TRIGGER products_grams_update AFTER UPDATE OF search_name, published ON products BEGIN
    DELETE FROM search_grams WHERE product_id = old.id;
    INSERT OR IGNORE INTO search_grams (gram, rank, product_id)
        SELECT DISTINCT substr(new.search_name, p.n, w.n),
               (CASE WHEN EXISTS (SELECT 1 FROM skus s WHERE s.product_id = new.id AND s.stock > 0)
                     THEN 0 ELSE 1099511627776 END) - new.id,
               new.id
        FROM search_positions p JOIN search_positions w ON w.n <= 2
        WHERE new.published AND p.n + w.n - 1 <= length(new.search_name)
          AND instr(substr(new.search_name, p.n, w.n), ' ') = 0;
END;

CREATE TRIGGER products_grams_delete AFTER DELETE ON products BEGIN
    DELETE FROM search_grams WHERE product_id = old.id;
END;

-- A product's rank changes only when it sells out or comes back in stock.
CREATE TRIGGER skus_grams_stock AFTER UPDATE OF stock ON skus
WHEN (old.stock > 0) <> (new.stock > 0) BEGIN
    UPDATE search_grams
       SET rank = (CASE WHEN EXISTS (SELECT 1 FROM skus s WHERE s.product_id = new.product_id AND s.stock > 0)
                        THEN 0 ELSE 1099511627776 END) - new.product_id
     WHERE product_id = new.product_id;
END;

CREATE TRIGGER skus_grams_insert AFTER INSERT ON skus WHEN new.stock > 0 BEGIN
    UPDATE search_grams SET rank = 0 - new.product_id WHERE product_id = new.product_id;
END;

CREATE TRIGGER skus_grams_delete AFTER DELETE ON skus WHEN old.stock > 0 BEGIN
    UPDATE search_grams
       SET rank = (CASE WHEN EXISTS (SELECT 1 FROM skus s WHERE s.product_id = old.product_id AND s.stock > 0)
                        THEN 0 ELSE 1099511627776 END) - old.product_id
     WHERE product_id = old.product_id;
END;
