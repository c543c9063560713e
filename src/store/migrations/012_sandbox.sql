-- Issue 14 item 1: test mode. A sandbox meter's items carry the test flag in their signed bytes and
-- never verify as postage; it holds only test value, which its customer credits with `test_fund`.
-- Both are ledger state: `sandbox` is written only by the `meter_sandboxed` effect (derived from the
-- module's MAC'd registerComplete answer, never declared by the server) and is never cleared;
-- test_fundings only by `test_funded`. The amounts that count are in the meter package.

ALTER TABLE postal.meters ADD COLUMN sandbox boolean NOT NULL DEFAULT false;

CREATE TABLE postal.test_fundings (
  test_funding_id    bigserial PRIMARY KEY,
  meter_id           uuid NOT NULL REFERENCES postal.meters (meter_id),
  amount_mills       bigint NOT NULL CHECK (amount_mills > 0),
  at                 timestamptz NOT NULL
);
CREATE INDEX test_fundings_meter ON postal.test_fundings (meter_id, at);
