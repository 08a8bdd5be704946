-- Card payments captured at shipping (payments issue, item 1): a payment may now be `authorized`
-- (the card issuer holds the money until the shop captures it), with the time the hold began so
-- the shop sees when it lapses; and bank transfer and cash on delivery get payment rows too.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('open', 'awaiting', 'authorized', 'succeeded', 'failed'));
ALTER TABLE payments DROP CONSTRAINT payments_method_check;
ALTER TABLE payments ADD CONSTRAINT payments_method_check
    CHECK (method IN ('card', 'konbini', 'bank_transfer', 'cash_on_delivery'));
ALTER TABLE payments ADD COLUMN authorized_at TIMESTAMPTZ;
CREATE INDEX payments_held ON payments (authorized_at) WHERE status = 'authorized';

-- Bank transfer and cash on delivery sit behind the same payment record: the shop confirms them
-- itself (provider `shop`). Orders placed before this get their row as their status says.
INSERT INTO payments (order_id, provider, method, amount, status, refunded, created_at,
    updated_at, checked_at)
SELECT id, 'shop', payment_method, grand_total,
    CASE WHEN status = 'cancelled' THEN 'failed'
         WHEN status IN ('delivered', 'refunded') THEN 'succeeded'
         WHEN status IN ('paid', 'shipped') AND payment_method = 'bank_transfer' THEN 'succeeded'
         ELSE 'open' END,
    CASE WHEN status = 'refunded' THEN grand_total ELSE 0 END,
    placed_at, placed_at, placed_at
FROM orders
WHERE payment_method IN ('bank_transfer', 'cash_on_delivery')
  AND id NOT IN (SELECT order_id FROM payments);
