-- Security events: CSP violation reports now; logins, locks and factor changes later.
CREATE TABLE security_events (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT        NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    source_ip  TEXT,
    detail     TEXT        NOT NULL
);
CREATE INDEX security_events_by_kind ON security_events (kind, at);
