-- API tokens (issue 20, item 2): created by an owner (or an operator at the command line), shown
-- once, stored as the SHA-256 of the token (256 random bits: a password hash adds nothing), the
-- first characters kept visible to identify it. Revoked, never deleted (the audit trail names it).
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    prefix        TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    scopes        TEXT    NOT NULL,
    allowed_ips   TEXT    NOT NULL DEFAULT '',
    expires_at    INTEGER,
    created_at    INTEGER NOT NULL,
    created_by    TEXT    NOT NULL,
    revoked_at    INTEGER,
    revoked_by    TEXT,
    last_used_at  INTEGER,
    last_used_ip  TEXT
);
