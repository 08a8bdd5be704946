-- 棚番 (issue 19, picking list): where a SKU is kept in the shop's stock room, so the picking
-- list walks the shelves in order (location, then SKU code). Empty until the shop sets one.
ALTER TABLE skus ADD COLUMN location TEXT NOT NULL DEFAULT '';
