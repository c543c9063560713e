import type { Tx } from './db.js';
import type { Q } from './query.js';

// postal.modules and postal.system_state: the checkpoint machinery of this database (not ledger
// state: a recovered installation re-seeds every module's checkpoint and starts without a halt).

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
  const r = await q.query<{ record: Buffer | null; mac: Buffer | null }>(
    'SELECT checkpoint AS record, checkpoint_mac AS mac FROM postal.modules WHERE serial = $1',
    [serial],
  );
  const row = r.rows[0];
  return row?.record && row.mac ? { record: row.record, mac: row.mac } : null;
}

export async function storeCheckpoint(
  q: Q,
  serial: string,
  c: { record: Buffer; mac: Buffer; seq: bigint; at: Date; type: string; valueMills: bigint },
): Promise<void> {
  await q.query(
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
  await q.query(`UPDATE postal.modules SET state = $2, inhibited_at = CASE WHEN $2 = 'inhibited' THEN now() END, inhibited_reason = $3 WHERE serial = $1`, [
    serial,
    state,
    reason,
  ]);
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
  const r = await q.query<SystemState>('SELECT halted, halted_at AS "haltedAt", halt_reason AS "haltReason" FROM postal.system_state');
  return r.rows[0] ?? { halted: false, haltedAt: null, haltReason: null };
}

export async function setHalted(q: Q, halted: boolean, reason: string | null): Promise<void> {
  await q.query('UPDATE postal.system_state SET halted = $1, halted_at = CASE WHEN $1 THEN now() END, halt_reason = $2', [halted, reason]);
}
