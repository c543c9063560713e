import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROLE, applyEffect, BatchWriter, DSS_ROLE, dssUrlFrom, ensureAppRole, ensureDssRole } from '../../src/store/index.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 11, item 5: every privilege the application role holds, read from PostgreSQL, is exactly the
// table in docs/DATABASE-ROLES.md ("The grants"), so the doc and the grants cannot drift apart.

const ROOT = join(import.meta.dirname, '..', '..');
const SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema')";

/** One privilege: `<kind> <object> <privilege>`, e.g. `table postal.items INSERT`, `column postal.items.refunded_at UPDATE`. */
type Privilege = string;

/** The rows of the table under "## <heading>": | kind `object` | PRIV, PRIV | why |; a columns row names `schema.table (col, col)`. */
function documentedGrants(heading = 'The grants'): Privilege[] {
  const text = readFileSync(join(ROOT, 'docs', 'DATABASE-ROLES.md'), 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  if (!section) throw new Error(`docs/DATABASE-ROLES.md has no "## ${heading}" section`);
  const out: Privilege[] = [];
  for (const line of section.split('\n')) {
    const m = /^\| (role|member of|database|schema|table|columns|sequence|function) `([^`]+)` \| ([A-Z, ]+) \|/.exec(line);
    if (!m) continue;
    const [, kind, object, privs] = m as unknown as [string, string, string, string];
    const names =
      kind === 'columns'
        ? (() => {
            const c = /^([\w.]+) \(([\w, ]+)\)$/.exec(object);
            if (!c) throw new Error(`bad columns row: ${line}`);
            return c[2]!.split(',').map((col) => ['column', `${c[1]}.${col.trim()}`] as const);
          })()
        : [[kind, object] as const];
    for (const [k, o] of names) for (const p of privs.split(',')) out.push(`${k} ${o} ${p.trim()}`);
  }
  return out;
}

async function rows(db: pg.Client, sql: string, params: unknown[] = []): Promise<Privilege[]> {
  return (await db.query<{ p: string }>(sql, params)).rows.map((r) => r.p);
}

/** Every privilege the role holds, effective (directly, through PUBLIC or through a role it belongs to). */
async function actualGrants(db: pg.Client, role: string): Promise<Privilege[]> {
  const v17 = Number((await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v) >= 170000;
  const tablePrivs = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', ...(v17 ? ['MAINTAIN'] : [])];
  const out: Privilege[] = [];
  out.push(
    ...(await rows(
      db,
      `SELECT 'role ' || rolname || ' ' || a AS p FROM pg_roles,
         LATERAL (VALUES ('SUPERUSER', rolsuper), ('CREATEROLE', rolcreaterole), ('CREATEDB', rolcreatedb), ('REPLICATION', rolreplication),
                         ('BYPASSRLS', rolbypassrls), ('LOGIN', rolcanlogin)) AS x(a, yes)
       WHERE rolname = $1 AND yes`,
      [role],
    )),
    ...(await rows(db, `SELECT 'member of ' || rolname || ' MEMBER' AS p FROM pg_roles WHERE rolname <> $1 AND pg_has_role($1, oid, 'MEMBER')`, [role])),
    ...(await rows(
      db,
      `SELECT 'database ' || current_database() || ' ' || p AS p FROM unnest(ARRAY['CREATE', 'CONNECT', 'TEMPORARY']) AS p
       WHERE has_database_privilege($1, current_database(), p)`,
      [role],
    )),
    ...(await rows(
      db,
      `SELECT 'schema ' || nspname || ' ' || p AS p FROM pg_namespace, unnest(ARRAY['USAGE', 'CREATE']) AS p
       WHERE nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%' AND has_schema_privilege($1, oid, p)`,
      [role],
    )),
    ...(await rows(
      db,
      `SELECT 'table ' || n.nspname || '.' || c.relname || ' ' || p AS p
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, unnest($2::text[]) AS p
       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ${SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg\\_%'
         AND has_table_privilege($1, c.oid, p)`,
      [role, tablePrivs],
    )),
    // Column privileges the table-level ones do not already give.
    ...(await rows(
      db,
      `SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' ' || p AS p
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid,
            unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) AS p
       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ${SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg\\_%'
         AND a.attnum > 0 AND NOT a.attisdropped AND has_column_privilege($1, c.oid, a.attnum, p) AND NOT has_table_privilege($1, c.oid, p)`,
      [role],
    )),
    ...(await rows(
      db,
      `SELECT 'sequence ' || n.nspname || '.' || c.relname || ' ' || p AS p
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) AS p
       WHERE c.relkind = 'S' AND has_sequence_privilege($1, c.oid, p)`,
      [role],
    )),
    ...(await rows(
      db,
      `SELECT 'function ' || p.oid::regprocedure::text || ' EXECUTE' AS p
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg\\_%' AND has_function_privilege($1, p.oid, 'EXECUTE')`,
      [role],
    )),
  );
  return out;
}

// One installation for both roles' checks.
let sys: TestSystem;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => sys?.stop());

/** The owner's URL and the installation's role passwords (config.json). */
async function ownerAccess(): Promise<{ ownerUrl: string; appDbPassword: string; dssDbPassword: string }> {
  const config = JSON.parse(await readFile(join(sys.env.VAULTMETER_HOME!, 'config.json'), 'utf8'));
  const ownerUrl = `postgres://postgres:${encodeURIComponent(config.embedded.ownerPassword)}@127.0.0.1:${config.embedded.port}/postgres`;
  return { ownerUrl, appDbPassword: config.appDbPassword, dssDbPassword: config.dssDbPassword };
}

describe(`the privileges of ${APP_ROLE}`, () => {
  let actual: Privilege[];
  beforeAll(async () => {
    const db = await sys.ownerDb();
    try {
      actual = await actualGrants(db, APP_ROLE);
    } finally {
      await db.end();
    }
  });

  it('are exactly the table in docs/DATABASE-ROLES.md', () => {
    const doc = documentedGrants().map((p) => p.replace(/^database \S+/, 'database postgres'));
    expect(new Set(doc).size).toBe(doc.length);
    expect(doc.length).toBeGreaterThan(40);
    const got = actual.map((p) => p.replace(/^database \S+/, 'database postgres'));
    expect({ notDocumented: got.filter((p) => !doc.includes(p)).sort(), notGranted: doc.filter((p) => !got.includes(p)).sort() }).toEqual({
      notDocumented: [],
      notGranted: [],
    });
  });

  it('include no superuser attribute, no membership, no CREATE anywhere, no TRUNCATE, and DELETE only on sessions', () => {
    expect(actual.filter((p) => /^role /.test(p))).toEqual([`role ${APP_ROLE} LOGIN`]);
    expect(actual.filter((p) => p.startsWith('member of '))).toEqual([]);
    expect(actual.filter((p) => / CREATE$/.test(p))).toEqual([]);
    expect(actual.filter((p) => / (TRUNCATE|TRIGGER|REFERENCES|MAINTAIN)$/.test(p))).toEqual([]);
    expect(actual.filter((p) => / DELETE$/.test(p))).toEqual(['table membership.sessions DELETE']);
    expect(actual.filter((p) => /^sequence .* UPDATE$/.test(p))).toEqual([]);
  });

  it('are enforced: the app role is refused what the table leaves out', async () => {
    const app = await sys.appDb();
    try {
      for (const sql of [
        'UPDATE membership.officers SET role = role',
        'DELETE FROM membership.officers',
        'UPDATE support.approvals SET requested_by = requested_by',
        'UPDATE postal.modules SET certificate_pem = certificate_pem',
        'UPDATE postal.meters SET licensing_zip = licensing_zip',
        'UPDATE postal.items SET amount_mills = amount_mills',
        'UPDATE postal.txlog_segments SET records = records',
        'TRUNCATE membership.sessions',
        "SELECT setval('support.approvals_approval_id_seq', 1)",
        'CREATE TABLE support.evil (x int)',
        'CREATE SCHEMA evil',
      ])
        await expect(app.query(sql), sql).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
  });

  it('let roll-forward replay an approval request with the id the live system drew, and move the sequence past it', async () => {
    const app = await sys.appDb();
    try {
      const next = async () => BigInt((await app.query<{ id: string }>("SELECT nextval('support.approvals_approval_id_seq')::text AS id")).rows[0]!.id);
      const drawn = (await next()) + 3n;
      const w = new BatchWriter('replay');
      applyEffect(w, { kind: 'approval_requested', approvalId: drawn.toString(), action: 'clear_halt', params: {}, by: 'replayed' }, { atMs: Date.now() });
      await app.query('BEGIN');
      await w.flush(app);
      await w.flush(app); // replay is idempotent: the sequence stays past the id
      await app.query('COMMIT');
      expect(await next()).toBe(drawn + 1n);
    } finally {
      await app.end();
    }
  });

  it('are put back to the table when the database is opened: extra grants an older version gave are revoked', async () => {
    const db = await sys.ownerDb();
    try {
      await db.query(`GRANT UPDATE ON postal.items, membership.officers TO ${APP_ROLE}`);
      await db.query(`GRANT UPDATE ON SEQUENCE support.approvals_approval_id_seq TO ${APP_ROLE}`);
      await db.query(`GRANT CREATE ON SCHEMA postal TO ${APP_ROLE}`);
      await db.query(`GRANT USAGE ON SCHEMA staging TO ${APP_ROLE}`);
      expect((await actualGrants(db, APP_ROLE)).length).toBeGreaterThan(actual.length);
      const { ownerUrl, appDbPassword } = await ownerAccess();
      await ensureAppRole(ownerUrl, appDbPassword);
      expect((await actualGrants(db, APP_ROLE)).sort()).toEqual([...actual].sort());
    } finally {
      await db.end();
    }
  });
});

// Issue 18 item 3: the decision-support role reads the stripped copies in `staging` and nothing else.
describe(`the privileges of ${DSS_ROLE}`, () => {
  let actual: Privilege[];
  beforeAll(async () => {
    const db = await sys.ownerDb();
    try {
      actual = await actualGrants(db, DSS_ROLE);
    } finally {
      await db.end();
    }
  });

  it("are exactly the table in docs/DATABASE-ROLES.md (The decision-support role's grants)", () => {
    const doc = documentedGrants("The decision-support role's grants").map((p) => p.replace(/^database \S+/, 'database postgres'));
    expect(new Set(doc).size).toBe(doc.length);
    const got = actual.map((p) => p.replace(/^database \S+/, 'database postgres'));
    expect({ notDocumented: got.filter((p) => !doc.includes(p)).sort(), notGranted: doc.filter((p) => !got.includes(p)).sort() }).toEqual({
      notDocumented: [],
      notGranted: [],
    });
  });

  it('include nothing in a vault schema, and no write anywhere', () => {
    expect(actual.filter((p) => / (postal|membership|provider|commerce|support)[. ]/.test(p))).toEqual([]);
    expect(actual.filter((p) => / (INSERT|UPDATE|DELETE|TRUNCATE|TRIGGER|REFERENCES|MAINTAIN|CREATE)$/.test(p))).toEqual([]);
    expect(actual.filter((p) => /^role /.test(p))).toEqual([`role ${DSS_ROLE} LOGIN`]);
  });

  it('are enforced: the DSS role is refused the vault schemas', async () => {
    const { ownerUrl, dssDbPassword } = await ownerAccess();
    const { default: pg } = await import('pg');
    const dss = new pg.Client({ connectionString: dssUrlFrom(ownerUrl, dssDbPassword) });
    await dss.connect();
    try {
      await dss.query('SELECT count(*) FROM staging.items');
      for (const sql of [
        'SELECT 1 FROM postal.items',
        'SELECT 1 FROM postal.meters',
        'SELECT 1 FROM postal.txlog',
        'SELECT 1 FROM membership.bank_accounts',
        'SELECT 1 FROM membership.sessions',
        'SELECT 1 FROM provider.meter_licenses',
        'SELECT 1 FROM commerce.funding_requests',
        'SELECT 1 FROM support.operator_actions',
        "INSERT INTO staging.watermarks (log_id, seq, at) VALUES ('x', 1, now())",
        'CREATE TABLE staging.evil (x int)',
      ])
        await expect(dss.query(sql), sql).rejects.toThrow(/permission denied/);
    } finally {
      await dss.end();
    }
  });

  it('are put back to the table when the database is opened', async () => {
    const db = await sys.ownerDb();
    try {
      await db.query(`GRANT USAGE ON SCHEMA postal TO ${DSS_ROLE}`);
      await db.query(`GRANT SELECT ON postal.items TO ${DSS_ROLE}`);
      await db.query(`GRANT INSERT ON staging.items TO ${DSS_ROLE}`);
      const { ownerUrl, dssDbPassword } = await ownerAccess();
      await ensureDssRole(ownerUrl, dssDbPassword);
      expect((await actualGrants(db, DSS_ROLE)).sort()).toEqual([...actual].sort());
    } finally {
      await db.end();
    }
  });
});
