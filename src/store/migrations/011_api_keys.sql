-- Issue 14 item 1: API keys for integrators (ledger state: written only by the `api_key_created`
-- and `api_key_revoked` effects, except last_used_at). The key itself is never here: key_sha256 is
-- the SHA-256 of its text, which the client drew and showed its owner once. A key belongs to a
-- meter (the ledger names meters, not the surrogate customer_id), and through it to its customer.

CREATE TABLE membership.api_keys (
  key_id             uuid PRIMARY KEY,
  meter_id           uuid NOT NULL REFERENCES postal.meters (meter_id),
  key_sha256         bytea NOT NULL CHECK (octet_length(key_sha256) = 32),
  scopes             text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['balance', 'print', 'refund', 'fund']),
  created_at         timestamptz NOT NULL,
  -- NULL: until revoked.
  expires_at         timestamptz,
  -- Set by `api_key_revoked`; the row stays, so a listing still shows the key and when it ended.
  revoked_at         timestamptz,
  -- Not ledger state: a hint for the customer, written at most once a minute per key, and started afresh by a recovery.
  last_used_at       timestamptz
);
CREATE INDEX api_keys_meter ON membership.api_keys (meter_id);
