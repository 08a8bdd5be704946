-- The audit trail (IPA-C-12, IPA-C-13): append-only, each entry chained to the previous one by
-- SHA-256 (akinai_domain::audit). Updates and deletes are refused by a trigger; an edit made
-- around it is still found by `akinai audit verify`.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    ip          TEXT,
    request_id  TEXT,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_by_action ON audit_log (action, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
