-- Hold rules (payments issue, item 7): orders to one delivery address within a day are counted
-- by a key of the address (postal code, prefecture, folded street lines; akinai_domain::hold).
ALTER TABLE orders ADD COLUMN address_key TEXT;
CREATE INDEX orders_by_address ON orders (address_key, placed_at) WHERE address_key IS NOT NULL;
