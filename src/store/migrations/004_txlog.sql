-- The transaction log (DESIGN.md "Recovery"): one record per state change, written in the same
-- transaction as the change. Each module keeps its own log (log_id = module serial), hash-chained;
-- the module signs the chain head at the end of every dispatch. The application may only append.
CREATE TABLE postal.txlog (
  log_id          text NOT NULL,
  seq             bigint NOT NULL CHECK (seq > 0),
  at              timestamptz NOT NULL,
  type            text NOT NULL,
  meter_id        uuid,
  version_after   bigint NOT NULL DEFAULT 0,
  hash            bytea NOT NULL CHECK (length(hash) = 32),
  header          bytea NOT NULL,
  body            bytea NOT NULL,
  head_signature  bytea,
  PRIMARY KEY (log_id, seq)
);
CREATE INDEX txlog_signed_heads ON postal.txlog (log_id, seq) WHERE head_signature IS NOT NULL;
-- The audit verifier walks each meter's records in package-version order, across the module logs.
CREATE INDEX txlog_meter_versions ON postal.txlog (meter_id, version_after) WHERE meter_id IS NOT NULL;

-- Segments the shipper has cut: each ends at a signed head and is named by its range.
CREATE TABLE postal.txlog_segments (
  log_id      text NOT NULL,
  first_seq   bigint NOT NULL,
  last_seq    bigint NOT NULL CHECK (last_seq >= first_seq),
  object_key  text NOT NULL UNIQUE,
  records     integer NOT NULL,
  bytes       bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (log_id, first_seq)
);

-- How far each target has received each log (the shipper resumes from here).
CREATE TABLE postal.txlog_shipped (
  target      text NOT NULL,
  log_id      text NOT NULL,
  last_seq    bigint NOT NULL,
  shipped_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target, log_id)
);

-- The real-time audit verifier's view of each meter: the registers after its last shipped record.
CREATE TABLE postal.txlog_continuity (
  meter_id        uuid PRIMARY KEY,
  log_id          text NOT NULL,
  seq             bigint NOT NULL,
  version_after   bigint NOT NULL,
  ar_mills        bigint NOT NULL,
  dr_mills        bigint NOT NULL
);

-- A break in a meter's register continuity suspends the meter until an officer looks at it.
ALTER TABLE postal.meters DROP CONSTRAINT meters_status_check;
ALTER TABLE postal.meters ADD CONSTRAINT meters_status_check CHECK (status IN ('active', 'withdrawn', 'revoked', 'suspended'));

-- Backups taken, with the log position each one covers.
CREATE TABLE support.backups (
  backup_id    text PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  location     text NOT NULL,
  bytes        bigint NOT NULL,
  log_position jsonb NOT NULL
);
