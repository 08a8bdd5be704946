-- The audit trail (IPA-C-12, IPA-C-13): append-only, each entry chained to the previous one by
-- SHA-256 (akinai_domain::audit). Updates and deletes are refused by triggers; an edit made
-- around them is still found by `akinai audit verify`.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at_us       INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    ip          TEXT,
    request_id  TEXT,
    detail      TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_log_by_action ON audit_log (action, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
