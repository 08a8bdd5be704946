-- Alert mails are jobs; a dedup key lets a flood of events enqueue one mail per kind and hour.
ALTER TABLE jobs ADD COLUMN dedup_key TEXT;
CREATE UNIQUE INDEX jobs_dedup ON jobs (dedup_key) WHERE dedup_key IS NOT NULL;

-- Approved theme manifests (IPA-C-14): append-only; the newest is current.
CREATE TABLE theme_manifests (
    id           BIGSERIAL PRIMARY KEY,
    files        TEXT        NOT NULL,
    approved_at  TIMESTAMPTZ NOT NULL,
    approved_by  TEXT        NOT NULL
);

-- Reasons checkout is closed; open while acknowledged_at is null (one open hold per reason).
CREATE TABLE checkout_holds (
    id               BIGSERIAL PRIMARY KEY,
    reason           TEXT        NOT NULL,
    detail           TEXT        NOT NULL,
    raised_at        TIMESTAMPTZ NOT NULL,
    acknowledged_at  TIMESTAMPTZ,
    acknowledged_by  TEXT
);
CREATE UNIQUE INDEX checkout_holds_open ON checkout_holds (reason) WHERE acknowledged_at IS NULL;
