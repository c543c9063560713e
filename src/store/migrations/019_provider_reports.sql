-- Issue 18 item 2: the reports filed with the postal authority. A module makes each day's four
-- reports from the log and signs them; the files are in the provider outbox (a directory or a
-- bucket). This table is the index of what was filed, written only by the effect
-- `provider_reports_filed`, so it comes back exactly after a recovery.
CREATE TABLE provider.reports (
  day          date NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('resetting', 'movement', 'license-activity', 'inventory')),
  issue        integer NOT NULL CHECK (issue BETWEEN 1 AND 999999),
  object_key   text NOT NULL,
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  lines        integer NOT NULL CHECK (lines >= 0),
  signer       text NOT NULL,
  target       text NOT NULL,
  -- A re-issue's reason and officer; null for the job's first issue of a day.
  reason       text,
  officer      text,
  filed_at     timestamptz NOT NULL,
  PRIMARY KEY (day, kind, issue)
);
