-- Issue 14 item 1: several users per account. An account is its owner's meter; a member logs in as
-- `<owner>+<member>` with credentials the module keeps in the member's slot of the package. These
-- rows are ledger state, written only by the effects `member_invited`, `member_joined`,
-- `member_removed` and `member_locked`: the server's view of the slots, for listing and for
-- resolving a login. The invitation code is never here (the package keeps only its hash).

CREATE TABLE membership.account_members (
  meter_id           uuid NOT NULL REFERENCES postal.meters (meter_id),
  member             text NOT NULL CHECK (member ~ '^[A-Za-z0-9._@-]{1,32}$'),
  role               text NOT NULL CHECK (role IN ('shipper', 'viewer')),
  status             text NOT NULL CHECK (status IN ('invited', 'active', 'locked', 'removed')),
  -- Where the invitation went; NULL when the owner handed the code over themselves.
  email              text,
  invited_at         timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL,
  joined_at          timestamptz,
  -- The slot left the package; a name removed may be invited again (the row is then reused).
  removed_at         timestamptz,
  PRIMARY KEY (meter_id, member)
);

-- A member's session names the member; NULL is the owner's (not ledger state, like every session).
ALTER TABLE membership.sessions ADD COLUMN member text;
