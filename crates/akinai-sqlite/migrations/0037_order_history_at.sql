-- The API's `updated_since` order filter (issue 20) finds orders by the time of their history.
CREATE INDEX order_history_at ON order_history (at);
