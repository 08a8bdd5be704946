-- Receipts (領収書) and, next, return invoices (適格返還請求書) are kept documents too (issue 19).
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check
    CHECK (kind IN ('invoice', 'delivery_slip', 'receipt', 'return_invoice'));
