import { chmod, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MeterClient, type PrintedItem } from '../../src/sdk/index.js';
import { diskProfiles } from '../../src/cli/index.js';
import { decodeHeader } from '../../src/ledger/index.js';
import { fundAs } from './api-client.js';
import { recoverVault, runCli, startSystem, type TestSystem } from './harness.js';
import { shippedTo, until } from './wait.js';

const PW = 'correct horse battery';
const CUSTOMERS = 12;
/** Mixed transactions before and after the backup: prints, refunds, fundings, balance checks. */
const ROUNDS_BEFORE = 80;
const ROUNDS_AFTER = 170;
const FUND = 2_000_000n;
const today = () => new Date().toISOString().slice(0, 10);
const printRequest = (amount: bigint) => ({
  amountMills: amount,
  originZip: '90807',
  destination: '10001',
  date: today(),
  rateCategory: 'FCM-LETTER',
  weightTenthOz: 10,
});

interface Ledger {
  client: MeterClient;
  user: string;
  /** Fundings plus refunds: what the control total must be. */
  funded: bigint;
  items: Map<string, PrintedItem>;
  refunded: Set<string>;
}

/** One round: every customer does something, chosen by the round number (deterministic mix). */
async function round(r: number, ledgers: Ledger[], sys: TestSystem): Promise<number> {
  let n = 0;
  await Promise.all(
    ledgers.map(async (l, i) => {
      const pick = (r + i) % 10;
      if (pick < 6) {
        const item = await l.client.print(printRequest(100n + BigInt((r * 7 + i) % 900)));
        l.items.set(item.itemId, item);
      } else if (pick === 6 && l.items.size > l.refunded.size) {
        const id = [...l.items.keys()].find((k) => !l.refunded.has(k))!;
        await l.client.refund(id);
        l.refunded.add(id);
        l.funded += l.items.get(id)!.amountMills; // a refund credits the descending register
      } else if (pick === 7) {
        const amount = 1_000n + BigInt(r);
        const a = await fundAs(sys.url, sys.officer, l.user, amount.toString());
        expect(a.status).toBe(200);
        l.funded += amount;
        await l.client.balance();
      } else {
        await l.client.balance();
      }
      n++;
    }),
  );
  return n;
}

/** CUSTOMERS registered and funded meters, each with its client's ledger. */
async function fundedCustomers(sys: TestSystem): Promise<Ledger[]> {
  const ledgers: Ledger[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const user = `drill${i}`;
    const client = await MeterClient.register(diskProfiles, sys.url, user, PW);
    await fundAs(sys.url, sys.officer, user, FUND.toString());
    await client.balance();
    ledgers.push({ client, user, funded: FUND, items: new Map(), refunded: new Set() });
  }
  return ledgers;
}

/** Every item the customer was given is in the recovered database, and the meter's registers match its log. */
async function expectRecovered(rdb: pg.Client, l: Ledger): Promise<void> {
  for (const [id, item] of l.items) {
    const row = (await rdb.query('SELECT item_bytes, refunded_at FROM postal.items WHERE item_id = $1', [id])).rows[0];
    expect(row, `item ${id}`).toBeDefined();
    expect(Buffer.from(row.item_bytes).equals(item.itemBytes)).toBe(true);
    expect(row.refunded_at !== null).toBe(l.refunded.has(id));
  }
  const head = (await rdb.query('SELECT header FROM postal.txlog WHERE meter_id = $1 ORDER BY version_after DESC LIMIT 1', [l.client.meterId])).rows[0];
  const h = decodeHeader(head.header)!;
  // Sessions are not restored: each customer logs in again, with the same password and keys.
  l.client = await MeterClient.login(diskProfiles, l.user, PW);
  const bal = await l.client.balance();
  expect(h.arAfterMills).toBe(bal.arMills);
  expect(h.drAfterMills).toBe(bal.drMills);
  expect(bal.arMills + bal.drMills).toBe(l.funded);
}

// The recovery drill (issue 4): mixed transactions through the API, a backup in the middle, the
// log shipped; then the database and every module's state are wiped, and the installation is
// rebuilt from the backup plus the shipped log. Every item a client received must be there, with
// the same registers; control totals must match; recovered meters must keep printing.
/** A copy of a file in the off-site vault; its path there. */
async function keepOffSite(file: string, vault: string): Promise<string> {
  const kept = join(vault, basename(file));
  await cp(file, kept);
  return kept;
}

describe('recovery drill: backup + shipped log after losing everything', () => {
  let sys: TestSystem | null = null;
  let recovered: TestSystem | null = null;
  let vault = '';
  afterAll(async () => {
    await recovered?.stop();
    await sys?.stop();
    if (vault) await rm(vault, { recursive: true, force: true });
  });

  it('loses nothing a client was given, and the meters print again', async () => {
    sys = await startSystem({
      VAULTMETER_POOL_SIZE: '0',
      VAULTMETER_SHIP_INTERVAL_MS: '100',
      VAULTMETER_SEGMENT_RECORDS: '100',
      VAULTMETER_SEGMENT_MAX_AGE_MS: '0',
      VAULTMETER_BACKUP_INTERVAL_MS: '0',
    });
    const home = sys.env.VAULTMETER_HOME!;
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    const ledgers = await fundedCustomers(sys);
    let transactions = 0;
    for (let r = 0; r < ROUNDS_BEFORE; r++) transactions += await round(r, ledgers, sys);

    vault = await mkdtemp(join(tmpdir(), 'vm-vault-'));
    await chmod(vault, 0o711);
    const b = await sys.cli(['backup', 'create', '--to', vault, '--json']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.json.location).toMatch(/\.vmbk$/);

    for (let r = ROUNDS_BEFORE; r < ROUNDS_BEFORE + ROUNDS_AFTER; r++) transactions += await round(r, ledgers, sys);
    expect(transactions).toBeGreaterThanOrEqual(3000);

    // Everything committed is off-site before the disaster.
    const db = await sys.ownerDb();
    const shipDir = join(home, 'shipped-log');
    await until('the log to ship', () => shippedTo(db, `dir:${shipDir}`));
    const logRecords = Number((await db.query('SELECT count(*) FROM postal.txlog')).rows[0].count);
    await db.end();
    // The off-site vault: the shipped log, the backup, the passphrase; then the site is lost.
    await cp(shipDir, join(vault, 'log'), { recursive: true });
    await cp(join(home, 'dev-passphrase'), join(vault, 'passphrase'));
    // The customers' own devices are not part of the site (their profiles), nor are the officers' key files.
    await cp(sys.env.VAULTMETER_CLIENT_HOME!, join(vault, 'client'), { recursive: true });
    process.env.VAULTMETER_CLIENT_HOME = join(vault, 'client');
    const officer = { ...sys.officer, keyFile: await keepOffSite(sys.officer.keyFile, vault) };
    const port = new URL(sys.url).port;
    await sys.stop();
    sys = null;

    const { rec, newHome, backupFile, env } = await recoverVault(vault);
    expect(rec.code, rec.stderr).toBe(0);
    const report = rec.json;
    expect(report.meters).toBe(CUSTOMERS);
    expect(report.replayedTotal).toBeGreaterThan(0);
    const funded = ledgers.reduce((t, l) => t + l.funded, 0n);
    expect(BigInt(report.controlTotalMills)).toBe(funded);

    // Running it again is harmless: nothing more to replay.
    const again = await runCli(
      ['recover', '--backup', backupFile, '--log', join(vault, 'log'), '--passphrase-file', join(vault, 'passphrase'), '--json'],
      env,
      vault,
    );
    expect(again.code).toBe(1);
    expect(again.json.error.message).toMatch(/already holds an installation|not empty/);

    recovered = await startSystem({ VAULTMETER_HOME: newHome, PORT: port, VAULTMETER_POOL_SIZE: '0', VAULTMETER_BACKUP_INTERVAL_MS: '0' });
    const rdb = await recovered.ownerDb();
    try {
      expect(Number((await rdb.query('SELECT count(*) FROM postal.txlog')).rows[0].count)).toBe(logRecords);
      for (const l of ledgers) await expectRecovered(rdb, l);
    } finally {
      await rdb.end();
    }
    // Recovered meters keep printing, and operators can still act.
    for (const l of ledgers.slice(0, 4)) {
      const item = await l.client.print(printRequest(123n));
      expect(item.itemId).toMatch(/^[0-9a-f]{32}$/);
    }
    const funding = await fundAs(recovered.url, officer, ledgers[0]!.user, '5000');
    expect(funding.status).toBe(200);
  }, 600_000);
});
