import type { Q } from './query.js';

// provider.meter_licenses and provider.meter_movements (ledger state: written only by the
// `license_issued`, `license_status_changed` and `meter_moved` appliers). Listings never select the
// sealed tax id: only a module opens it.

export interface LicenseRow {
  licenseNumber: string;
  meterId: string;
  username: string | null;
  licensingZip: string;
  taxIdLast4: string;
  status: 'issued' | 'suspended' | 'revoked';
  statusReason: string | null;
  issuedBy: string;
  issuedAt: Date;
  statusAt: Date;
}

const COLUMNS = `l.license_number AS "licenseNumber", l.meter_id AS "meterId", c.username, l.licensing_zip AS "licensingZip",
  l.tax_id_last4 AS "taxIdLast4", l.status, l.status_reason AS "statusReason", l.issued_by AS "issuedBy", l.issued_at AS "issuedAt",
  l.status_at AS "statusAt"`;
const FROM = 'provider.meter_licenses l LEFT JOIN membership.customers c ON c.meter_id = l.meter_id';

export async function findLicense(q: Q, licenseNumber: string): Promise<LicenseRow | null> {
  const r = await q.query<LicenseRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE l.license_number = $1`, [licenseNumber]);
  return r.rows[0] ?? null;
}

/** The meter's live license (issued or suspended), if any. */
export async function liveLicenseOf(q: Q, meterId: string): Promise<LicenseRow | null> {
  const r = await q.query<LicenseRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE l.meter_id = $1 AND l.status <> 'revoked'`, [meterId]);
  return r.rows[0] ?? null;
}

/** Licenses, newest first, optionally of one status; at most `limit`. */
export async function listLicenses(q: Q, status: string | null, limit: number): Promise<LicenseRow[]> {
  const r = await q.query<LicenseRow>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE ($1::text IS NULL OR l.status = $1) ORDER BY l.issued_at DESC, l.license_number LIMIT $2`,
    [status, limit],
  );
  return r.rows;
}

export interface MovementRow {
  meterId: string;
  movedAt: Date;
  fromZip: string;
  toZip: string;
}

export async function listMovements(q: Q, meterId: string, limit: number): Promise<MovementRow[]> {
  const r = await q.query<MovementRow>(
    `SELECT meter_id AS "meterId", moved_at AS "movedAt", from_zip AS "fromZip", to_zip AS "toZip"
     FROM provider.meter_movements WHERE meter_id = $1 ORDER BY moved_at DESC LIMIT $2`,
    [meterId, limit],
  );
  return r.rows;
}

/**
 * The meter's licensing ZIP as the database knows it: its last movement's, else the one it was
 * provisioned with (`postal.meters.licensing_zip` never changes; the sealed package holds the module's).
 */
export async function licensingZipOf(q: Q, meterId: string): Promise<string | null> {
  const r = await q.query<{ zip: string }>(
    `SELECT COALESCE((SELECT to_zip FROM provider.meter_movements WHERE meter_id = $1 ORDER BY moved_at DESC LIMIT 1), licensing_zip) AS zip
     FROM postal.meters WHERE meter_id = $1`,
    [meterId],
  );
  return r.rows[0]?.zip ?? null;
}
