import type pg from 'pg';
import { fail } from '../errors.js';
import type { Db } from './db.js';
import type { Q } from './query.js';

// Backups: the tables a snapshot covers, the snapshot read, the restore write, and support.backups.

/** The base tables of these schemas, by name (schema.table). */
export async function tablesIn(q: Q, schemas: readonly string[]): Promise<string[]> {
  const r = await q.query<{ name: string }>(
    `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema = ANY($1::text[]) ORDER BY 1`,
    [schemas],
  );
  return r.rows.map((x) => x.name);
}

export async function recordBackup(q: Q, b: { backupId: string; location: string; bytes: number; logPosition: Record<string, string> }): Promise<void> {
  await q.query('INSERT INTO support.backups (backup_id, location, bytes, log_position) VALUES ($1, $2, $3, $4)', [
    b.backupId,
    b.location,
    b.bytes,
    JSON.stringify(b.logPosition),
  ]);
}

/** When the newest backup was taken (null: never). */
export async function lastBackupAt(q: Q): Promise<Date | null> {
  const r = await q.query<{ at: Date | null }>('SELECT max(at) AS at FROM support.backups');
  return r.rows[0]?.at ?? null;
}

/** Run `read` on one client inside one REPEATABLE READ, READ ONLY transaction: every read sees the same snapshot. */
export async function inSnapshot<T>(db: Db, read: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const out = await read(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

/** Every row of `table` as JSON text, `pageRows` at a time through a cursor (inside a transaction). */
export async function forEachRowPage(client: pg.ClientBase, table: string, pageRows: number, onPage: (rows: readonly string[]) => void): Promise<void> {
  const [schema, name] = table.split('.');
  await client.query(`DECLARE backup_rows NO SCROLL CURSOR FOR SELECT to_jsonb(x)::text AS row FROM ${schema}.${name} x`);
  for (;;) {
    const page = await client.query<{ row: string }>(`FETCH ${pageRows} FROM backup_rows`);
    onPage(page.rows.map((x) => x.row));
    if (page.rows.length < pageRows) break;
  }
  await client.query('CLOSE backup_rows');
}

export async function clearTable(q: Q, table: string): Promise<void> {
  await q.query(`DELETE FROM ${quoteTable(table)}`);
}

/** Insert rows (as JSON objects) into `table`, column by column as named. */
export async function insertJsonRows(q: Q, table: string, rows: readonly unknown[]): Promise<void> {
  await q.query(`INSERT INTO ${quoteTable(table)} SELECT * FROM jsonb_populate_recordset(NULL::${quoteTable(table)}, $1::jsonb)`, [JSON.stringify(rows)]);
}

export async function recordRestored(q: Q, detail: Record<string, unknown>): Promise<void> {
  await q.query(`INSERT INTO support.audit_events (kind, detail) VALUES ('backup_restored', $1)`, [JSON.stringify(detail)]);
}

/** Whether a backup's snapshot was already restored here (its audit event is in the database). */
export async function wasRestored(q: Q, backupId: string): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM support.audit_events WHERE kind = 'backup_restored' AND detail->>'backupId' = $1`, [backupId]);
  return (r.rowCount ?? 0) > 0;
}

/** Every serial column's sequence continues after the largest restored id. */
export async function resetSequences(q: Q): Promise<void> {
  const r = await q.query<{ seq: string; tbl: string; col: string }>(
    `SELECT s.seqrelid::regclass::text AS seq, d.refobjid::regclass::text AS tbl, a.attname AS col
     FROM pg_sequence s
     JOIN pg_depend d ON d.objid = s.seqrelid AND d.deptype IN ('a', 'i')
     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid`,
  );
  for (const x of r.rows) {
    await q.query(`SELECT setval($1, GREATEST((SELECT COALESCE(max(${x.col}), 0) FROM ${x.tbl}), 1), (SELECT count(*) > 0 FROM ${x.tbl}))`, [x.seq]);
  }
}

function quoteTable(t: string): string {
  const [schema, name] = t.split('.');
  if (!schema || !name || !/^[a-z_]+$/.test(schema) || !/^[a-z_]+$/.test(name)) fail('backup_invalid', `bad table name ${JSON.stringify(t)}`);
  return `${schema}.${name}`;
}
