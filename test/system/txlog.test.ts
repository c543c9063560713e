import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeterClient } from '../../src/sdk/index.js';
import { diskProfiles } from '../../src/cli/index.js';
import { fundAs, createOfficerAs, officerFlags, revokeAs } from './api-client.js';
import { auditEvents } from './db-snapshot.js';
import { startSystem, type TestSystem } from './harness.js';
import { shippedTo, until } from './wait.js';
import type { LooseJson } from '../helpers/loose-json.js';

const PW = 'correct horse battery';
const today = () => new Date().toISOString().slice(0, 10);
const printRequest = (amount: bigint) => ({
  amountMills: amount,
  originZip: '90807',
  destination: '10001',
  date: today(),
  rateCategory: 'FCM-LETTER',
  weightTenthOz: 10,
});

async function processPids(home: string, command: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (cmd.includes(`vaultmeter.js\0${command}`) && env.includes(`VAULTMETER_HOME=${home}\0`)) pids.push(Number(pid));
  }
  return pids;
}

// The transaction log on a running system: one sealed, chained record per state change, written in
// the same transaction; segments signed by the modules, shipped to a directory, verifiable with no
// secret; the real-time audit verifier suspends a meter whose package was rolled back.
describe('the transaction log', () => {
  let sys: TestSystem;
  let db: pg.Client;
  let shipDir: string;
  const clients: MeterClient[] = [];

  const shippedAll = () => shippedTo(db, `dir:${shipDir}`);

  beforeAll(async () => {
    sys = await startSystem({
      VAULTMETER_POOL_SIZE: '0',
      VAULTMETER_SHIP_INTERVAL_MS: '100',
      VAULTMETER_SEGMENT_RECORDS: '7',
      VAULTMETER_SEGMENT_MAX_AGE_MS: '0',
    });
    shipDir = join(sys.env.VAULTMETER_HOME!, 'shipped-log');
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    db = await sys.ownerDb();
    for (let i = 0; i < 3; i++) {
      const c = await MeterClient.register(diskProfiles, sys.url, `log${i}`, PW);
      await fundAs(sys.url, sys.officer, `log${i}`, '50000');
      await c.balance();
      clients.push(c);
    }
  });
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  it('writes one record per state change, in the same transaction, and the app role cannot rewrite it', async () => {
    const before = Number((await db.query('SELECT count(*) FROM postal.txlog')).rows[0].count);
    const item = await clients[0]!.print(printRequest(730n));
    await clients[0]!.refund(item.itemId);
    const rows = (await db.query(`SELECT type, meter_id FROM postal.txlog ORDER BY at, log_id, seq`)).rows.slice(before);
    expect(rows.map((r) => r.type)).toEqual(expect.arrayContaining(['print', 'refund']));
    expect(rows.every((r) => r.meter_id === clients[0]!.meterId)).toBe(true);
    const types = new Set((await db.query('SELECT DISTINCT type FROM postal.txlog')).rows.map((r) => r.type));
    for (const t of ['provision', 'registerBegin', 'register', 'fund', 'print', 'refund']) expect(types).toContain(t);
    // Each meter's records chain its package versions with no gap.
    const versions = await db.query(
      `SELECT meter_id, array_agg(version_after ORDER BY version_after) AS v FROM postal.txlog WHERE meter_id IS NOT NULL GROUP BY meter_id`,
    );
    for (const r of versions.rows) expect(r.v.map(Number)).toEqual(r.v.map((_: unknown, i: number) => i + 1));
    const config = JSON.parse(await readFile(join(sys.env.VAULTMETER_HOME!, 'config.json'), 'utf8'));
    const app = new pg.Client({
      connectionString: `postgres://vaultmeter_app:${encodeURIComponent(config.appDbPassword)}@127.0.0.1:${config.embedded.port}/postgres`,
    });
    await app.connect();
    try {
      await expect(app.query('UPDATE postal.txlog SET type = type')).rejects.toThrow(/permission denied/);
      await expect(app.query('DELETE FROM postal.txlog')).rejects.toThrow(/permission denied/);
      await expect(app.query('TRUNCATE postal.txlog')).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
  });

  it('logs operator actions: revoke and officer creation', async () => {
    const extra = await MeterClient.register(diskProfiles, sys.url, 'logrevoked', PW);
    expect((await revokeAs(sys.url, sys.officer, 'logrevoked', 'test')).status).toBe(200);
    expect((await createOfficerAs(sys.url, [sys.officer, sys.secondOfficer], 'logofficer', 'operator')).answer.status).toBe(200);
    const r = await db.query(`SELECT type, meter_id FROM postal.txlog WHERE type IN ('revoke', 'log:officer_created')`);
    expect(r.rows).toEqual(
      expect.arrayContaining([
        { type: 'revoke', meter_id: extra.meterId },
        { type: 'log:officer_created', meter_id: null },
      ]),
    );
  });

  it('ships signed segments that `audit verify` accepts with no secret, and reports the lag', async () => {
    for (const c of clients) for (let i = 0; i < 5; i++) await c.print(printRequest(100n + BigInt(i)));
    await until('the log to ship', shippedAll);
    const v = await sys.cli(['audit', 'verify', shipDir, '--json']);
    expect(v.code, v.stderr).toBe(0);
    const total = Number((await db.query('SELECT count(*) FROM postal.txlog')).rows[0].count);
    expect(v.json.ok).toBe(true);
    expect(v.json.records).toBe(total);
    expect(v.json.logs.length).toBe(2);
    const status = await sys.cli(['admin', 'log', '--json', ...officerFlags(sys.url, sys.officer)]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json.durability).toBe('local');
    expect(status.json.targets[0].logs.every((l: LooseJson) => l.lagRecords === '0')).toBe(true);
  });

  it('a package rolled back in the database is refused before any module acts on it, and rolled forward from its log', async () => {
    const victim = clients[1]!;
    const old = (await db.query('SELECT package, package_version FROM postal.meters WHERE meter_id = $1', [victim.meterId])).rows[0];
    const printed = [await victim.print(printRequest(200n)), await victim.print(printRequest(201n))];
    // The attacker (or a bad restore) puts the older package back; an operator credit would build on it.
    await db.query('UPDATE postal.meters SET package = $2, package_version = $3 WHERE meter_id = $1', [victim.meterId, old.package, old.package_version]);
    const funded = await fundAs(sys.url, sys.officer, 'log1', '1000');
    expect(funded.status).toBe(200);
    const refused = await auditEvents(db, 'package_refused');
    expect(refused.map((e) => e.meter_id)).toContain(victim.meterId);
    // The credit landed on the true package: both prints are still on the registers, and no fork exists.
    const b = await victim.balance();
    expect(b.arMills).toBe(printed[1]!.arMills);
    expect(b.drMills).toBe(printed[1]!.drMills + 1000n);
    await until('the log to ship', shippedAll);
    await new Promise((r) => setTimeout(r, 300)); // one more shipper pass: the verifier checks what is off-site
    expect((await auditEvents(db, 'continuity_break')).filter((e) => e.meter_id === victim.meterId)).toHaveLength(0);
    const status = (await db.query('SELECT status FROM postal.meters WHERE meter_id = $1', [victim.meterId])).rows[0];
    expect(status.status).toBe('active');
  });

  it('a shipper killed with kill -9 mid-run resumes with no gap and no duplicate', async () => {
    const loops = [clients[0]!, clients[2]!].map(async (c) => {
      for (let i = 0; i < 30; i++) await c.print(printRequest(50n));
    });
    const pids = await until('the shipper process', async () => {
      const p = await processPids(sys.env.VAULTMETER_HOME!, 'ship');
      return p.length ? p : null;
    });
    await new Promise((r) => setTimeout(r, 150));
    process.kill(pids[0]!, 'SIGKILL');
    await Promise.all(loops);
    await until('a new shipper', async () => {
      const p = await processPids(sys.env.VAULTMETER_HOME!, 'ship');
      return p.length && p[0] !== pids[0] ? p : null;
    });
    await until('the log to ship after the restart', shippedAll);
    const v = await sys.cli(['audit', 'verify', shipDir, '--json']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.json.records).toBe(Number((await db.query('SELECT count(*) FROM postal.txlog')).rows[0].count));
    // Every shipped key is a segment the database cut; none overlaps another.
    const segs = (await db.query('SELECT log_id, first_seq, last_seq FROM postal.txlog_segments ORDER BY log_id, first_seq')).rows;
    for (let i = 1; i < segs.length; i++) {
      if (segs[i].log_id === segs[i - 1].log_id) expect(BigInt(segs[i].first_seq)).toBe(BigInt(segs[i - 1].last_seq) + 1n);
    }
  });
});
