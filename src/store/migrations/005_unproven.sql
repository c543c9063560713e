-- A meter whose registers the database cannot prove: a module that witnessed later transactions of
-- it could not complete the database (its journal and the shipped log lack them). Its commands are
-- refused until an officer reconciles it; the items it delivered stay valid for verifiers.
ALTER TABLE postal.meters DROP CONSTRAINT meters_status_check;
ALTER TABLE postal.meters ADD CONSTRAINT meters_status_check CHECK (status IN ('active', 'withdrawn', 'revoked', 'suspended', 'unproven'));
