-- Search that scales (ADR 029): the distinct one- and two-character grams of every published
-- product's normalised name, each posting keyed by a rank so that a gram's products come out of
-- the index already in the order shoppers see them — in stock first, then newest first. A search
-- walks one gram's postings in that order and stops once it has a page (top-k), whatever the
-- size of the catalog. Triggers keep it in step with every write to a product or its stock, from
-- whichever node wrote it.
CREATE TABLE search_grams (
    gram        TEXT   NOT NULL,
    rank        BIGINT NOT NULL,
    product_id  BIGINT NOT NULL,
    PRIMARY KEY (gram, rank, product_id)
);
CREATE INDEX search_grams_by_product ON search_grams (product_id);

-- The rank of a product: 0 - id in stock, 2^40 - id sold out (smaller first).
CREATE FUNCTION search_rank(pid BIGINT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT (CASE WHEN EXISTS (SELECT 1 FROM skus s WHERE s.product_id = pid AND s.stock > 0)
                 THEN 0 ELSE 1099511627776 END) - pid
$$;

CREATE FUNCTION search_index_product(pid BIGINT, name TEXT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO search_grams (gram, rank, product_id)
        SELECT DISTINCT substr(name, p, w), search_rank(pid), pid
        FROM generate_series(1, length(name)) p, generate_series(1, 2) w
        WHERE p + w - 1 <= length(name) AND strpos(substr(name, p, w), ' ') = 0
    ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION products_search_grams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM search_grams WHERE product_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.published THEN
        PERFORM search_index_product(NEW.id, NEW.search_name);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER products_search_grams
    AFTER INSERT OR DELETE OR UPDATE OF search_name, published ON products
    FOR EACH ROW EXECUTE FUNCTION products_search_grams();

-- A product's rank changes only when it sells out or comes back in stock.
CREATE FUNCTION skus_search_rank() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pid BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN pid := OLD.product_id; ELSE pid := NEW.product_id; END IF;
    UPDATE search_grams SET rank = search_rank(pid) WHERE product_id = pid AND rank <> search_rank(pid);
    RETURN NULL;
END
$$;
CREATE TRIGGER skus_search_rank_update AFTER UPDATE OF stock ON skus
    FOR EACH ROW WHEN ((OLD.stock > 0) <> (NEW.stock > 0)) EXECUTE FUNCTION skus_search_rank();
CREATE TRIGGER skus_search_rank_insert AFTER INSERT ON skus
    FOR EACH ROW WHEN (NEW.stock > 0) EXECUTE FUNCTION skus_search_rank();
CREATE TRIGGER skus_search_rank_delete AFTER DELETE ON skus
    FOR EACH ROW WHEN (OLD.stock > 0) EXECUTE FUNCTION skus_search_rank();

SELECT search_index_product(id, search_name) FROM products WHERE published;
