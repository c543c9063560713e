-- Issue 14 item 4: customers' bank accounts for ACH debits (ledger state: written only by the
-- `bank_account_added` and `bank_account_removed` effects). The account number is never here in
-- clear: `sealed` is a module's envelope (AES-256-GCM under a subkey of the domain package key, the
-- user name, account id and routing number as associated data); `last4` is what customers are shown.

CREATE TABLE membership.bank_accounts (
  bank_account_id    uuid PRIMARY KEY,
  customer_id        bigint NOT NULL REFERENCES membership.customers (customer_id),
  routing            char(9) NOT NULL CHECK (routing ~ '^[0-9]{9}$'),
  account_type       text NOT NULL CHECK (account_type IN ('checking', 'savings')),
  holder_name        text NOT NULL,
  last4              text NOT NULL CHECK (char_length(last4) = 4),
  sealed             bytea NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  -- Set by `bank_account_removed`; the row stays, so a debit already filed still names its account.
  removed_at         timestamptz
);
CREATE INDEX bank_accounts_customer ON membership.bank_accounts (customer_id) WHERE removed_at IS NULL;
