import type pg from 'pg';
import { deferredOf, preloadedOf, setPreloaded } from './write-behind.js';
import type { Db, Tx } from './db.js';

type Q = Db | Tx | pg.Client;

export interface MeterRow {
  meterId: string;
  certSerial: string;
  certificatePem: string;
  package: Buffer;
  packageVersion: bigint;
  assigned: boolean;
  status: string;
}

const METER_COLUMNS = `meter_id AS "meterId", cert_serial AS "certSerial", certificate_pem AS "certificatePem",
  package, package_version AS "packageVersion", assigned, status`;

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
  const cached = preloadedOf(q)?.get(meterId) as MeterRow | undefined;
  if (cached) return cached;
  const r = await q.query<MeterRow>(`SELECT ${METER_COLUMNS} FROM postal.meters WHERE meter_id = $1`, [meterId]);
  return r.rows[0] ?? null;
}

/** One SELECT for every meter a batch touches; later getMeter calls in the same transaction use it. */
export async function preloadMeters(tx: Tx, meterIds: readonly string[]): Promise<void> {
  if (meterIds.length === 0) return;
  const r = await tx.query<MeterRow>(`SELECT ${METER_COLUMNS} FROM postal.meters WHERE meter_id = ANY($1::uuid[])`, [meterIds]);
  setPreloaded(tx, new Map(r.rows.map((m) => [m.meterId, m])));
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
  const d = deferredOf(q);
  if (d) {
    d.packages.push({ meterId, fromVersion, pkg, toVersion }); // checked when the batch flushes
    return true;
  }
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
  const d = deferredOf(q);
  if (d) {
    d.items.push(i);
    return;
  }
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
  const d = deferredOf(q);
  if (d) {
    d.answers.push({ scope, key, requestSha256: s.requestSha256, statusCode: s.statusCode, response: JSON.stringify(s.response) });
    return true; // a clash aborts the batch when it flushes
  }
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

export interface CheckpointRow {
  record: Buffer;
  mac: Buffer;
}

/** Lock a module's row for the length of the transaction and return its stored checkpoint (null: none yet). */
export async function lockCheckpoint(tx: Tx, serial: string): Promise<CheckpointRow | null> {
  const r = await tx.query<{ record: Buffer | null; mac: Buffer | null }>(
    'SELECT checkpoint AS record, checkpoint_mac AS mac FROM postal.modules WHERE serial = $1 FOR UPDATE',
    [serial],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`module ${serial} is not registered in postal.modules`);
  return row.record && row.mac ? { record: row.record, mac: row.mac } : null;
}

/** The stored checkpoint of a module, without locking its row. */
export async function getCheckpoint(q: Q, serial: string): Promise<CheckpointRow | null> {
  const r = await q.query<{ record: Buffer | null; mac: Buffer | null }>('SELECT checkpoint AS record, checkpoint_mac AS mac FROM postal.modules WHERE serial = $1', [serial]);
  const row = r.rows[0];
  return row?.record && row.mac ? { record: row.record, mac: row.mac } : null;
}

export async function storeCheckpoint(
  tx: Q,
  serial: string,
  c: { record: Buffer; mac: Buffer; seq: bigint; at: Date; type: string; valueMills: bigint },
): Promise<void> {
  await tx.query(
    `UPDATE postal.modules SET checkpoint = $2, checkpoint_mac = $3, checkpoint_seq = $4, checkpoint_at = $5,
       checkpoint_type = $6, checkpoint_value_mills = $7, last_seen_at = now() WHERE serial = $1`,
    [serial, c.record, c.mac, c.seq, c.at, c.type, c.valueMills],
  );
}

export interface ModuleRow {
  serial: string;
  state: string;
  checkpointSeq: bigint;
  checkpointAt: Date | null;
  checkpointType: string | null;
  checkpointValueMills: bigint | null;
  checkpointMacHex: string | null;
  inhibitedAt: Date | null;
  inhibitedReason: string | null;
  lastSeenAt: Date;
  certificatePem: string;
}

export async function listModules(q: Q): Promise<ModuleRow[]> {
  const r = await q.query<ModuleRow>(
    `SELECT serial, state, checkpoint_seq AS "checkpointSeq", checkpoint_at AS "checkpointAt", checkpoint_type AS "checkpointType",
            checkpoint_value_mills AS "checkpointValueMills", encode(checkpoint_mac, 'hex') AS "checkpointMacHex",
            inhibited_at AS "inhibitedAt", inhibited_reason AS "inhibitedReason", last_seen_at AS "lastSeenAt",
            certificate_pem AS "certificatePem"
     FROM postal.modules ORDER BY serial`,
  );
  return r.rows;
}

export async function setModuleState(q: Q, serial: string, state: 'active' | 'inhibited', reason: string | null): Promise<void> {
  await q.query(
    `UPDATE postal.modules SET state = $2, inhibited_at = CASE WHEN $2 = 'inhibited' THEN now() END, inhibited_reason = $3 WHERE serial = $1`,
    [serial, state, reason],
  );
}

export async function countInhibitedModules(q: Q): Promise<number> {
  const r = await q.query<{ n: bigint }>("SELECT count(*) AS n FROM postal.modules WHERE state = 'inhibited'");
  return Number(r.rows[0]!.n);
}

export interface SystemState {
  halted: boolean;
  haltedAt: Date | null;
  haltReason: string | null;
}

export async function systemState(q: Q): Promise<SystemState> {
  const r = await q.query<SystemState>(
    'SELECT halted, halted_at AS "haltedAt", halt_reason AS "haltReason" FROM postal.system_state',
  );
  return r.rows[0] ?? { halted: false, haltedAt: null, haltReason: null };
}

export async function setHalted(q: Q, halted: boolean, reason: string | null): Promise<void> {
  await q.query('UPDATE postal.system_state SET halted = $1, halted_at = CASE WHEN $1 THEN now() END, halt_reason = $2', [halted, reason]);
}

export async function recordAudit(
  q: Q,
  e: { kind: string; moduleSerial?: string | null; meterId?: string | null; actor?: string | null; detail?: object },
): Promise<void> {
  await q.query('INSERT INTO support.audit_events (kind, module_serial, meter_id, actor, detail) VALUES ($1, $2, $3, $4, $5)', [
    e.kind,
    e.moduleSerial ?? null,
    e.meterId || null,
    e.actor ?? null,
    JSON.stringify(e.detail ?? {}),
  ]);
}

export interface AuditEventRow {
  eventId: bigint;
  at: Date;
  kind: string;
  moduleSerial: string | null;
  meterId: string | null;
  actor: string | null;
  detail: Record<string, unknown>;
}

export async function listAuditEvents(q: Q, sinceId: bigint, limit: number): Promise<AuditEventRow[]> {
  const r = await q.query<AuditEventRow>(
    `SELECT event_id AS "eventId", at, kind, module_serial AS "moduleSerial", meter_id AS "meterId", actor, detail
     FROM support.audit_events WHERE event_id > $1 ORDER BY event_id LIMIT $2`,
    [sinceId, limit],
  );
  return r.rows;
}

export interface ApprovalRow {
  approvalId: bigint;
  action: string;
  params: Record<string, string>;
  requestedBy: string;
  requestedAt: Date;
  decidedBy: string | null;
  state: string;
}

const APPROVAL_COLUMNS = `approval_id AS "approvalId", action, params, requested_by AS "requestedBy", requested_at AS "requestedAt",
  decided_by AS "decidedBy", state`;

export async function insertApproval(q: Q, action: string, params: object, requestedBy: string): Promise<ApprovalRow> {
  const r = await q.query<ApprovalRow>(
    `INSERT INTO support.approvals (action, params, requested_by) VALUES ($1, $2, $3) RETURNING ${APPROVAL_COLUMNS}`,
    [action, JSON.stringify(params), requestedBy],
  );
  return r.rows[0]!;
}

export async function findApproval(q: Q, id: bigint): Promise<ApprovalRow | null> {
  const r = await q.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM support.approvals WHERE approval_id = $1`, [id]);
  return r.rows[0] ?? null;
}

export async function lockApproval(tx: Tx, id: bigint): Promise<ApprovalRow | null> {
  const r = await tx.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM support.approvals WHERE approval_id = $1 FOR UPDATE`, [id]);
  return r.rows[0] ?? null;
}

export async function decideApproval(tx: Tx, id: bigint, officer: string, state: 'approved' | 'rejected'): Promise<void> {
  await tx.query('UPDATE support.approvals SET decided_by = $2, decided_at = now(), state = $3 WHERE approval_id = $1', [id, officer, state]);
}

export async function listApprovals(q: Q, state: string | null): Promise<ApprovalRow[]> {
  const r = await q.query<ApprovalRow>(
    `SELECT ${APPROVAL_COLUMNS} FROM support.approvals WHERE $1::text IS NULL OR state = $1 ORDER BY approval_id DESC LIMIT 100`,
    [state],
  );
  return r.rows;
}

export async function setMeterStatus(q: Q, meterId: string, status: 'active' | 'withdrawn' | 'revoked' | 'suspended', reason: string | null): Promise<void> {
  await q.query('UPDATE postal.meters SET status = $2, status_at = now(), status_reason = $3 WHERE meter_id = $1', [meterId, status, reason]);
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

export interface ScanRow {
  at: Date;
  location: string;
}

/** Record a verification; returns the earlier valid scans of the same item (oldest first, at most a few). */
export async function recordVerification(q: Q, v: { itemId: string; meterId: string | null; location: string; valid: boolean }): Promise<ScanRow[]> {
  const earlier = await q.query<ScanRow>(
    'SELECT at, location FROM postal.verifications WHERE item_id = $1 AND valid ORDER BY verification_id LIMIT 3',
    [v.itemId],
  );
  await q.query('INSERT INTO postal.verifications (item_id, meter_id, location, valid) VALUES ($1, $2, $3, $4)', [v.itemId, v.meterId, v.location, v.valid]);
  return earlier.rows;
}

export async function wasScanned(q: Q, itemId: string): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM postal.verifications WHERE item_id = $1 AND valid LIMIT 1', [itemId]);
  return (r.rowCount ?? 0) > 0;
}

export interface RedemptionRow {
  at: Date;
  location: string;
}

/** Exactly one redemption per item: returns null when this call won, else the winner's time and place. */
export async function redeem(q: Q, itemId: string, meterId: string, location: string): Promise<RedemptionRow | null> {
  const won = await q.query('INSERT INTO postal.redemptions (item_id, meter_id, location) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [itemId, meterId, location]);
  if (won.rowCount === 1) return null;
  const first = await q.query<RedemptionRow>('SELECT at, location FROM postal.redemptions WHERE item_id = $1', [itemId]);
  return first.rows[0]!;
}

export async function findRedemption(q: Q, itemId: string): Promise<RedemptionRow | null> {
  const r = await q.query<RedemptionRow>('SELECT at, location FROM postal.redemptions WHERE item_id = $1', [itemId]);
  return r.rows[0] ?? null;
}
