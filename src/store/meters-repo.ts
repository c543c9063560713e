import type { Tx } from './db.js';
import type { Q } from './query.js';

// postal.meters: the public certificate, the sealed package and the status verifiers need.
// Writes come from ledger effects (apply-effect.ts), except the audit verifier's suspension.

export interface MeterRow {
  meterId: string;
  certSerial: string;
  certificatePem: string;
  package: Buffer;
  packageVersion: bigint;
  assigned: boolean;
  status: string;
  /** Test mode (the `meter_sandboxed` effect): the module holds the same flag in the package, and enforces it. */
  sandbox: boolean;
  /** The highest package version the database's own log shows for the meter (getMeters only). */
  loggedVersion?: bigint | null;
}

const METER_COLUMNS = `meter_id AS "meterId", cert_serial AS "certSerial", certificate_pem AS "certificatePem",
  package, package_version AS "packageVersion", assigned, status, sandbox`;

export async function getMeter(q: Q, meterId: string): Promise<MeterRow | null> {
  const r = await q.query<MeterRow>(`SELECT ${METER_COLUMNS} FROM postal.meters WHERE meter_id = $1`, [meterId]);
  return r.rows[0] ?? null;
}

/**
 * One SELECT for every meter a batch touches, with the newest version the log shows for each (one
 * index probe): a package row put back behind its own log is caught before it reaches a module.
 */
export async function getMeters(tx: Tx, meterIds: readonly string[]): Promise<Map<string, MeterRow>> {
  if (meterIds.length === 0) return new Map();
  const r = await tx.query<MeterRow>(
    `SELECT ${METER_COLUMNS}, (SELECT max(t.version_after) FROM postal.txlog t WHERE t.meter_id = m.meter_id) AS "loggedVersion"
       FROM postal.meters m WHERE meter_id = ANY($1::uuid[])`,
    [meterIds],
  );
  return new Map(r.rows.map((m) => [m.meterId, m]));
}

export async function countUnassignedMeters(q: Q): Promise<number> {
  const r = await q.query<{ n: bigint }>('SELECT count(*) AS n FROM postal.meters WHERE NOT assigned');
  return Number(r.rows[0]!.n);
}

/** A pooled meter to offer a registration (the claim itself is a ledger effect, checked when it commits). */
export async function findUnassignedMeter(q: Q, skip: number): Promise<MeterRow | null> {
  const r = await q.query<MeterRow>(`SELECT ${METER_COLUMNS} FROM postal.meters WHERE NOT assigned ORDER BY created_at OFFSET $1 LIMIT 1`, [skip]);
  return r.rows[0] ?? null;
}

/** A meter proven further along than this database (a later version exists): held, never run on stale registers. */
export async function markUnproven(q: Q, meterId: string, reason: string): Promise<void> {
  await q.query(
    "UPDATE postal.meters SET status = 'unproven', status_at = now(), status_reason = $2, proven_version = package_version + 1 WHERE meter_id = $1 AND status = 'active'",
    [meterId, reason],
  );
}

/** Meters held unproven whose package a roll-forward brought up to the proven version: back in service. */
export async function releaseProven(q: Q): Promise<{ meterId: string; version: bigint }[]> {
  const r = await q.query<{ meterId: string; version: string }>(
    `UPDATE postal.meters SET status = 'active', status_at = now(), status_reason = NULL, proven_version = NULL
      WHERE status = 'unproven' AND package_version >= proven_version
      RETURNING meter_id AS "meterId", package_version::text AS version`,
  );
  return r.rows.map((x) => ({ meterId: x.meterId, version: BigInt(x.version) }));
}

/** Hold every active meter whose package is older than the version given for it; returns those held. */
export async function markUnprovenBehind(
  q: Q,
  meters: readonly { meterId: string; version: bigint }[],
  reason: string,
): Promise<{ meterId: string; storedVersion: bigint }[]> {
  const r = await q.query<{ meterId: string; storedVersion: string }>(
    `UPDATE postal.meters m SET status = 'unproven', status_at = now(), status_reason = $3 || ' (version ' || v.version || ')', proven_version = v.version
       FROM unnest($1::uuid[], $2::bigint[]) AS v(meter_id, version)
      WHERE m.meter_id = v.meter_id AND m.package_version < v.version AND m.status = 'active'
      RETURNING m.meter_id AS "meterId", m.package_version::text AS "storedVersion"`,
    [meters.map((m) => m.meterId), meters.map((m) => m.version.toString()), reason],
  );
  return r.rows.map((x) => ({ meterId: x.meterId, storedVersion: BigInt(x.storedVersion) }));
}

/** The audit verifier's verdict on a meter whose register continuity broke (derived from the log). */
export async function suspendMeter(q: Q, meterId: string, reason: string): Promise<void> {
  await q.query("UPDATE postal.meters SET status = 'suspended', status_at = now(), status_reason = $2 WHERE meter_id = $1", [meterId, reason]);
}

export interface MeterStatusRow {
  meterId: string;
  certSerial: string;
  certificatePem: string;
  status: string;
  statusAt: Date | null;
  statusReason: string | null;
}

export async function getMeterStatus(q: Q, meterId: string): Promise<MeterStatusRow | null> {
  const r = await q.query<MeterStatusRow>(
    `SELECT meter_id AS "meterId", cert_serial AS "certSerial", certificate_pem AS "certificatePem", status,
            status_at AS "statusAt", status_reason AS "statusReason" FROM postal.meters WHERE meter_id = $1`,
    [meterId],
  );
  return r.rows[0] ?? null;
}

export async function listInactiveMeters(q: Q): Promise<MeterStatusRow[]> {
  const r = await q.query<MeterStatusRow>(
    `SELECT meter_id AS "meterId", cert_serial AS "certSerial", '' AS "certificatePem", status,
            status_at AS "statusAt", status_reason AS "statusReason" FROM postal.meters WHERE status <> 'active' ORDER BY status_at`,
  );
  return r.rows;
}
