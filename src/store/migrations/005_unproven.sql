-- A meter whose registers the database cannot prove: a module or the meter's own client witnessed a
-- later package than the database holds, and neither a module's journal nor the shipped log could
-- put it back. Its commands are refused until a roll-forward brings its package up to the version
-- proven (`proven_version`); the items it delivered stay valid for verifiers.
ALTER TABLE postal.meters DROP CONSTRAINT meters_status_check;
ALTER TABLE postal.meters ADD CONSTRAINT meters_status_check CHECK (status IN ('active', 'withdrawn', 'revoked', 'suspended', 'unproven'));
ALTER TABLE postal.meters ADD COLUMN proven_version bigint;
-- Every roll-forward looks for held meters it may release: only those, never the whole table.
CREATE INDEX meters_unproven ON postal.meters (meter_id) WHERE status = 'unproven';
