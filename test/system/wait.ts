import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';

/** Poll `fn` until it gives a truthy value; fail with `what` after the timeout. */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True when `target` (a ship target name, e.g. `dir:/…`) has every record of every module log. */
export async function shippedTo(db: pg.Client, target: string): Promise<boolean> {
  const r = await db.query(
    `SELECT bool_and(COALESCE(s.last_seq, 0) = h.seq) AS done FROM (SELECT log_id, max(seq) AS seq FROM postal.txlog GROUP BY log_id) h
     LEFT JOIN postal.txlog_shipped s ON s.log_id = h.log_id AND s.target = $1`,
    [target],
  );
  return r.rows[0].done === true;
}

/** The pids of a home's running module processes (from /proc: the command line and VAULTMETER_HOME). */
export function modulePids(home: string): Promise<number[]> {
  return vaultmeterPids(home, 'module');
}

/** The pids of a home's running `vaultmeter <command>` processes (`module`, `serve`, `ship`). */
export async function vaultmeterPids(home: string, command: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (cmd.includes(`vaultmeter.js\0${command}\0`) && env.includes(`VAULTMETER_HOME=${home}\0`)) pids.push(Number(pid));
  }
  return pids;
}

/** The pid of a home's embedded PostgreSQL (its postmaster), from its lock file; null when none runs. */
export async function postmasterPid(home: string): Promise<number | null> {
  const text = await readFile(`${home}/pg/postmaster.pid`, 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmd.includes('postgres') ? pid : null;
}
