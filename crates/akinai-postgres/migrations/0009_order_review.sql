-- Orders flagged for review (review_reason) are cleared by an admin before shipping.
ALTER TABLE orders ADD COLUMN reviewed_at TIMESTAMPTZ;
ALTER TABLE orders ADD COLUMN reviewed_by TEXT;
CREATE INDEX orders_awaiting_review ON orders (id) WHERE review_reason IS NOT NULL AND reviewed_at IS NULL;
