-- Rate bundles submitted for installation (a rate table and its zone data, as canonical JSON),
-- kept until a second security officer approves the install and the modules take them. The
-- modules check the SHA-256 that two officers signed, so a row changed here is refused, not used.
-- Not ledger state: a recovered installation's pending install is submitted again.
CREATE TABLE postal.rate_bundles (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  rate_table_id text NOT NULL,
  bundle text NOT NULL,
  submitted_by text NOT NULL,
  submitted_at timestamptz NOT NULL DEFAULT now()
);

-- Installing a rate table is a dual-control act like clearing the halt.
ALTER TABLE support.approvals DROP CONSTRAINT approvals_action_check;
ALTER TABLE support.approvals ADD CONSTRAINT approvals_action_check CHECK (action IN ('clear_halt', 'reinstate_module', 'install_rates'));
