-- Issue 14: self-service funding by ACH debit, in the patent's e-commerce subsystem. Both tables are
-- ledger state, written only by the funding_* and ach_file_* effects (src/store/apply-effect.ts).
-- The amounts that count are in the meter packages: these rows say where each debit stands.

CREATE TABLE commerce.ach_files (
  file_id            uuid PRIMARY KEY,
  created_at         timestamptz NOT NULL,
  odfi               char(8) NOT NULL,
  first_sequence     integer NOT NULL CHECK (first_sequence BETWEEN 1 AND 9999999),
  entry_count        integer NOT NULL CHECK (entry_count > 0),
  total_mills        bigint NOT NULL CHECK (total_mills > 0),
  -- Set when the file reached the bank outbox: the SHA-256 of its exact bytes.
  sha256             text,
  target             text,
  delivered_at       timestamptz,
  UNIQUE (odfi, first_sequence)
);

CREATE TABLE commerce.funding_requests (
  request_id         text PRIMARY KEY CHECK (request_id ~ '^[0-9a-f]{32}$'),
  meter_id           uuid NOT NULL REFERENCES postal.meters (meter_id),
  bank_account_id    uuid NOT NULL,
  amount_mills       bigint NOT NULL CHECK (amount_mills > 0),
  -- The module's seal over (meter, request, account, amount): the file builder opens the account only with it.
  debit_authorization bytea NOT NULL,
  -- requested: waits for the next NACHA file; filed: in a file, waiting for the hold; settled: the
  -- value is in the meter; returned: the bank sent it back (before or after settlement).
  status             text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'filed', 'settled', 'returned')),
  requested_at       timestamptz NOT NULL,
  file_id            uuid REFERENCES commerce.ach_files (file_id),
  -- ODFI (8 digits) + a 7-digit sequence: how a returns file names the entry.
  trace_number       char(15) UNIQUE,
  filed_at           timestamptz,
  settled_at         timestamptz,
  returned_at        timestamptz,
  return_code        text,
  -- What the customer owes: the amount, when the return came after settlement.
  owed_mills         bigint NOT NULL DEFAULT 0 CHECK (owed_mills >= 0)
);
CREATE INDEX funding_requests_meter ON commerce.funding_requests (meter_id, requested_at DESC);
CREATE INDEX funding_requests_open ON commerce.funding_requests (status, requested_at) WHERE status IN ('requested', 'filed');
