-- Security events: CSP violation reports now; logins, locks and factor changes later.
CREATE TABLE security_events (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    source_ip  TEXT,
    detail     TEXT    NOT NULL
);
CREATE INDEX security_events_by_kind ON security_events (kind, at);
