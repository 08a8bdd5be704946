-- 掛け払い (issue #23 item 5; ADR 050): the payment terms (締め日・支払日, JSON of
-- akinai_domain::receivables::PaymentTerms) and the credit limit agreed with an approved company.
-- No limit: invoice payment is not offered to the company's buyers.
ALTER TABLE companies ADD COLUMN payment_terms TEXT;
ALTER TABLE companies ADD COLUMN credit_limit BIGINT CHECK (credit_limit IS NULL OR credit_limit >= 0);
