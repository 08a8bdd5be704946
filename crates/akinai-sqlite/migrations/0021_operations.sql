-- Operating the shop (operations issue): the maintenance switch every node reads (one row when
-- on), and the record of backup and verify runs for the dashboard and the backup alert.
CREATE TABLE maintenance (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    message  TEXT    NOT NULL,
    set_by   TEXT    NOT NULL,
    since    INTEGER NOT NULL
);

CREATE TABLE backup_runs (
    id      INTEGER PRIMARY KEY,
    kind    TEXT    NOT NULL CHECK (kind IN ('backup', 'verify')),
    at      INTEGER NOT NULL,
    ok      BOOLEAN NOT NULL,
    file    TEXT    NOT NULL,
    bytes   INTEGER NOT NULL,
    millis  INTEGER NOT NULL,
    detail  TEXT    NOT NULL
);
CREATE INDEX backup_runs_latest ON backup_runs (kind, ok, at);
