-- The shop's logo for 帳票 (issue 19): every uploaded version is kept under the SHA-256 of its
-- re-encoded bytes and never changed or deleted, so a kept invoice that names a logo draws the
-- same picture years later (JP-INV-4) even after the shop changes or removes its logo. In the
-- database like product images (ADR 014): every node sees it, a backup holds it.
CREATE TABLE logos (
    hash          TEXT    PRIMARY KEY,
    content_type  TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    width         BIGINT  NOT NULL,
    height        BIGINT  NOT NULL,
    bytes         BYTEA   NOT NULL,
    uploaded_at   TIMESTAMPTZ NOT NULL
);
CREATE FUNCTION logos_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'logos are kept unchanged';
END;
$$;
CREATE TRIGGER logos_never_change BEFORE UPDATE OR DELETE ON logos
    FOR EACH ROW EXECUTE FUNCTION logos_are_kept();
