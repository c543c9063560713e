-- Issue 14 item 2: customer care. A `support` officer role; the care acts as dual-control requests;
-- the last password reset of each meter (the module's sealed answer, for the customer's client to
-- pick up); and the refund a closed account is owed. Ledger state: written only by the
-- `password_reset` and `account_closed` effects (src/store/apply-effect.ts), except a refund's payment.

ALTER TABLE membership.officers DROP CONSTRAINT officers_role_check;
ALTER TABLE membership.officers ADD CONSTRAINT officers_role_check CHECK (role IN ('security_officer', 'operator', 'support'));

ALTER TABLE support.approvals DROP CONSTRAINT approvals_action_check;
ALTER TABLE support.approvals ADD CONSTRAINT approvals_action_check
  CHECK (action IN ('clear_halt', 'reinstate_module', 'install_rates', 'reset_password', 'adjust_balance', 'close_account'));

-- One row per meter: a newer reset replaces the older (its password no longer opens the meter).
-- sealed_password opens only with the customer's client MAC key; nothing here logs anyone in.
CREATE TABLE membership.password_resets (
  meter_id         uuid PRIMARY KEY REFERENCES postal.meters (meter_id),
  reset_nonce      bytea NOT NULL CHECK (octet_length(reset_nonce) = 32),
  sealed_password  bytea NOT NULL CHECK (octet_length(sealed_password) BETWEEN 28 AND 128),
  reason           text NOT NULL,
  officers         text[] NOT NULL CHECK (cardinality(officers) = 2),
  reset_at         timestamptz NOT NULL
);

-- A closed account: what its customer is owed back (the balance less returned debits still owed).
CREATE TABLE commerce.account_refunds (
  meter_id         uuid PRIMARY KEY REFERENCES postal.meters (meter_id),
  refund_mills     bigint NOT NULL CHECK (refund_mills >= 0),
  owed_mills       bigint NOT NULL CHECK (owed_mills >= 0),
  reason           text NOT NULL,
  officers         text[] NOT NULL CHECK (cardinality(officers) = 2),
  closed_at        timestamptz NOT NULL,
  -- 'payable' until a payment is recorded; 'none' when nothing was left to pay back.
  state            text NOT NULL CHECK (state IN ('payable', 'paid', 'none')),
  paid_at          timestamptz
);
CREATE INDEX account_refunds_payable ON commerce.account_refunds (closed_at) WHERE state = 'payable';
