-- Issue 11 item 1: an officer removed on two security officers' signatures. The modules refuse the
-- name's signatures for good (each keeps the removal on its own disk); this column only ends the
-- officer's logins. Ledger state, written only by the `officer_removed` effect.

ALTER TABLE membership.officers ADD COLUMN removed_at timestamptz;
