-- What verifiers need to know about a meter without opening its package.
ALTER TABLE postal.meters
  ADD COLUMN status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn', 'revoked')),
  ADD COLUMN status_at     timestamptz,
  ADD COLUMN status_reason text;

-- Every verification of an item (revenue protection: a second scan of postage is possible reuse).
CREATE TABLE postal.verifications (
  verification_id  bigserial PRIMARY KEY,
  item_id          text NOT NULL,
  meter_id         uuid,
  at               timestamptz NOT NULL DEFAULT now(),
  location         text NOT NULL DEFAULT '',
  valid            boolean NOT NULL
);
CREATE INDEX verifications_item ON postal.verifications (item_id, verification_id);

-- One redemption per item: the primary key makes two racing redemptions end with exactly one winner.
CREATE TABLE postal.redemptions (
  item_id      text PRIMARY KEY REFERENCES postal.items (item_id),
  meter_id     uuid NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  location     text NOT NULL DEFAULT ''
);
