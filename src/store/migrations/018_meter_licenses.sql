-- Issue 18 item 1: meter licenses and meter movement, the provider subsystem's records for the
-- postal authority. Ledger state, written only by the effects `license_issued`,
-- `license_status_changed` and `meter_moved`. A customer's tax id is here only sealed by a module
-- (bound to the meter and the license number) and as its last four digits.

CREATE TABLE provider.meter_licenses (
  license_number     text PRIMARY KEY CHECK (license_number ~ '^VM-[0-9]{4}-[0-9A-F]{8}$'),
  meter_id           uuid NOT NULL REFERENCES postal.meters (meter_id),
  licensing_zip      text NOT NULL CHECK (licensing_zip ~ '^[0-9]{5}$'),
  tax_id_sealed      bytea NOT NULL,
  tax_id_last4       text NOT NULL CHECK (tax_id_last4 ~ '^[0-9]{4}$'),
  status             text NOT NULL CHECK (status IN ('issued', 'suspended', 'revoked')),
  status_reason      text,
  issued_by          text NOT NULL,
  issued_at          timestamptz NOT NULL,
  status_at          timestamptz NOT NULL
);
-- One live license per meter; a revoked one stays, and a new one may follow it.
CREATE UNIQUE INDEX meter_licenses_live ON provider.meter_licenses (meter_id) WHERE status <> 'revoked';

-- A change of the meter's licensing ZIP: the customer's MAC'd `move`, carried out by a module.
CREATE TABLE provider.meter_movements (
  meter_id           uuid NOT NULL REFERENCES postal.meters (meter_id),
  moved_at           timestamptz NOT NULL,
  from_zip           text NOT NULL CHECK (from_zip ~ '^[0-9]{5}$'),
  to_zip             text NOT NULL CHECK (to_zip ~ '^[0-9]{5}$'),
  PRIMARY KEY (meter_id, moved_at, to_zip)
);
