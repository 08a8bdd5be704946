-- The shop's work on orders (admin issue, item 6): shipment details, the order history (status
-- steps and notes) and the indexes that keep the admin order list's keyset pages fast at a
-- million orders, newest first, whatever the filter.
ALTER TABLE orders ADD COLUMN carrier TEXT;
ALTER TABLE orders ADD COLUMN tracking_number TEXT;
CREATE INDEX orders_by_time ON orders (placed_at, id);
CREATE INDEX orders_by_status ON orders (status, placed_at, id);
CREATE INDEX orders_by_email ON orders (email, placed_at, id);

CREATE TABLE order_history (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders(id),
    at               INTEGER NOT NULL,
    actor            TEXT    NOT NULL,
    from_status      TEXT,
    to_status        TEXT,
    carrier          TEXT,
    tracking_number  TEXT,
    note             TEXT
);
CREATE INDEX order_history_by_order ON order_history (order_id, id);
