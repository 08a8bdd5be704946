-- Per-person grants (admin issue, item 3): capability names an owner granted this admin on top
-- of the role, separated by spaces; only names the domain lists as grantable take effect.
ALTER TABLE admins ADD COLUMN grants TEXT NOT NULL DEFAULT '';
