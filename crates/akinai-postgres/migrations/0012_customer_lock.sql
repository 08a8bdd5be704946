-- A member account locked by the shop (admin issue, item 7): no login and no session while set.
ALTER TABLE customers ADD COLUMN locked_at TIMESTAMPTZ;
ALTER TABLE customers ADD COLUMN locked_by TEXT;
