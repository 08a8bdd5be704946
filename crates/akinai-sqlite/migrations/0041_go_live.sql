-- The go-live gate (issue #22, item 5). The vulnerability diagnosis done before going live
-- (IPA-C-3): when, by whom, with what tool, what it found and what was fixed. And the owner's
-- recorded exceptions to a blocking self-assessment failure, each with its reason; a withdrawal is
-- a new record (`withdrawn`), so nothing here is changed or deleted and the newest record of a
-- requirement counts.
CREATE TABLE vulnerability_diagnoses (
    id           INTEGER PRIMARY KEY,
    performed_on TEXT    NOT NULL,
    performer    TEXT    NOT NULL,
    tool         TEXT    NOT NULL,
    findings     TEXT    NOT NULL,
    fixes        TEXT    NOT NULL,
    recorded_by  TEXT    NOT NULL,
    at           INTEGER NOT NULL
);
CREATE TABLE go_live_exceptions (
    id           INTEGER PRIMARY KEY,
    requirement  TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    withdrawn    BOOLEAN NOT NULL,
    recorded_by  TEXT    NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX go_live_exceptions_by_requirement ON go_live_exceptions (requirement, id);
