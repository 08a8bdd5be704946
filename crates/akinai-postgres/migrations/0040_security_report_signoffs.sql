-- The monthly security report's sign-off at the security meeting (issue #22, item 4): who signed
-- which month, when, what was decided, and the self-assessment's failing requirements then (the
-- next month's report shows what changed since). Append-only; the month's latest counts.
CREATE TABLE security_report_signoffs (
    id         BIGSERIAL PRIMARY KEY,
    month      TEXT        NOT NULL,
    signed_by  TEXT        NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    note       TEXT        NOT NULL,
    failing    TEXT        NOT NULL
);
CREATE INDEX security_report_signoffs_by_month ON security_report_signoffs (month, id);
