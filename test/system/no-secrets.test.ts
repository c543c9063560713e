import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeterClient } from '../../src/sdk/index.js';
import { Profile, diskProfiles } from '../../src/cli/index.js';
import { readKeystore } from '../../src/module/index.js';
import { APP_ROLE } from '../../src/store/index.js';
import { officerHeaders, post, fundAs } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

const PW = 'a rather secret password';

/** Every form a secret could take in a dump: raw bytes (as the dump's hex), hex, base64, base64url, UTF-8. */
function forms(secret: Buffer | string): string[] {
  const b = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  return [b.toString('hex'), b.toString('base64').replace(/=+$/, ''), b.toString('base64url')].concat(typeof secret === 'string' ? [secret] : []);
}

describe('the database holds no secret in clear', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startSystem();
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    const c = await MeterClient.register(diskProfiles, sys.url, 'dana', PW);
    await fundAs(sys.url, sys.officer, 'dana', '5000');
    await c.balance();
    await c.print({
      amountMills: 500n,
      originZip: '90807',
      destination: '10001',
      date: new Date().toISOString().slice(0, 10),
      rateCategory: 'FCM-LETTER',
      weightTenthOz: 10,
    });
    await post(sys.url, '/v1/admin/audit', { user: 'dana' }, officerHeaders(sys.officer));
  });
  afterAll(async () => sys?.stop());

  it('finds no password, passphrase, MAC key or module key in a full dump', async () => {
    const home = sys.env.VAULTMETER_HOME!;
    const passphrase = (await readFile(join(home, 'dev-passphrase'), 'utf8')).trim();
    const secrets: Record<string, Buffer | string> = { customerPassword: PW, officerPassword: sys.officer.password, passphrase };
    const profile = await Profile.unlockWithPassword('dana', PW);
    secrets.clientMacKey = Buffer.from(profile.state.macKey, 'base64');
    for (const file of (await readdir(join(home, 'modules'))).filter((f) => f.endsWith('.keystore'))) {
      const ks = await readKeystore(join(home, 'modules', file), passphrase);
      Object.assign(secrets, {
        ...Object.fromEntries([...ks.domain.packageKeys.keys].map(([v, k]) => [`${file}.packageKey.v${v}`, k])),
        [`${file}.checkpointKey`]: ks.domain.checkpointKey,
        ...Object.fromEntries([...ks.domain.logKeys.keys].map(([v, k]) => [`${file}.logKey.v${v}`, k])),
        [`${file}.caKey`]: ks.domain.caPrivatePkcs8.subarray(-32),
        [`${file}.identityKey`]: ks.identity.privatePkcs8.subarray(-32),
      });
    }
    const dump = await dumpAll(sys);
    expect(dump.length).toBeGreaterThan(1000); // the dump really holds the data
    expect(dump).toContain(profile.pub.meterId);
    for (const [name, secret] of Object.entries(secrets)) {
      for (const form of forms(secret)) expect(dump.includes(form), `${name} found in the database dump`).toBe(false);
    }
  });

  it('gives the application role no DELETE on items and no access to officer hashes beyond reading', async () => {
    const config = JSON.parse(await readFile(join(sys.env.VAULTMETER_HOME!, 'config.json'), 'utf8'));
    const app = new pg.Client({ connectionString: `postgres://${APP_ROLE}:${config.appDbPassword}@127.0.0.1:${config.embedded.port}/postgres` });
    await app.connect();
    try {
      await expect(app.query('DELETE FROM postal.items')).rejects.toThrow(/permission denied/);
      await expect(app.query('DELETE FROM postal.meters')).rejects.toThrow(/permission denied/);
      await expect(app.query("UPDATE membership.officers SET role = 'operator'")).rejects.toThrow(/permission denied/);
      await expect(app.query('UPDATE support.operator_actions SET action = $1', ['x'])).rejects.toThrow(/permission denied/);
      await expect(app.query('CREATE TABLE postal.evil (x int)')).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
  });

  it('never gives the API server process the passphrase', async () => {
    const passphrase = (await readFile(join(sys.env.VAULTMETER_HOME!, 'dev-passphrase'), 'utf8')).trim();
    const servers: string[] = [];
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
      if (cmd.includes('vaultmeter.js\0serve') && env.includes(`VAULTMETER_HOME=${sys.env.VAULTMETER_HOME}`)) servers.push(env);
    }
    expect(servers).toHaveLength(1);
    expect(servers[0]).not.toContain(passphrase);
    expect(servers[0]).not.toContain('VAULTMETER_PASSPHRASE');
  });
});

/** Every row of every Vaultmeter schema as JSON text; bytea shows as \\x-hex, as in a pg_dump. */
async function dumpAll(sys: TestSystem): Promise<string> {
  const db = await sys.ownerDb();
  try {
    const tables = await db.query<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_schema IN ('postal', 'membership', 'provider', 'commerce', 'support', 'staging', 'public') AND table_type = 'BASE TABLE'`,
    );
    const parts: string[] = [];
    for (const { s, t } of tables.rows) {
      const rows = await db.query(`SELECT row_to_json(x)::text AS j FROM ${s}.${t} x`);
      parts.push(...rows.rows.map((r) => r.j as string));
    }
    return parts.join('\n').toLowerCase() + parts.join('\n');
  } finally {
    await db.end();
  }
}
