import type pg from 'pg';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ModuleConnection } from '../../src/module/index.js';
import { paths } from '../../src/runtime/index.js';
import type { TestSystem } from './harness.js';
import type { LooseJson } from '../helpers/loose-json.js';

// Plays "the database was swapped for a stale copy" (a restore, a lagging standby, an attacker):
// copy the tables that a restore would roll back, and later put them back.

const TABLES = ['postal.meters', 'postal.modules', 'postal.items', 'postal.idempotency', 'postal.txlog'];

export async function takeSnapshot(db: pg.Client, name: string): Promise<void> {
  await db.query(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name}`);
  for (const t of TABLES) await db.query(`CREATE TABLE ${name}.${t.split('.')[1]} AS SELECT * FROM ${t}`);
}

export async function restoreSnapshot(db: pg.Client, name: string): Promise<void> {
  await db.query('BEGIN');
  await db.query(`UPDATE postal.meters m SET package = s.package, package_version = s.package_version FROM ${name}.meters s WHERE m.meter_id = s.meter_id`);
  await db.query(
    `UPDATE postal.modules m SET checkpoint = s.checkpoint, checkpoint_mac = s.checkpoint_mac, checkpoint_seq = s.checkpoint_seq,
       checkpoint_at = s.checkpoint_at, checkpoint_type = s.checkpoint_type, checkpoint_value_mills = s.checkpoint_value_mills
     FROM ${name}.modules s WHERE m.serial = s.serial`,
  );
  await db.query(`DELETE FROM postal.items WHERE item_id NOT IN (SELECT item_id FROM ${name}.items)`);
  await db.query(`DELETE FROM postal.txlog l WHERE NOT EXISTS (SELECT 1 FROM ${name}.txlog s WHERE s.log_id = l.log_id AND s.seq = l.seq)`);
  await db.query(`DELETE FROM postal.idempotency i WHERE NOT EXISTS (SELECT 1 FROM ${name}.idempotency s WHERE s.scope = i.scope AND s.idem_key = i.idem_key)`);
  await db.query('COMMIT');
}

export async function checkpointSeqs(db: pg.Client): Promise<Map<string, bigint>> {
  const r = await db.query('SELECT serial, checkpoint_seq FROM postal.modules');
  return new Map(r.rows.map((row) => [row.serial as string, BigInt(row.checkpoint_seq)]));
}

export async function auditEvents(db: pg.Client, kind?: string): Promise<LooseJson[]> {
  const r = await db.query('SELECT * FROM support.audit_events WHERE $1::text IS NULL OR kind = $1 ORDER BY event_id', [kind ?? null]);
  return r.rows;
}

/**
 * Tell every module that its log is off-site up to the database's head, as the shipper does once
 * every target holds it: the journals let go of those records (keeping only each meter's mark).
 */
export async function releaseJournals(sys: TestSystem, db: pg.Client): Promise<void> {
  const runDir = paths(sys.env.VAULTMETER_HOME!).runDir;
  for (const sock of (await readdir(runDir)).filter((f) => /^module-\d+\.sock$/.test(f))) {
    const m = new ModuleConnection(join(runDir, sock));
    try {
      const { serial } = await m.call('info', {});
      const head = await db.query("SELECT seq::text, encode(hash, 'hex') AS hash FROM postal.txlog WHERE log_id = $1 ORDER BY seq DESC LIMIT 1", [serial]);
      if (head.rows[0]) await m.call('journalShipped', { at: { seq: head.rows[0].seq, hash: head.rows[0].hash } });
    } finally {
      m.close();
    }
  }
}
