-- Issued documents (帳票, issue 19; JP-INV-4): an invoice is kept as the content it was issued
-- with (JSON), numbered by its id, for seven years and more. Nothing changes or deletes one: a
-- correction is a new document that names the one it corrects.
CREATE TABLE documents (
    id         BIGSERIAL PRIMARY KEY,
    order_id   BIGINT  NOT NULL REFERENCES orders(id),
    kind       TEXT    NOT NULL CHECK (kind IN ('invoice', 'delivery_slip')),
    corrects   BIGINT REFERENCES documents(id),
    issued_at  TIMESTAMPTZ NOT NULL,
    issued_by  TEXT    NOT NULL,
    content    TEXT    NOT NULL
);
-- One original of each kind per order; corrections come after it.
CREATE UNIQUE INDEX documents_original ON documents (order_id, kind) WHERE corrects IS NULL;
CREATE INDEX documents_by_order ON documents (order_id, id);

CREATE FUNCTION documents_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'issued documents are kept as issued (JP-INV-4)';
END
$$;
CREATE TRIGGER documents_never_change BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_are_kept();
