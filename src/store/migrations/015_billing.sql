-- Issue 14 item 5: pricing plans and monthly invoices for the vendor's fees. Ledger state: written
-- only by the `plan_selected` and `invoice_issued` effects (src/store/apply-effect.ts).

-- The plan a customer chose; a customer without a row is on the default plan (src/payments/plans.ts).
CREATE TABLE commerce.customer_plans (
  meter_id       uuid PRIMARY KEY REFERENCES postal.meters (meter_id),
  plan           text NOT NULL CHECK (plan IN ('pay_as_you_go', 'standard', 'business')),
  selected_at    timestamptz NOT NULL
);

-- One invoice per meter and month: the plan in force when the month was invoiced, its lines, the total.
CREATE TABLE commerce.invoices (
  invoice_id     uuid PRIMARY KEY,
  meter_id       uuid NOT NULL REFERENCES postal.meters (meter_id),
  month          text NOT NULL CHECK (month ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  plan           text NOT NULL,
  lines          jsonb NOT NULL,
  total_mills    bigint NOT NULL CHECK (total_mills >= 0),
  issued_at      timestamptz NOT NULL,
  UNIQUE (meter_id, month)
);
