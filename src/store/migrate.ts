import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';

const MIGRATIONS_DIR = new URL('../../src/store/migrations/', import.meta.url);
export const APP_ROLE = 'vaultmeter_app';

/** Apply pending versioned migrations in order, each in its own transaction, under an advisory lock. */
export async function migrate(ownerUrl: string, log: (line: string) => void = () => {}): Promise<number> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7262001)');
    await client.query('CREATE TABLE IF NOT EXISTS public.vaultmeter_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ version: string }>('SELECT version FROM public.vaultmeter_migrations')).rows.map((r) => r.version));
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
    let applied = 0;
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(new URL(file, MIGRATIONS_DIR), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO public.vaultmeter_migrations (version) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(e as Error).message}`, { cause: e });
      }
      log(`applied migration ${file}`);
      applied++;
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(7262001)').catch(() => {});
    await client.end();
  }
}

/** The application's role: only the grants the API server needs. Log-like tables get no UPDATE or DELETE. */
export async function ensureAppRole(ownerUrl: string, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
    const lit = client.escapeLiteral(password);
    await client.query(exists.rowCount ? `ALTER ROLE ${APP_ROLE} LOGIN PASSWORD ${lit}` : `CREATE ROLE ${APP_ROLE} LOGIN PASSWORD ${lit}`);
    await client.query(`
      GRANT USAGE ON SCHEMA postal, membership, support TO ${APP_ROLE};
      GRANT SELECT, INSERT, UPDATE ON postal.meters, postal.modules, postal.items TO ${APP_ROLE};
      GRANT SELECT, INSERT ON postal.idempotency TO ${APP_ROLE};
      GRANT SELECT, INSERT ON membership.customers TO ${APP_ROLE};
      GRANT UPDATE (registered_at) ON membership.customers TO ${APP_ROLE};
      GRANT SELECT, INSERT, DELETE ON membership.sessions TO ${APP_ROLE};
      GRANT SELECT, INSERT ON membership.officers TO ${APP_ROLE};
      GRANT SELECT, INSERT ON support.operator_actions, support.audit_events TO ${APP_ROLE};
      GRANT SELECT, UPDATE ON postal.system_state TO ${APP_ROLE};
      GRANT SELECT, INSERT ON postal.verifications, postal.redemptions TO ${APP_ROLE};
      GRANT USAGE ON ALL SEQUENCES IN SCHEMA postal TO ${APP_ROLE};
      GRANT SELECT, INSERT ON support.approvals TO ${APP_ROLE};
      GRANT UPDATE (decided_by, decided_at, state) ON support.approvals TO ${APP_ROLE};
      GRANT USAGE ON ALL SEQUENCES IN SCHEMA membership, support TO ${APP_ROLE};
      -- Roll-forward replays approval requests with the ids the live system drew, and moves the sequence past them.
      GRANT UPDATE ON SEQUENCE support.approvals_approval_id_seq TO ${APP_ROLE};
      GRANT SELECT, INSERT ON postal.txlog, support.backups TO ${APP_ROLE};
      GRANT SELECT, INSERT, UPDATE ON postal.txlog_segments, postal.txlog_shipped, postal.txlog_continuity TO ${APP_ROLE};
    `);
  } finally {
    await client.end();
  }
}

/** The same server and database as the owner URL, as the application role. */
export function appUrlFrom(ownerUrl: string, password: string): string {
  const u = new URL(ownerUrl);
  u.username = APP_ROLE;
  u.password = password;
  return u.toString();
}
