-- Product images (admin issue, item 5; CCSG-V-2): re-encoded pictures kept in the database under
-- random names, so no upload ever lands in a directory a web server serves, every node of a
-- PostgreSQL deployment sees the same files, and a database backup holds them (ADR 014).
CREATE TABLE product_images (
    id            BIGSERIAL PRIMARY KEY,
    product_id    BIGINT  NOT NULL REFERENCES products(id),
    name          TEXT    NOT NULL UNIQUE,
    content_type  TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    width         BIGINT  NOT NULL,
    height        BIGINT  NOT NULL,
    bytes         BYTEA   NOT NULL,
    position      BIGINT  NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX product_images_by_product ON product_images (product_id, position);
