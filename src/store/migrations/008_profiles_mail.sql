-- Issue 14: the customer's profile (ledger state: written only by the `profile_updated` and
-- `email_verified` effects), the one-time e-mail verification tokens and the mail outbox (neither
-- is ledger state; see docs/ARCHITECTURE.md, "Ledger effects").

CREATE TABLE membership.profiles (
  customer_id        bigint PRIMARY KEY REFERENCES membership.customers (customer_id),
  name               text NOT NULL DEFAULT '',
  company            text NOT NULL DEFAULT '',
  -- {street, secondary, city, state, zip}: the schema of `profile_updated` bounds each field.
  address            jsonb NOT NULL DEFAULT '{}'::jsonb,
  email              text,
  -- Reset to NULL whenever the address changes; set only by `email_verified` for that same address.
  email_verified_at  timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (email_verified_at IS NULL OR email IS NOT NULL)
);

-- Only the SHA-256 of a token is kept; the token itself travels once, in the verification mail.
CREATE TABLE membership.email_tokens (
  token_sha256       bytea PRIMARY KEY,
  customer_id        bigint NOT NULL REFERENCES membership.customers (customer_id),
  email              text NOT NULL,
  expires_at         timestamptz NOT NULL,
  used_at            timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_tokens_customer ON membership.email_tokens (customer_id);

-- Mail waiting to go out over SMTP, and what became of it. Rows are enqueued in the transaction of
-- the change that causes them; the delivery worker claims due rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE support.mail_outbox (
  mail_id            bigserial PRIMARY KEY,
  to_address         text NOT NULL,
  subject            text NOT NULL,
  text_body          text NOT NULL,
  html_body          text,
  kind               text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  attempts           integer NOT NULL DEFAULT 0,
  next_attempt_at    timestamptz NOT NULL DEFAULT now(),
  sent_at            timestamptz,
  last_error         text,
  state              text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed'))
);
CREATE INDEX mail_outbox_due ON support.mail_outbox (next_attempt_at, mail_id) WHERE state = 'pending';
CREATE INDEX mail_outbox_state ON support.mail_outbox (state, mail_id);
