import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, MeterClient, type PrintedItem } from '../../src/sdk/index.js';
import { diskProfiles } from '../../src/cli/index.js';
import { fundAs, officerHeaders, post } from './api-client.js';
import { auditEvents, restoreSnapshot, takeSnapshot } from './db-snapshot.js';
import { startSystem, type TestSystem } from './harness.js';
import { UNPROVEN_RETRY_INTERVAL_MS } from '../../src/constants.js';
import { modulePids } from './wait.js';

// A database put back to an older copy (a restore that lost the last minute, a lagging standby, an
// attacker with SQL) never costs value: what the modules witnessed is rolled forward from their
// journals, at the default `local` durability, before the shipper has taken it off-site.

const PW = 'correct horse battery';
const RING = 3;
const FUNDED = 50_000n;

function printRequest(amountMills: bigint) {
  return { amountMills, originZip: '90807', destination: '10001', date: new Date().toISOString().slice(0, 10), rateCategory: 'FCM-LETTER', weightTenthOz: 10 };
}

let sys: TestSystem;
let db: pg.Client;
let client: MeterClient;
const delivered: PrintedItem[] = [];

beforeAll(async () => {
  sys = await startSystem({ VAULTMETER_POOL_SIZE: '0', VAULTMETER_RING_SIZE: String(RING) });
  process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
  client = await MeterClient.register(diskProfiles, sys.url, 'erin', PW);
  expect((await fundAs(sys.url, sys.officer, 'erin', FUNDED.toString())).status).toBe(200);
  await client.balance();
  db = await sys.ownerDb();
});
afterAll(async () => {
  await db?.end();
  await sys?.stop();
});

async function printSome(n: number, base: bigint): Promise<void> {
  for (let i = 0; i < n; i++) delivered.push(await client.print(printRequest(base + BigInt(i))));
}

/** Every item ever delivered is on the registers, verifies valid, and the registers add up to the funding. */
async function expectNothingLost(): Promise<void> {
  const b = await client.balance();
  const printed = delivered.reduce((t, d) => t + d.amountMills, 0n);
  expect(b.arMills).toBe(printed);
  expect(b.arMills + b.drMills).toBe(FUNDED);
  expect(b.controlTotalMills).toBe(FUNDED);
  for (const d of delivered) {
    const v = await post(sys.url, '/v1/verify', { itemBase64: d.itemBytes.toString('base64') });
    expect(v.status).toBe(200);
    expect(v.json.valid, JSON.stringify(v.json)).toBe(true);
  }
  const items = await db.query('SELECT count(*)::int AS n, coalesce(sum(amount_mills), 0)::text AS total FROM postal.items WHERE refunded_at IS NULL');
  expect(items.rows[0].n).toBe(delivered.length);
  expect(BigInt(items.rows[0].total)).toBe(printed);
  expect(await auditEvents(db, 'transaction_discarded')).toHaveLength(0);
  expect(await auditEvents(db, 'module_inhibited')).toHaveLength(0);
}

describe('a database put back to an older copy is rolled forward from the modules’ journals', () => {
  it('within the ring, the log unshipped: the customer logs in without accepting anything, and nothing is lost', async () => {
    await takeSnapshot(db, 'snap_within');
    await printSome(2, 101n);
    await restoreSnapshot(db, 'snap_within');
    // The registers the client holds are the truth: no --accept-registers is needed, none is offered.
    client = await MeterClient.login(diskProfiles, 'erin', PW);
    await expectNothingLost();
    expect((await auditEvents(db, 'journal_rolled_forward')).length).toBeGreaterThanOrEqual(1);
    await printSome(1, 111n);
    await expectNothingLost();
  });

  it('beyond the ring: the journal still holds every transaction; no module is inhibited, nothing halts', async () => {
    await takeSnapshot(db, 'snap_beyond');
    await printSome(4 * RING, 200n);
    await restoreSnapshot(db, 'snap_beyond');
    client = await MeterClient.login(diskProfiles, 'erin', PW);
    await expectNothingLost();
    expect(await auditEvents(db, 'system_halted')).toHaveLength(0);
  });

  it("with an officer's device audit as the first command: the audit signs the rolled-forward registers", async () => {
    await takeSnapshot(db, 'snap_audit');
    await printSome(2, 300n);
    await restoreSnapshot(db, 'snap_audit');
    const audit = await post(sys.url, '/v1/admin/audit', { user: 'erin' }, officerHeaders(sys.officer));
    expect(audit.status, JSON.stringify(audit.json)).toBe(200);
    const printed = delivered.reduce((t, d) => t + d.amountMills, 0n);
    expect(BigInt(audit.json.report.arMills)).toBe(printed);
    expect(BigInt(audit.json.report.drMills)).toBe(FUNDED - printed);
    await expectNothingLost();
  });

  it("one meter's package row put back while every checkpoint matches: refused, rolled forward from its log, no 500", async () => {
    const before = await db.query('SELECT package, package_version FROM postal.meters WHERE meter_id = $1', [client.meterId]);
    await printSome(2, 400n);
    await db.query('UPDATE postal.meters SET package = $2, package_version = $3 WHERE meter_id = $1', [
      client.meterId,
      before.rows[0].package,
      before.rows[0].package_version,
    ]);
    await printSome(1, 410n);
    await expectNothingLost();
    const refused = await auditEvents(db, 'package_refused');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0].meter_id).toBe(client.meterId);
    expect(refused[0].detail.version).toBe(String(before.rows[0].package_version));
  });
});

// The module that witnessed the lost transactions also lost its disk (ring and journal), and the log
// was not shipped yet: nothing can put them back. The client's own record is the proof: the meter
// is held with it as evidence, never run on the stale registers, and its items stay valid.
describe("a stale database whose witness lost its disk: the client's record is the evidence", () => {
  let sys2: TestSystem;
  let db2: pg.Client;
  let erin: MeterClient;
  const items: PrintedItem[] = [];

  beforeAll(async () => {
    sys2 = await startSystem({ VAULTMETER_POOL_SIZE: '0', VAULTMETER_HALT_THRESHOLD: '2' });
    process.env.VAULTMETER_CLIENT_HOME = sys2.env.VAULTMETER_CLIENT_HOME;
    erin = await MeterClient.register(diskProfiles, sys2.url, 'erin', PW);
    expect((await fundAs(sys2.url, sys2.officer, 'erin', FUNDED.toString())).status).toBe(200);
    db2 = await sys2.ownerDb();
  });
  afterAll(async () => {
    await db2?.end();
    await sys2?.stop();
  });

  it('the meter is held unproven with the client record as evidence; no register goes back', async () => {
    await takeSnapshot(db2, 'snap_lost');
    for (let i = 0; i < 2; i++) items.push(await erin.print(printRequest(500n + BigInt(i))));
    await takeSnapshot(db2, 'snap_truth');
    const witness = (await db2.query("SELECT log_id FROM postal.txlog WHERE type = 'print' ORDER BY at DESC LIMIT 1")).rows[0].log_id as string;
    await loseModuleDisk(sys2, witness);
    await restoreSnapshot(db2, 'snap_lost');

    const e = await MeterClient.login(diskProfiles, 'erin', PW).then(
      () => null,
      (x: unknown) => x as ApiError,
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(['registers_rolled_back', 'meter_unproven']).toContain(e!.code);
    const row = (await db2.query('SELECT status FROM postal.meters WHERE meter_id = $1', [erin.meterId])).rows[0];
    expect(row.status).toBe('unproven');
    const held = (await auditEvents(db2, 'meter_unproven')).filter((x) => x.meter_id === erin.meterId);
    expect(held.length).toBeGreaterThanOrEqual(1);
    const printed = items.reduce((t, d) => t + d.amountMills, 0n);
    expect(held.some((x) => x.detail.clientArMills === printed.toString())).toBe(true);
    // Held on every module: a second login never adopts the stale registers either.
    const again = await MeterClient.login(diskProfiles, 'erin', PW).catch((x: ApiError) => x);
    expect(again).toBeInstanceOf(ApiError);
    for (const d of items) {
      const v = await post(sys2.url, '/v1/verify', { itemBase64: d.itemBytes.toString('base64') });
      expect(v.json.valid, JSON.stringify(v.json)).toBe(true);
    }
  });

  it('the meter comes back by itself once its true package is back (as a later roll-forward brings it)', async () => {
    // The truth returns (a later copy of the row is put back, as a roll-forward from a recovered log would).
    await db2.query(
      'UPDATE postal.meters m SET package = s.package, package_version = s.package_version FROM snap_truth.meters s WHERE m.meter_id = s.meter_id',
    );
    await new Promise((r) => setTimeout(r, UNPROVEN_RETRY_INTERVAL_MS)); // the held meter's roll-forward tries are spaced out
    const back = await MeterClient.login(diskProfiles, 'erin', PW);
    const b = await back.balance();
    expect(b.arMills).toBe(items.reduce((t, d) => t + d.amountMills, 0n));
    expect(b.arMills + b.drMills).toBe(FUNDED);
    expect((await db2.query('SELECT status, proven_version FROM postal.meters WHERE meter_id = $1', [erin.meterId])).rows[0]).toEqual({
      status: 'active',
      proven_version: null,
    });
    expect((await auditEvents(db2, 'meter_proven')).map((x) => x.meter_id)).toContain(erin.meterId);
  });
});

/** Kill the module whose log is `serial`, delete its ring and journal, and wait for the supervisor to restart it afresh. */
async function loseModuleDisk(s: TestSystem, serial: string): Promise<void> {
  const home = s.env.VAULTMETER_HOME!;
  const config = JSON.parse(await readFile(join(home, 'config.json'), 'utf8')) as { modules: { serial: string; keystore: string }[] };
  const keystore = config.modules.find((m) => m.serial === serial)!.keystore;
  const ring = join(home, keystore.replace(/\.keystore$/, '.ring'));
  const pid = await modulePidOf(home, keystore);
  process.kill(pid, 'SIGSTOP');
  await rm(ring, { force: true });
  await rm(`${ring}.journal`, { force: true });
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    const next = await modulePidOf(home, keystore).catch(() => 0);
    if (next && next !== pid && existsSync(ring)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`module ${serial} did not come back`);
}

async function modulePidOf(home: string, keystore: string): Promise<number> {
  for (const pid of await modulePids(home)) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(keystore)) return pid;
  }
  throw new Error(`no module process for ${keystore}`);
}
