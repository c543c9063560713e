-- The patent's cryptographic module table: each module's latest checkpoint, MAC'd by the module.
ALTER TABLE postal.modules
  ADD COLUMN checkpoint        bytea,
  ADD COLUMN checkpoint_mac    bytea,
  ADD COLUMN checkpoint_seq    bigint NOT NULL DEFAULT 0,
  ADD COLUMN checkpoint_at     timestamptz,
  ADD COLUMN checkpoint_type   text,
  ADD COLUMN checkpoint_value_mills bigint,
  ADD COLUMN inhibited_at      timestamptz,
  ADD COLUMN inhibited_reason  text;

-- One row: whether meter commands are halted, and why.
CREATE TABLE postal.system_state (
  id           boolean PRIMARY KEY DEFAULT true CHECK (id),
  halted       boolean NOT NULL DEFAULT false,
  halted_at    timestamptz,
  halt_reason  text
);
INSERT INTO postal.system_state (id) VALUES (true);

-- Append-only audit trail: checkpoint recoveries, discarded transactions, inhibitions, halts, approvals.
CREATE TABLE support.audit_events (
  event_id       bigserial PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT now(),
  kind           text NOT NULL,
  module_serial  text,
  meter_id       uuid,
  actor          text,
  detail         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_kind ON support.audit_events (kind, at);

-- Dual control: one officer requests, a different one approves.
CREATE TABLE support.approvals (
  approval_id    bigserial PRIMARY KEY,
  action         text NOT NULL CHECK (action IN ('clear_halt', 'reinstate_module')),
  params         jsonb NOT NULL DEFAULT '{}'::jsonb,
  requested_by   text NOT NULL,
  requested_at   timestamptz NOT NULL DEFAULT now(),
  decided_by     text,
  decided_at     timestamptz,
  state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
  CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
