-- Named task leases (issue 21, ADR 040): one row per scheduled task that one node at a time
-- runs once per slot (a day's backup, a minute's payment reconciliation).
CREATE TABLE task_leases (
    name        TEXT    PRIMARY KEY,
    holder      TEXT    NOT NULL,
    lease_until INTEGER NOT NULL,
    done_slot   TEXT    NOT NULL DEFAULT ''
);
