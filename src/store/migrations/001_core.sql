-- Schemas follow the patent's database subsystem, so each can move to its own database later.
CREATE SCHEMA IF NOT EXISTS postal;
CREATE SCHEMA IF NOT EXISTS membership;
CREATE SCHEMA IF NOT EXISTS provider;
CREATE SCHEMA IF NOT EXISTS commerce;
CREATE SCHEMA IF NOT EXISTS support;
CREATE SCHEMA IF NOT EXISTS staging;

-- Meters: public certificate, and the sealed package (only a module can open it).
CREATE TABLE postal.meters (
  meter_id         uuid PRIMARY KEY,
  cert_serial      text NOT NULL UNIQUE,
  certificate_pem  text NOT NULL,
  package          bytea NOT NULL,
  package_version  bigint NOT NULL CHECK (package_version > 0),
  licensing_zip    text NOT NULL,
  assigned         boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meters_unassigned ON postal.meters (created_at) WHERE NOT assigned;

CREATE TABLE postal.modules (
  serial           text PRIMARY KEY,
  certificate_pem  text NOT NULL,
  state            text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'inhibited', 'retired')),
  first_seen_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE postal.items (
  item_id          text PRIMARY KEY,
  meter_id         uuid NOT NULL REFERENCES postal.meters (meter_id),
  item_serial      bigint NOT NULL,
  kind             text NOT NULL,
  amount_mills     bigint NOT NULL CHECK (amount_mills > 0),
  item_bytes       bytea NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  refunded_at      timestamptz,
  UNIQUE (meter_id, item_serial)
);

-- A retried POST with the same key returns the first answer.
CREATE TABLE postal.idempotency (
  scope            text NOT NULL,
  idem_key         text NOT NULL,
  request_sha256   bytea NOT NULL,
  status_code      integer NOT NULL,
  response         jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, idem_key)
);

CREATE TABLE membership.customers (
  customer_id      bigserial PRIMARY KEY,
  username         text NOT NULL UNIQUE,
  meter_id         uuid NOT NULL UNIQUE REFERENCES postal.meters (meter_id),
  registered_at    timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- Sessions hold only a hash of the bearer token.
CREATE TABLE membership.sessions (
  token_sha256     bytea PRIMARY KEY,
  customer_id      bigint NOT NULL REFERENCES membership.customers (customer_id),
  expires_at       timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_customer ON membership.sessions (customer_id);

CREATE TABLE membership.officers (
  officer_id       bigserial PRIMARY KEY,
  username         text NOT NULL UNIQUE,
  password_hash    text NOT NULL,
  role             text NOT NULL CHECK (role IN ('security_officer', 'operator')),
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- Operator actions, append-only for the application.
CREATE TABLE support.operator_actions (
  action_id        bigserial PRIMARY KEY,
  officer          text NOT NULL,
  action           text NOT NULL,
  meter_id         uuid,
  detail           jsonb NOT NULL DEFAULT '{}'::jsonb,
  at               timestamptz NOT NULL DEFAULT now()
);
