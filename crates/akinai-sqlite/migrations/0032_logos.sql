-- The shop's logo for 帳票 (issue 19): every uploaded version is kept under the SHA-256 of its
-- re-encoded bytes and never changed or deleted, so a kept invoice that names a logo draws the
-- same picture years later (JP-INV-4) even after the shop changes or removes its logo. In the
-- database like product images (ADR 014): every node sees it, a backup holds it.
CREATE TABLE logos (
    hash          TEXT    PRIMARY KEY,
    content_type  TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    bytes         BLOB    NOT NULL,
    uploaded_at   INTEGER NOT NULL
);
CREATE TRIGGER logos_are_kept_unchanged BEFORE UPDATE ON logos
BEGIN SELECT RAISE(ABORT, 'logos are kept unchanged'); END;
CREATE TRIGGER logos_are_kept BEFORE DELETE ON logos
BEGIN SELECT RAISE(ABORT, 'logos are kept'); END;
