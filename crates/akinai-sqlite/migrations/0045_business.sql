-- Business customers (issue #23, item 2): a member's application for a business account, kept
-- as the company once approved (or turned down). One open application per member: the partial
-- unique index refuses a second while one is pending or approved. An approved company's member
-- points at it and is put into the group chosen on approval.
CREATE TABLE companies (
    id             INTEGER PRIMARY KEY,
    name           TEXT   NOT NULL,
    department     TEXT   NOT NULL DEFAULT '',
    invoice_number TEXT,
    status         TEXT   NOT NULL,
    applicant_id   BIGINT NOT NULL REFERENCES customers(id),
    group_id       BIGINT REFERENCES customer_groups(id),
    applied_at     INTEGER NOT NULL,
    decided_at     INTEGER,
    decided_by     TEXT
);
CREATE UNIQUE INDEX companies_open_by_applicant ON companies (applicant_id)
    WHERE status IN ('pending', 'approved');
CREATE INDEX companies_by_status ON companies (status, id);
-- No foreign key back to companies: companies already refers to customers, and a reference each
-- way would be a circle `akinai store copy` cannot order (ADR 041). The approval sets it in the
-- same transaction that approves the company.
ALTER TABLE customers ADD COLUMN company_id BIGINT;
