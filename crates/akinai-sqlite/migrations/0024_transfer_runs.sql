-- Imports started in the admin (CSV issue, item 5; ADR 027): the run, its state and report, and
-- the uploaded files in chunks (part 0 the CSV, part 1 a zip of images; in the database, so any
-- node's worker can read them). The chunks are
-- deleted once the run is applied or failed, and after a day in any case.
CREATE TABLE transfer_runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('products', 'customers')),
    file_name   TEXT    NOT NULL,
    file_bytes  INTEGER NOT NULL DEFAULT 0,
    images_bytes INTEGER NOT NULL DEFAULT 0,
    options     TEXT    NOT NULL,
    state       TEXT    NOT NULL
                CHECK (state IN ('uploading', 'planning', 'planned', 'applying', 'applied', 'failed')),
    rows_done   INTEGER NOT NULL DEFAULT 0,
    bytes_done  INTEGER NOT NULL DEFAULT 0,
    summary     TEXT,
    report      TEXT,
    error       TEXT,
    created_by  TEXT    NOT NULL,
    created_ip  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX transfer_runs_by_kind ON transfer_runs (kind, id);

CREATE TABLE transfer_chunks (
    run_id  INTEGER NOT NULL REFERENCES transfer_runs(id) ON DELETE CASCADE,
    part    INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    data    BLOB    NOT NULL,
    PRIMARY KEY (run_id, part, seq)
);
