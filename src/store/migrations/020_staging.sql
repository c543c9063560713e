-- Issue 18 item 3: the staging subsystem (docs/DSS.md). Stripped copies of the durable tables, for
-- the decision-support warehouse. Only columns safe to leave the vault: ids, times, amounts in mills,
-- mail class, zone, ZIPs, statuses, plan names. Never a package, key, MAC, item bytes (signature),
-- password verifier, bank account (number, routing, last four), tax id (sealed or last four),
-- session or e-mail token, API key hash, name, address or e-mail. Written only by the owner role
-- (`vaultmeter staging run`), read by `vaultmeter_dss`, which has no grant on the vault schemas.

-- A meter, its customer's registration, its plan and its live license's status.
CREATE TABLE staging.meters (
  meter_id          uuid PRIMARY KEY,
  licensing_zip     text NOT NULL,
  status            text NOT NULL,
  sandbox           boolean NOT NULL,
  created_at        timestamptz NOT NULL,
  status_at         timestamptz,
  registered_at     timestamptz,
  plan              text,
  license_status    text
);

-- A printed item, its kind-specific facts decoded from the signed bytes (the bytes stay in the vault).
CREATE TABLE staging.items (
  item_id           text PRIMARY KEY,
  meter_id          uuid NOT NULL,
  item_serial       bigint NOT NULL,
  kind              text NOT NULL,
  amount_mills      bigint NOT NULL,
  created_at        timestamptz NOT NULL,
  refunded_at       timestamptz,
  test              boolean NOT NULL,
  rate_category     text,
  mail_class        text,
  zone              smallint,
  origin_zip        text,
  dest_zip5         text,
  weight_tenth_oz   integer
);
CREATE INDEX staging_items_meter ON staging.items (meter_id);

-- A verifier's scan. postal.verifications numbers its rows from a sequence that a recovery draws
-- afresh, so a scan is named by its content and its ordinal among equal scans.
CREATE TABLE staging.scans (
  item_id           text NOT NULL,
  at                timestamptz NOT NULL,
  location          text NOT NULL,
  valid             boolean NOT NULL,
  ordinal           integer NOT NULL,
  meter_id          uuid,
  PRIMARY KEY (item_id, at, location, valid, ordinal)
);

-- Every movement of money into or out of a meter that is not a print: an officer's funding, an ACH
-- or card funding request, a sandbox meter's test funding, a care adjustment, an account's closing.
-- funding_key is stable across a recovery (no sequence-drawn id).
CREATE TABLE staging.fundings (
  funding_key       text PRIMARY KEY,
  meter_id          uuid NOT NULL,
  source            text NOT NULL CHECK (source IN ('officer', 'ach', 'card', 'test', 'adjust', 'close')),
  amount_mills      bigint NOT NULL,
  at                timestamptz NOT NULL,
  status            text NOT NULL,
  settled_at        timestamptz,
  returned_at       timestamptz,
  owed_mills        bigint NOT NULL DEFAULT 0
);

-- A closed account's refund.
CREATE TABLE staging.account_refunds (
  meter_id          uuid PRIMARY KEY,
  refund_mills      bigint NOT NULL,
  owed_mills        bigint NOT NULL,
  state             text NOT NULL,
  closed_at         timestamptz NOT NULL,
  paid_at           timestamptz
);

-- A monthly invoice (its lines stay in the vault).
CREATE TABLE staging.invoices (
  invoice_id        uuid PRIMARY KEY,
  meter_id          uuid NOT NULL,
  month             text NOT NULL,
  plan              text NOT NULL,
  total_mills       bigint NOT NULL,
  issued_at         timestamptz NOT NULL
);

-- How far the last delta read each log: the head of each log_id in the delta's snapshot.
CREATE TABLE staging.watermarks (
  log_id            text PRIMARY KEY,
  seq               bigint NOT NULL CHECK (seq > 0),
  at                timestamptz NOT NULL
);

-- One row per delta that committed.
CREATE TABLE staging.deltas (
  delta_id          bigserial PRIMARY KEY,
  started_at        timestamptz NOT NULL,
  finished_at       timestamptz NOT NULL,
  from_position     jsonb NOT NULL,
  to_position       jsonb NOT NULL,
  full_copy         boolean NOT NULL,
  meters_touched    integer NOT NULL,
  rows_changed      bigint NOT NULL
);
