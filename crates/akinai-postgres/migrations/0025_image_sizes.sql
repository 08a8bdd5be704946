-- Product images scaled for phones (performance issue, item 4): each image at the widths of
-- `IMAGE_WIDTHS`, made from the stored original the first time a page asks for it and kept beside
-- it (deleted with it).
CREATE TABLE product_image_sizes (
    name          TEXT    NOT NULL REFERENCES product_images(name) ON DELETE CASCADE,
    width         INTEGER NOT NULL,
    content_type  TEXT    NOT NULL,
    bytes         BYTEA   NOT NULL,
    PRIMARY KEY (name, width)
);
