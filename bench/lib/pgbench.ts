import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** pgbench -b tpcb-like against the same PostgreSQL (its own database), or null with the reason. */
export async function pgbenchTps(ownerUrl: string, clients: number, seconds: number): Promise<{ tps: number | null; note: string }> {
  try {
    await run('pgbench', ['--version']);
  } catch {
    return { tps: null, note: 'pgbench not found (Debian package postgresql-client or postgresql-contrib); skipped' };
  }
  const admin = new pg.Client({ connectionString: ownerUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS pgbench_vaultmeter');
  await admin.query('CREATE DATABASE pgbench_vaultmeter');
  await admin.end();
  const u = new URL(ownerUrl);
  u.pathname = '/pgbench_vaultmeter';
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(u.password) };
  // The same transport as the application: the Unix socket when the URL names one.
  const host = u.searchParams.get('host') ?? u.hostname;
  const conn = ['-h', host, '-p', u.port, '-U', decodeURIComponent(u.username), 'pgbench_vaultmeter'];
  await run('pgbench', ['-i', '-q', '-s', String(Math.max(1, Math.ceil(clients / 10))), ...conn], { env });
  const { stdout } = await run('pgbench', ['-b', 'tpcb-like', '-c', String(clients), '-j', '2', '-T', String(seconds), ...conn], { env, maxBuffer: 1 << 20 });
  const m = /tps = ([\d.]+)/.exec(stdout);
  return {
    tps: m ? Number(m[1]) : null,
    note: m ? `pgbench -b tpcb-like -c ${clients} -j 2 -T ${seconds}, fsync on` : `could not read pgbench output: ${stdout.slice(-200)}`,
  };
}
