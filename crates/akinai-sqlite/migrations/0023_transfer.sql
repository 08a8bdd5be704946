-- Moving in and out (CSV issue, ADR 026). Product handles: what an import matches a product by (Shopify's Handle,
-- `ec-cube-<商品ID>`, akinai's own), so importing the same file again updates rather than
-- duplicates. Products made in the admin have none until exported (`p<id>`).
ALTER TABLE products ADD COLUMN handle TEXT;
CREATE UNIQUE INDEX products_by_handle ON products (handle);
-- The file name an imported image came from, so importing the same file again adds no copy.
ALTER TABLE product_images ADD COLUMN source_name TEXT;
-- Imported members (CSV issue, item 2): the marketing consent as the file stated it (never
-- assumed), and when the member was imported (they have no password until they set one).
ALTER TABLE customers ADD COLUMN marketing_consent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN imported_at INTEGER;
-- When an imported member was sent the invitation to set a password (sent once).
ALTER TABLE customers ADD COLUMN invited_at INTEGER;
