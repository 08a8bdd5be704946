-- Points and partial refunds (issue #23 item 6; ADR 046 addendum). A partial refund takes back
-- the points earned on the refunded part: an order keeps the points of its earnings taken back so
-- far and the refunded yen its points already reflect. Such take-backs are one entry per partial
-- refund, so an order's entries are unique by kind except `revoke_part`. The settling worker finds
-- its orders by points state and status, and partial refunds through the refund ledger by order.
ALTER TABLE orders ADD COLUMN points_revoked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN points_refund_seen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE point_entries DROP CONSTRAINT point_entries_order_id_kind_key;
CREATE UNIQUE INDEX point_entries_once ON point_entries (order_id, kind) WHERE kind <> 'revoke_part';
DROP INDEX orders_points_open;
CREATE INDEX orders_points_open ON orders (points_state, status) WHERE points_state IN ('pending', 'granted');
CREATE INDEX refunds_by_order ON refunds (order_id);
