-- Card payments captured at shipping (payments issue, item 1): a payment may now be `authorized`
-- (the card issuer holds the money until the shop captures it), with the time the hold began so
-- the shop sees when it lapses.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('open', 'awaiting', 'authorized', 'succeeded', 'failed'));
ALTER TABLE payments ADD COLUMN authorized_at TIMESTAMPTZ;
CREATE INDEX payments_held ON payments (authorized_at) WHERE status = 'authorized';
