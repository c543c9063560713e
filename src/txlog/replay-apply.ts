import type pg from 'pg';
import { insertLogRecords, packBytes, type LogRecordWrite } from '../store/index.js';
import type { LogHeader } from './record.js';

// What replay does with one opened record: the same rows the API server wrote in the record's
// transaction, rebuilt from its body. Every statement is idempotent (a newer package version wins,
// inserts skip rows already there), so an interrupted replay can simply run again.

export interface OpenedRecord {
  readonly header: LogHeader;
  readonly row: LogRecordWrite;
  readonly body: Record<string, any>;
}

interface Effects {
  meters: { meterId: string; certSerial: string; certificatePem: string; pkg: Buffer; version: bigint; licensingZip: string }[];
  packages: Map<string, { pkg: Buffer; version: bigint }>;
  customers: { username: string; meterId: string }[];
  registered: { meterId: string; at: Date }[];
  items: { itemId: string; meterId: string; serial: string; kind: string; amountMills: string; bytes: Buffer; at: Date }[];
  refunds: { itemId: string; at: Date }[];
  statuses: { meterId: string; status: string; reason: string; at: Date }[];
  officers: { user: string; passwordHash: string; role: string }[];
  actions: { officer: string; action: string; meterId: string | null; detail: object; at: Date }[];
  audits: { kind: string; module: string; meterId: string | null; actor: string | null; detail: object; at: Date }[];
}

/** Apply opened records (in log order) in the caller's transaction. */
export async function applyRecords(db: pg.ClientBase, records: readonly OpenedRecord[]): Promise<void> {
  const e = collect(records);
  await insertLogRecords(db, records.map((r) => r.row));
  for (const m of e.meters) {
    await db.query(
      `INSERT INTO postal.meters (meter_id, cert_serial, certificate_pem, package, package_version, licensing_zip)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (meter_id) DO NOTHING`,
      [m.meterId, m.certSerial, m.certificatePem, m.pkg, m.version.toString(), m.licensingZip],
    );
  }
  if (e.packages.size) {
    const p = [...e.packages.entries()];
    await db.query(
      `UPDATE postal.meters m SET package = v.pkg, package_version = v.version, updated_at = now()
       FROM unnest($1::uuid[], $2::bytea[], $3::bigint[]) AS v(meter_id, pkg, version)
       WHERE m.meter_id = v.meter_id AND m.package_version < v.version`,
      [p.map(([id]) => id), p.map(([, x]) => x.pkg), p.map(([, x]) => x.version.toString())],
    );
  }
  for (const c of e.customers) {
    await db.query('INSERT INTO membership.customers (username, meter_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [c.username, c.meterId]);
    await db.query('UPDATE postal.meters SET assigned = true WHERE meter_id = $1', [c.meterId]);
  }
  for (const r of e.registered) {
    await db.query('UPDATE membership.customers SET registered_at = $2 WHERE meter_id = $1 AND registered_at IS NULL', [r.meterId, r.at]);
  }
  if (e.items.length) {
    const i = e.items;
    const bytes = packBytes(i.map((x) => x.bytes));
    await db.query(
      `INSERT INTO postal.items (item_id, meter_id, item_serial, kind, amount_mills, item_bytes, created_at)
       SELECT item_id, meter_id, item_serial, kind, amount_mills, substring($6::bytea FROM b_start FOR b_len), created_at
       FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::bigint[], $7::int[], $8::int[], $9::timestamptz[])
         AS v(item_id, meter_id, item_serial, kind, amount_mills, b_start, b_len, created_at)
       ON CONFLICT DO NOTHING`,
      [i.map((x) => x.itemId), i.map((x) => x.meterId), i.map((x) => x.serial), i.map((x) => x.kind), i.map((x) => x.amountMills), bytes.blob, bytes.starts, bytes.lengths, i.map((x) => x.at)],
    );
  }
  for (const r of e.refunds) await db.query('UPDATE postal.items SET refunded_at = $2 WHERE item_id = $1 AND refunded_at IS NULL', [r.itemId, r.at]);
  for (const s of e.statuses) {
    await db.query('UPDATE postal.meters SET status = $2, status_at = $4, status_reason = $3 WHERE meter_id = $1', [s.meterId, s.status, s.reason, s.at]);
  }
  for (const o of e.officers) {
    await db.query('INSERT INTO membership.officers (username, password_hash, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [o.user, o.passwordHash, o.role]);
  }
  for (const a of e.actions) {
    await db.query('INSERT INTO support.operator_actions (officer, action, meter_id, detail, at) VALUES ($1, $2, $3, $4, $5)', [a.officer, a.action, a.meterId, JSON.stringify(a.detail), a.at]);
  }
  for (const a of e.audits) {
    await db.query('INSERT INTO support.audit_events (kind, module_serial, meter_id, actor, detail, at) VALUES ($1, $2, $3, $4, $5, $6)', [
      a.kind,
      a.module,
      a.meterId,
      a.actor,
      JSON.stringify(a.detail),
      a.at,
    ]);
  }
}

function collect(records: readonly OpenedRecord[]): Effects {
  const e: Effects = { meters: [], packages: new Map(), customers: [], registered: [], items: [], refunds: [], statuses: [], officers: [], actions: [], audits: [] };
  for (const r of records) {
    const { header: h, body: b } = r;
    const at = new Date(h.atMs);
    const meterId = h.meterId || null;
    if (b.package && meterId) {
      const version = BigInt(b.package.version);
      const pkg = Buffer.from(b.package.sealed, 'base64');
      const seen = e.packages.get(meterId);
      if (!seen || seen.version < version) e.packages.set(meterId, { pkg, version });
      if (b.op === 'provision') e.meters.push({ meterId, certSerial: b.meter.certSerialHex, certificatePem: b.meter.certificatePem, pkg, version, licensingZip: b.meter.licensingZip });
    }
    const ok = b.response?.status === 'ok';
    if (b.op === 'registerBegin' && meterId && typeof b.extra?.username === 'string') e.customers.push({ username: b.extra.username, meterId });
    if (b.op === 'registerComplete' && ok && meterId) e.registered.push({ meterId, at });
    if (b.op === 'command' && ok && meterId) commandEffects(e, b, meterId, at);
    if ((b.op === 'fund' || b.op === 'audit') && meterId) {
      e.actions.push({ officer: String(b.extra?.officer ?? ''), action: b.op, meterId, detail: b.op === 'fund' ? { amountMills: String(b.amountMills) } : {}, at });
    }
    if (b.op === 'log') logEffects(e, b, h, meterId, at);
  }
  return e;
}

function commandEffects(e: Effects, b: Record<string, any>, meterId: string, at: Date): void {
  const res = b.response.result ?? {};
  if (b.response.op === 'print' && b.item) {
    e.items.push({ itemId: res.itemId, meterId, serial: res.itemSerial, kind: res.kind ?? 'postage', amountMills: res.amountMills, bytes: Buffer.from(b.item, 'base64'), at });
  }
  if (b.response.op === 'refund') e.refunds.push({ itemId: res.itemId, at });
  if (b.response.op === 'withdraw') e.statuses.push({ meterId, status: 'withdrawn', reason: 'withdrawn by the customer', at });
}

function logEffects(e: Effects, b: Record<string, any>, h: LogHeader, meterId: string | null, at: Date): void {
  const d = (b.extra ?? {}) as Record<string, any>;
  const actor = typeof d.by === 'string' ? d.by : typeof d.officer === 'string' ? d.officer : null;
  switch (b.action) {
    case 'meter_revoked':
      if (meterId) e.statuses.push({ meterId, status: 'revoked', reason: String(d.reason ?? ''), at });
      e.actions.push({ officer: actor ?? '', action: 'revoke', meterId, detail: { reason: d.reason }, at });
      e.audits.push({ kind: 'meter_revoked', module: h.logId, meterId, actor, detail: { reason: d.reason }, at });
      break;
    case 'officer_created':
      e.officers.push({ user: String(d.user), passwordHash: String(d.passwordHash), role: String(d.role) });
      e.audits.push({ kind: 'officer_created', module: h.logId, meterId: null, actor, detail: { user: d.user, role: d.role }, at });
      break;
    default: {
      // Approvals, recoveries: the audit trail keeps them (without secrets such as password hashes).
      const { passwordHash: _omit, ...detail } = d;
      e.audits.push({ kind: String(b.action), module: h.logId, meterId, actor, detail: { ...detail, replayed: true }, at });
    }
  }
}
