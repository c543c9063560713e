import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from './harness.js';

// Issue 11, finding A: the passphrase that unseals every keystore was in the embedded PostgreSQL's
// environment, where any database superuser reads it with COPY … FROM PROGRAM 'env'.

const PASSPHRASE = `passphrase-${randomBytes(12).toString('hex')}`;
const S3_SECRET = `s3-secret-${randomBytes(12).toString('hex')}`;
const OFFICER_PASSWORD = `officer-${randomBytes(12).toString('hex')}`;

interface Proc {
  readonly pid: number;
  readonly cmd: string;
  readonly env: string;
}

/** Every live descendant of `root`, from /proc (parent pids in /proc/PID/stat). */
async function descendants(root: number): Promise<Proc[]> {
  const parent = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (stat) parent.set(Number(name), ppid);
  }
  const within = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  const out: Proc[] = [];
  for (const pid of [...parent.keys()].filter(within)) {
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => null);
    if (env !== null) out.push({ pid, cmd, env });
  }
  return out;
}

describe('no secret in any process environment of a running system', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_PASSPHRASE: PASSPHRASE, AWS_SECRET_ACCESS_KEY: S3_SECRET, VAULTMETER_OFFICER_PASSWORD: OFFICER_PASSWORD });
  }, 120_000);
  afterAll(async () => sys?.stop());

  it('the keystores are sealed under the passphrase from the environment (no development file)', () => {
    expect(existsSync(join(sys.env.VAULTMETER_HOME!, 'dev-passphrase'))).toBe(false);
  });

  it('gives no child or grandchild of the supervisor the passphrase, PostgreSQL backends included', async () => {
    const db = await sys.ownerDb(); // one more backend to look at
    try {
      const procs = await descendants(sys.pid);
      const postgres = procs.filter((p) => /postgres/.test(p.cmd) && !p.cmd.includes('vaultmeter.js'));
      const vaultmeter = procs.filter((p) => p.cmd.includes('vaultmeter.js'));
      expect(postgres.length, procs.map((p) => p.cmd).join('\n')).toBeGreaterThanOrEqual(3); // postmaster, its helpers, backends
      expect(vaultmeter.map((p) => p.cmd.split(' ')[2]).sort()).toEqual(['module', 'module', 'serve', 'ship']);
      for (const p of procs) {
        expect(p.env.includes(PASSPHRASE), `the passphrase is in the environment of ${p.pid} (${p.cmd})`).toBe(false);
        expect(p.env.includes(OFFICER_PASSWORD), `the officer password is in the environment of ${p.pid} (${p.cmd})`).toBe(false);
      }
      // The S3 credentials go only to the processes that write to ship and backup targets.
      for (const p of [...postgres, ...vaultmeter.filter((v) => v.cmd.includes('vaultmeter.js module'))]) {
        expect(p.env.includes(S3_SECRET), `the S3 secret is in the environment of ${p.pid} (${p.cmd})`).toBe(false);
      }
      expect(vaultmeter.find((v) => v.cmd.includes('vaultmeter.js ship'))!.env).toContain(`AWS_SECRET_ACCESS_KEY=${S3_SECRET}`);
    } finally {
      await db.end();
    }
  });

  it("lets a database superuser's COPY FROM PROGRAM 'env' find no secret", async () => {
    const db = await sys.ownerDb();
    try {
      await db.query('CREATE TEMP TABLE env_dump (line text)');
      await db.query(`COPY env_dump FROM PROGRAM 'env'`);
      await db.query(`COPY (SELECT 1) TO PROGRAM 'env >> /dev/null'`);
      const { rows } = await db.query<{ all: string }>(`SELECT string_agg(line, E'\\n') AS all FROM env_dump`);
      const env = rows[0]!.all;
      expect(env).toMatch(/^PATH=/m); // the program really ran, as the server
      for (const secret of [PASSPHRASE, S3_SECRET, OFFICER_PASSWORD]) expect(env.includes(secret)).toBe(false);
      expect(env).not.toMatch(/PASSPHRASE|PASSWORD|SECRET/);
    } finally {
      await db.end();
    }
  });
});
