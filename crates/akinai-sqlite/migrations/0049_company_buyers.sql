-- Several buyers per company (issue #23 item 2; ADR 051). A member's part in the company
-- (`admin`: the applicant, manages the members and approves; `approver`; `buyer`), invitations
-- by e-mail (only the SHA-256 of the link's token is kept; the token is derived from `link_nonce`
-- under the server's key so the mail job can rebuild it), the amount above which a buyer's order
-- waits for an approver, and addresses a member shares with the company.
ALTER TABLE customers ADD COLUMN company_role TEXT;
UPDATE customers SET company_role = 'admin' WHERE company_id IS NOT NULL;
ALTER TABLE companies ADD COLUMN approval_over BIGINT CHECK (approval_over IS NULL OR approval_over >= 0);
CREATE TABLE company_invites (
    id           INTEGER PRIMARY KEY,
    company_id   BIGINT  NOT NULL REFERENCES companies(id),
    token_hash   TEXT    NOT NULL UNIQUE,
    link_nonce   TEXT    NOT NULL,
    email        TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('approver', 'buyer')),
    invited_by   BIGINT  NOT NULL REFERENCES customers(id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    accepted_by  BIGINT  REFERENCES customers(id),
    accepted_at  INTEGER
);
CREATE INDEX company_invites_of ON company_invites (company_id, id);
ALTER TABLE customer_addresses ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
