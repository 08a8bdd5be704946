-- The incident register (operations issue, item 4; IPA-M-5, JP-APPI-3): what happened, what it
-- affects, when the shop found out (APPI's report clock starts there), the actions taken, and
-- the closing record. Nothing here is ever deleted.
CREATE TABLE incidents (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT    NOT NULL
                   CHECK (kind IN ('unauthorised_access', 'tampering', 'leak', 'outage', 'other')),
    affected       TEXT    NOT NULL,
    personal_data  BOOLEAN NOT NULL,
    found_at       TIMESTAMPTZ NOT NULL,
    opened_at      TIMESTAMPTZ NOT NULL,
    opened_by      TEXT    NOT NULL,
    closed_at      TIMESTAMPTZ,
    closed_by      TEXT,
    record         TEXT
);

CREATE TABLE incident_actions (
    id           BIGSERIAL PRIMARY KEY,
    incident_id  BIGINT NOT NULL REFERENCES incidents(id),
    at           TIMESTAMPTZ NOT NULL,
    taken_by     TEXT    NOT NULL,
    text         TEXT    NOT NULL
);
CREATE INDEX incident_actions_by_incident ON incident_actions (incident_id, at);
