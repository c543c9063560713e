import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeterClient } from '../../src/sdk/index.js';
import { diskProfiles } from '../../src/cli/index.js';
import { s3rverSpec, startS3rver, stopS3rver, type S3rverProcess } from '../helpers/s3rver.js';
import { fundAs, officerFlags } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';
import { shippedTo, until } from './wait.js';

const PW = 'correct horse battery';
const BUCKET = 'vm-ship';
const PREFIX = 'txlog';
const today = () => new Date().toISOString().slice(0, 10);
const printRequest = (amount: bigint) => ({
  amountMills: amount,
  originZip: '90807',
  destination: '10001',
  date: today(),
  rateCategory: 'FCM-LETTER',
  weightTenthOz: 10,
});

interface LogStatus {
  durability: string;
  targets: { name: string; logs: { logId: string; lastSeq: string; shippedSeq: string; lagRecords: string }[] }[];
}

// One running system shipping its log to two targets at once, a directory and an S3-compatible store
// (s3rver): both get the whole log, and `audit verify` accepts each. An S3 outage does not stop
// printing at `local` durability; it shows as lag on that target, and the lag drains once S3 is back.
describe('shipping the log to a directory and an S3 store', () => {
  let sys: TestSystem;
  let db: pg.Client;
  let work: string;
  let s3Dir: string;
  let shipDir: string;
  let s3: S3rverProcess;
  let s3Spec: string;
  let client: MeterClient;
  const dirName = () => `dir:${resolve(shipDir)}`;
  const s3Name = `s3://${BUCKET}/${PREFIX}`;

  /** True when target `name` holds every record of every log. */
  const shippedAll = (name: string) => shippedTo(db, name);
  const totalRecords = async () => Number((await db.query('SELECT count(*) FROM postal.txlog')).rows[0].count);
  const logStatus = async (): Promise<LogStatus> => {
    const r = await sys.cli(['admin', 'log', '--json', ...officerFlags(sys.url, sys.officer)]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return r.json as LogStatus;
  };
  const lagOf = (status: LogStatus, name: string) => {
    const t = status.targets.find((x) => x.name === name);
    if (!t) throw new Error(`admin log shows no target ${name}: ${JSON.stringify(status)}`);
    return t.logs.reduce((sum, l) => sum + BigInt(l.lagRecords), 0n);
  };
  const verify = async (spec: string) => {
    const v = await sys.cli(['audit', 'verify', spec, '--json']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    return v.json as { ok: boolean; records: number; logs: unknown[] };
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'vm-ship-s3-'));
    s3Dir = join(work, 's3rver');
    shipDir = join(work, 'ship-dir');
    await mkdir(s3Dir);
    await mkdir(shipDir);
    s3 = await startS3rver(s3Dir, BUCKET);
    s3Spec = s3rverSpec(s3.endpoint, BUCKET, PREFIX);
    sys = await startSystem({
      VAULTMETER_POOL_SIZE: '0',
      VAULTMETER_SHIP_INTERVAL_MS: '100',
      VAULTMETER_SEGMENT_RECORDS: '7',
      VAULTMETER_SEGMENT_MAX_AGE_MS: '0',
      // The directory first: the shipper serves targets in this order, so it keeps getting the log while S3 is down.
      VAULTMETER_SHIP_TARGETS: `${shipDir},${s3Spec}`,
    });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    db = await sys.ownerDb();
    client = await MeterClient.register(diskProfiles, sys.url, 'shipper', PW);
    const funded = await fundAs(sys.url, sys.officer, 'shipper', '100000');
    expect(funded.status).toBe(200);
    await client.balance();
  });
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
    if (s3) await stopS3rver(s3.child);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships the whole log to both targets, and `audit verify` accepts each with every record', async () => {
    for (let i = 0; i < 20; i++) await client.print(printRequest(100n + BigInt(i)));
    await until('the directory to hold the whole log', () => shippedAll(dirName()));
    await until('the S3 store to hold the whole log', () => shippedAll(s3Name));
    const total = await totalRecords();
    expect(total).toBeGreaterThan(20);
    const fromS3 = await verify(s3Spec);
    const fromDir = await verify(shipDir);
    expect(fromS3.ok).toBe(true);
    expect(fromDir.ok).toBe(true);
    expect(fromS3.records).toBe(total);
    expect(fromDir.records).toBe(total);
    expect(fromS3.logs.length).toBe(fromDir.logs.length);
    const status = await logStatus();
    expect(status.durability).toBe('local');
    expect(status.targets.map((t) => t.name).sort()).toEqual([dirName(), s3Name].sort());
    expect(lagOf(status, s3Name)).toBe(0n);
    expect(lagOf(status, dirName())).toBe(0n);
  }, 120_000);

  it('keeps printing while S3 is down, shows the lag on S3 only, and drains it when S3 is back', async () => {
    const port = s3.port;
    await stopS3rver(s3.child);
    for (let i = 0; i < 5; i++) await client.print(printRequest(300n + BigInt(i)));
    const down = await logStatus();
    expect(lagOf(down, s3Name)).toBeGreaterThan(0n);
    // The directory, served before S3 in each pass, still receives everything.
    await until('the directory to catch up while S3 is down', () => shippedAll(dirName()), 60_000);
    expect(await shippedAll(s3Name)).toBe(false);
    expect(lagOf(await logStatus(), s3Name)).toBeGreaterThan(0n);

    s3 = await startS3rver(s3Dir, BUCKET, port);
    expect(s3.port).toBe(port);
    await until('the S3 lag to drain', async () => lagOf(await logStatus(), s3Name) === 0n, 90_000);
    expect(await shippedAll(s3Name)).toBe(true);
    const total = await totalRecords();
    const fromS3 = await verify(s3Spec);
    expect(fromS3.ok).toBe(true);
    expect(fromS3.records).toBe(total);
  }, 180_000);
});
