-- Receipts (領収書) and, next, return invoices (適格返還請求書) are kept documents too (issue 19).
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with its rows, indexes
-- and triggers (no corrections exist yet, so nothing references a row being moved).
DROP TRIGGER documents_never_change;
DROP TRIGGER documents_never_deleted;
CREATE TABLE documents_next (
    id         INTEGER PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES orders(id),
    kind       TEXT    NOT NULL CHECK (kind IN ('invoice', 'delivery_slip', 'receipt', 'return_invoice')),
    corrects   INTEGER REFERENCES documents(id),
    issued_at  INTEGER NOT NULL,
    issued_by  TEXT    NOT NULL,
    content    TEXT    NOT NULL
);
INSERT INTO documents_next (id, order_id, kind, corrects, issued_at, issued_by, content)
    SELECT id, order_id, kind, corrects, issued_at, issued_by, content FROM documents;
DROP TABLE documents;
ALTER TABLE documents_next RENAME TO documents;
CREATE UNIQUE INDEX documents_original ON documents (order_id, kind) WHERE corrects IS NULL;
CREATE INDEX documents_by_order ON documents (order_id, id);

CREATE TRIGGER documents_never_change BEFORE UPDATE ON documents
BEGIN
    SELECT RAISE(ABORT, 'issued documents are kept as issued (JP-INV-4)');
END;
CREATE TRIGGER documents_never_deleted BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, 'issued documents are kept as issued (JP-INV-4)');
END;
