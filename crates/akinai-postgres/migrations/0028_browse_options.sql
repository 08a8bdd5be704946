-- Option filters (issue #18 item 2, ADR 031 decision 10): each published product's option values
-- (the parts of its SKUs' labels between " / ", as akinai, EC-CUBE and Shopify imports join them:
-- "M / 黒" → M, 黒) by category, kept by triggers in the writing transaction like browse_keys.
-- The key leads with (category_id, published, value), so a category's values are a loose index
-- scan and a value's products one range; by product for the listing's EXISTS test and rewrites.
-- Stock moves (orders) do not touch it: only label, category and publication changes do.

CREATE TABLE browse_options (
    category_id  BIGINT  NOT NULL,
    published    BOOLEAN NOT NULL,
    value        TEXT    NOT NULL,
    product_id   BIGINT  NOT NULL,
    PRIMARY KEY (category_id, published, value, product_id)
);
CREATE INDEX browse_options_product ON browse_options (product_id, value);

-- Each SKU's option values with its product's category and publication.
CREATE VIEW sku_option_values AS
    SELECT s.id AS sku_id, p.id AS product_id, p.category_id, p.published, btrim(v) AS value
      FROM skus s JOIN products p ON p.id = s.product_id,
           LATERAL unnest(string_to_array(s.option_label, ' / ')) AS v;

INSERT INTO browse_options (category_id, published, value, product_id)
    SELECT DISTINCT category_id, published, value, product_id FROM sku_option_values
     WHERE value <> '';

CREATE FUNCTION skus_browse_options() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO browse_options (category_id, published, value, product_id)
            SELECT DISTINCT category_id, published, value, product_id FROM sku_option_values
             WHERE sku_id = NEW.id AND value <> ''
        ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM browse_options WHERE product_id = OLD.product_id;
        INSERT INTO browse_options (category_id, published, value, product_id)
            SELECT DISTINCT category_id, published, value, product_id FROM sku_option_values
             WHERE product_id = OLD.product_id AND value <> ''
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER skus_browse_options AFTER INSERT OR DELETE ON skus
    FOR EACH ROW EXECUTE FUNCTION skus_browse_options();
CREATE TRIGGER skus_browse_options_update AFTER UPDATE OF option_label ON skus
    FOR EACH ROW WHEN (OLD.option_label <> NEW.option_label)
    EXECUTE FUNCTION skus_browse_options();

CREATE FUNCTION products_browse_options() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE browse_options SET category_id = NEW.category_id, published = NEW.published
         WHERE product_id = NEW.id;
    ELSE
        DELETE FROM browse_options WHERE product_id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER products_browse_options
    AFTER DELETE OR UPDATE OF category_id, published ON products
    FOR EACH ROW EXECUTE FUNCTION products_browse_options();
