import type pg from 'pg';
import type { Db, Tx } from './db.js';

type Q = Db | Tx | pg.Client;

export interface MeterRow {
  meterId: string;
  certSerial: string;
  certificatePem: string;
  package: Buffer;
  packageVersion: bigint;
  assigned: boolean;
}

const METER_COLUMNS = `meter_id AS "meterId", cert_serial AS "certSerial", certificate_pem AS "certificatePem",
  package, package_version AS "packageVersion", assigned`;

export async function insertMeter(
  q: Q,
  m: { meterId: string; certSerial: string; certificatePem: string; package: Buffer; packageVersion: bigint; licensingZip: string },
): Promise<void> {
  await q.query(
    `INSERT INTO postal.meters (meter_id, cert_serial, certificate_pem, package, package_version, licensing_zip)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [m.meterId, m.certSerial, m.certificatePem, m.package, m.packageVersion, m.licensingZip],
  );
}

export async function getMeter(q: Q, meterId: string): Promise<MeterRow | null> {
  const r = await q.query<MeterRow>(`SELECT ${METER_COLUMNS} FROM postal.meters WHERE meter_id = $1`, [meterId]);
  return r.rows[0] ?? null;
}

export async function countUnassignedMeters(q: Q): Promise<number> {
  const r = await q.query<{ n: bigint }>('SELECT count(*) AS n FROM postal.meters WHERE NOT assigned');
  return Number(r.rows[0]!.n);
}

/** Take one pooled meter; concurrent registrations never get the same one. */
export async function claimUnassignedMeter(tx: Tx): Promise<MeterRow | null> {
  const r = await tx.query<MeterRow>(
    `UPDATE postal.meters SET assigned = true, updated_at = now()
     WHERE meter_id = (SELECT meter_id FROM postal.meters WHERE NOT assigned ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING ${METER_COLUMNS}`,
  );
  return r.rows[0] ?? null;
}

/** Compare-and-set on the package version: a concurrent writer makes this return false. */
export async function updatePackage(q: Q, meterId: string, fromVersion: bigint, pkg: Buffer, toVersion: bigint): Promise<boolean> {
  const r = await q.query(
    `UPDATE postal.meters SET package = $3, package_version = $4, updated_at = now()
     WHERE meter_id = $1 AND package_version = $2`,
    [meterId, fromVersion, pkg, toVersion],
  );
  return r.rowCount === 1;
}

export interface CustomerRow {
  customerId: bigint;
  username: string;
  meterId: string;
  registeredAt: Date | null;
}

const CUSTOMER_COLUMNS = `customer_id AS "customerId", username, meter_id AS "meterId", registered_at AS "registeredAt"`;

export async function findCustomer(q: Q, username: string): Promise<CustomerRow | null> {
  const r = await q.query<CustomerRow>(`SELECT ${CUSTOMER_COLUMNS} FROM membership.customers WHERE username = $1`, [username]);
  return r.rows[0] ?? null;
}

/** Returns null when the user name is taken (by a concurrent registration too). */
export async function insertCustomer(tx: Tx, username: string, meterId: string): Promise<CustomerRow | null> {
  const r = await tx.query<CustomerRow>(
    `INSERT INTO membership.customers (username, meter_id) VALUES ($1, $2)
     ON CONFLICT (username) DO NOTHING RETURNING ${CUSTOMER_COLUMNS}`,
    [username, meterId],
  );
  return r.rows[0] ?? null;
}

export async function markCustomerRegistered(q: Q, customerId: bigint): Promise<void> {
  await q.query('UPDATE membership.customers SET registered_at = now() WHERE customer_id = $1', [customerId]);
}

export interface SessionRow {
  customerId: bigint;
  username: string;
  meterId: string;
  expiresAt: Date;
}

export async function insertSession(q: Q, tokenSha256: Buffer, customerId: bigint, expiresAt: Date): Promise<void> {
  await q.query('INSERT INTO membership.sessions (token_sha256, customer_id, expires_at) VALUES ($1, $2, $3)', [
    tokenSha256,
    customerId,
    expiresAt,
  ]);
}

export async function findSession(q: Q, tokenSha256: Buffer): Promise<SessionRow | null> {
  const r = await q.query<SessionRow>(
    `SELECT s.customer_id AS "customerId", c.username, c.meter_id AS "meterId", s.expires_at AS "expiresAt"
     FROM membership.sessions s JOIN membership.customers c USING (customer_id)
     WHERE s.token_sha256 = $1 AND s.expires_at > now()`,
    [tokenSha256],
  );
  return r.rows[0] ?? null;
}

export async function deleteSessions(q: Q, customerId: bigint): Promise<void> {
  await q.query('DELETE FROM membership.sessions WHERE customer_id = $1', [customerId]);
}

export interface ItemRow {
  itemId: string;
  meterId: string;
  itemSerial: bigint;
  amountMills: bigint;
  itemBytes: Buffer;
  createdAt: Date;
  refundedAt: Date | null;
}

export async function insertItem(
  q: Q,
  i: { itemId: string; meterId: string; itemSerial: bigint; kind: string; amountMills: bigint; itemBytes: Buffer },
): Promise<void> {
  await q.query(
    `INSERT INTO postal.items (item_id, meter_id, item_serial, kind, amount_mills, item_bytes) VALUES ($1, $2, $3, $4, $5, $6)`,
    [i.itemId, i.meterId, i.itemSerial, i.kind, i.amountMills, i.itemBytes],
  );
}

export async function getItem(q: Q, itemId: string): Promise<ItemRow | null> {
  const r = await q.query<ItemRow>(
    `SELECT item_id AS "itemId", meter_id AS "meterId", item_serial AS "itemSerial", amount_mills AS "amountMills",
            item_bytes AS "itemBytes", created_at AS "createdAt", refunded_at AS "refundedAt"
     FROM postal.items WHERE item_id = $1`,
    [itemId],
  );
  return r.rows[0] ?? null;
}

/** Once only: false when the item was already refunded. */
export async function markItemRefunded(q: Q, itemId: string): Promise<boolean> {
  const r = await q.query('UPDATE postal.items SET refunded_at = now() WHERE item_id = $1 AND refunded_at IS NULL', [itemId]);
  return r.rowCount === 1;
}

export interface StoredResponse {
  requestSha256: Buffer;
  statusCode: number;
  response: unknown;
}

export async function findIdempotent(q: Q, scope: string, key: string): Promise<StoredResponse | null> {
  const r = await q.query<StoredResponse>(
    `SELECT request_sha256 AS "requestSha256", status_code AS "statusCode", response FROM postal.idempotency
     WHERE scope = $1 AND idem_key = $2`,
    [scope, key],
  );
  return r.rows[0] ?? null;
}

/** False when another request with the same key committed first. */
export async function insertIdempotent(q: Q, scope: string, key: string, s: StoredResponse): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO postal.idempotency (scope, idem_key, request_sha256, status_code, response) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [scope, key, s.requestSha256, s.statusCode, JSON.stringify(s.response)],
  );
  return r.rowCount === 1;
}

export interface OfficerRow {
  username: string;
  passwordHash: string;
  role: string;
}

export async function findOfficer(q: Q, username: string): Promise<OfficerRow | null> {
  const r = await q.query<OfficerRow>(
    'SELECT username, password_hash AS "passwordHash", role FROM membership.officers WHERE username = $1',
    [username],
  );
  return r.rows[0] ?? null;
}

export async function insertOfficer(q: Q, username: string, passwordHash: string, role: string): Promise<void> {
  await q.query('INSERT INTO membership.officers (username, password_hash, role) VALUES ($1, $2, $3)', [username, passwordHash, role]);
}

export async function recordOperatorAction(q: Q, officer: string, action: string, meterId: string | null, detail: object): Promise<void> {
  await q.query('INSERT INTO support.operator_actions (officer, action, meter_id, detail) VALUES ($1, $2, $3, $4)', [
    officer,
    action,
    meterId,
    JSON.stringify(detail),
  ]);
}

export async function upsertModule(q: Q, serial: string, certificatePem: string): Promise<void> {
  await q.query(
    `INSERT INTO postal.modules (serial, certificate_pem) VALUES ($1, $2)
     ON CONFLICT (serial) DO UPDATE SET last_seen_at = now()`,
    [serial, certificatePem],
  );
}
