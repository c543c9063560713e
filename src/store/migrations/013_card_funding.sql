-- Issue 14 item 4, cards: a funding request is an ACH debit (a bank account on file, the module's
-- debit authorization) or a card payment through Stripe (the PaymentMethod the customer's MAC named,
-- and the PaymentIntent that charged it). Still ledger state, written only by the funding_* effects.

ALTER TABLE commerce.funding_requests
  ADD COLUMN method text NOT NULL DEFAULT 'ach' CHECK (method IN ('ach', 'card')),
  -- A Stripe PaymentMethod id (pm_...), for a card payment.
  ADD COLUMN payment_method text,
  -- The Stripe PaymentIntent that charged it (pi_...), set when it settled or failed: how a dispute
  -- or a refund names the request.
  ADD COLUMN payment_intent_id text UNIQUE,
  ALTER COLUMN bank_account_id DROP NOT NULL,
  ALTER COLUMN debit_authorization DROP NOT NULL,
  ADD CONSTRAINT funding_requests_method_terms CHECK (
    (method = 'ach' AND bank_account_id IS NOT NULL AND debit_authorization IS NOT NULL AND payment_method IS NULL)
    OR (method = 'card' AND bank_account_id IS NULL AND payment_method IS NOT NULL AND trace_number IS NULL)
  );
