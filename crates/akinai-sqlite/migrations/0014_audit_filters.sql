-- Filters of the admin's audit list (admin issue, item 4): by who and by what.
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_by_target ON audit_log (target, seq);
