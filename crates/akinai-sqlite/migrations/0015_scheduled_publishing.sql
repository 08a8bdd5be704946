-- Scheduled publishing (admin issue, item 5): the worker publishes a product when this time
-- has come and clears it.
ALTER TABLE products ADD COLUMN publish_at INTEGER;
CREATE INDEX products_to_publish ON products (publish_at) WHERE publish_at IS NOT NULL;
