import { chmod, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { diskProfiles } from '../../src/cli/index.js';
import { addBankAccount, choosePlan, MeterClient, type PrintedItem } from '../../src/sdk/index.js';
import { STAGING_LOCK_KEY } from '../../src/constants.js';
import { dssUrlFrom } from '../../src/store/index.js';
import { fundAs, letter, officerHeaders, post } from './api-client.js';
import { recoverVault, startSystem, type TestSystem } from './harness.js';
import { shippedTo, until } from './wait.js';

// Issue 18 item 3: staging and the decision-support warehouse, against the real processes. Known
// secrets go in through the real flows (a password, a bank account number, a tax id, session and
// API tokens); none of them, nor a package, an item's bytes or a log record's bytes, is found in
// any staging row or in the raw bytes of the DuckDB file. The reports' totals equal the ledger's,
// computed by separate SQL on the vault tables. A second delta changes nothing. After a recovery
// (backup + shipped log into an empty database), the delta gives the same warehouse.

const PASSWORD = 'Staging-Secret-Pw-7741';
const ACCOUNT_NUMBER = '7714206619';
const TAX_ID = '987654329';
const ROUTING = '021000021';
const CUSTOMERS = 3;

type Dump = Record<string, unknown[]>;

const STAGING_TABLES = ['meters', 'items', 'scans', 'fundings', 'account_refunds', 'invoices', 'watermarks'];

async function stagingDump(db: pg.Client): Promise<Dump> {
  const out: Dump = {};
  for (const t of STAGING_TABLES) out[t] = (await db.query(`SELECT t::text AS r FROM staging.${t} t ORDER BY 1`)).rows.map((r) => r.r);
  return out;
}

async function warehouseDump(file: string): Promise<Dump> {
  const inst = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await inst.connect();
  try {
    const out: Dump = {};
    for (const t of ['meters', 'items', 'scans', 'fundings', 'account_refunds', 'invoices']) {
      const r = await conn.runAndReadAll(`SELECT * FROM ${t} ORDER BY ALL`);
      out[t] = r.getRows().map((row) => JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    }
    return out;
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\r\n');
  const cols = head!.split(',');
  return lines.filter(Boolean).map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

const sum = (rows: Record<string, string>[], col: string) => rows.reduce((a, r) => a + BigInt(r[col] || '0'), 0n);

type Sys = TestSystem;

/** Customers with known secrets, through the real flows: logins, fundings, prints, a bank account and a debit, a license, a plan, a refund, scans. */
async function knownSecrets(sys: Sys): Promise<{ clients: MeterClient[]; items: PrintedItem[] }> {
  const officer = sys.officer;
  // Customers with known secrets, through the real flows.
  const clients: MeterClient[] = [];
  const items: PrintedItem[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const user = `dss${i}`;
    const client = await MeterClient.register(diskProfiles, sys.url, user, PASSWORD);
    expect((await fundAs(sys.url, officer, user, '100000')).status).toBe(200);
    clients.push(client);
    for (let k = 0; k < 3; k++) items.push(await client.print(letter(BigInt(500 + 100 * i + k))));
  }
  const account = await addBankAccount(clients[0]!, {
    routingNumber: ROUTING,
    accountNumber: ACCOUNT_NUMBER,
    accountType: 'checking',
    holderName: 'Dana Secret',
  });
  await clients[0]!.requestFunding({ amountMills: 25_000n, bankAccountId: account.bankAccountId });
  expect((await post(sys.url, '/v1/admin/licenses', { user: 'dss1', taxId: TAX_ID, licensingZip: '90807' }, officerHeaders(officer))).status).toBe(200);
  await choosePlan(clients[2]!, 'standard');
  await clients[1]!.refund(items[3]!.itemId);
  // A duplicate scan: the same item verified twice, and another once.
  const scan = (it: PrintedItem, location: string) => post(sys.url, '/v1/verify', { itemBase64: it.itemBytes.toString('base64'), location });
  expect((await scan(items[0]!, 'LONG BEACH CA')).status).toBe(200);
  expect((await scan(items[0]!, 'NEW YORK NY')).status).toBe(200);
  expect((await scan(items[1]!, 'NEW YORK NY')).status).toBe(200);

  return { clients, items };
}

const scanOf = (sys: Sys) => (it: PrintedItem, location: string) => post(sys.url, '/v1/verify', { itemBase64: it.itemBytes.toString('base64'), location });

/** Changes after the backup: prints, a refused and a good refund, a funding, a duplicate scan. */
async function moreChanges(sys: Sys, clients: MeterClient[], items: PrintedItem[]): Promise<void> {
  const officer = sys.officer;
  const scan = scanOf(sys);
  items.push(await clients[2]!.print(letter(990n)));
  items.push(await clients[0]!.print(letter(1234n)));
  await clients[0]!.refund(items[0]!.itemId).catch(() => undefined); // scanned: refused, and nothing changes
  await clients[2]!.refund(items[6]!.itemId);
  expect((await fundAs(sys.url, officer, 'dss1', '5000')).status).toBe(200);
  expect((await scan(items[items.length - 1]!, 'DALLAS TX')).status).toBe(200);
  expect((await scan(items[items.length - 1]!, 'DALLAS TX')).status).toBe(200);
}

/** No secret anywhere in staging or in the DuckDB file's bytes. */
async function expectNoSecrets(db: pg.Client, warehouse: string): Promise<void> {
  const secrets: { what: string; text: string[]; bytes: Buffer[] }[] = [
    { what: 'password', text: [PASSWORD], bytes: [Buffer.from(PASSWORD)] },
    { what: 'bank account number', text: [ACCOUNT_NUMBER], bytes: [Buffer.from(ACCOUNT_NUMBER)] },
    { what: 'tax id', text: [TAX_ID, '987-65-4329', '98-7654329'], bytes: [Buffer.from(TAX_ID), Buffer.from('987-65-4329')] },
    { what: 'holder name', text: ['Dana Secret'], bytes: [Buffer.from('Dana Secret')] },
  ];
  const bytesOf = async (sql: string, col: string) => (await db.query(sql)).rows.map((r) => r[col] as Buffer);
  const piece = (b: Buffer) => b.subarray(Math.max(0, b.length - 24)); // the tail: a MAC, a signature, a sealed tag
  for (const [what, sql, col] of [
    ['package', 'SELECT package FROM postal.meters', 'package'],
    ['item bytes', 'SELECT item_bytes FROM postal.items', 'item_bytes'],
    ['session token hash', 'SELECT token_sha256 FROM membership.sessions', 'token_sha256'],
    ['sealed bank account', 'SELECT sealed FROM membership.bank_accounts', 'sealed'],
    ['sealed tax id', 'SELECT tax_id_sealed FROM provider.meter_licenses', 'tax_id_sealed'],
    ['debit authorization', 'SELECT debit_authorization FROM commerce.funding_requests', 'debit_authorization'],
    ['log body', 'SELECT body FROM postal.txlog', 'body'],
    ['checkpoint MAC', 'SELECT checkpoint_mac FROM postal.modules WHERE checkpoint_mac IS NOT NULL', 'checkpoint_mac'],
  ] as const) {
    const found = (await bytesOf(sql, col)).filter((b) => b && b.length > 0);
    expect(found.length, what).toBeGreaterThan(0);
    secrets.push({ what, text: found.map((b) => piece(b).toString('hex')), bytes: found.map(piece) });
  }
  // The control: the same text search finds a package's tail in the vault's own rows.
  const vaultText = (await db.query<{ t: string }>("SELECT string_agg(m::text, E'\\n') AS t FROM postal.meters m")).rows[0]!.t.toLowerCase();
  expect(vaultText.includes(secrets.find((s) => s.what === 'package')!.text[0]!)).toBe(true);
  const stagingText = Object.values(await stagingDump(db))
    .flat()
    .join('\n')
    .toLowerCase();
  const file = await readFile(warehouse);
  for (const s of secrets) {
    for (const t of s.text) expect(stagingText.includes(t.toLowerCase()), `${s.what} in staging`).toBe(false);
    for (const b of s.bytes) {
      expect(file.includes(b), `${s.what} in the DuckDB file`).toBe(false);
      expect(file.includes(Buffer.from(b.toString('hex'))), `${s.what} (hex) in the DuckDB file`).toBe(false);
    }
  }
  // ...while the facts the reports need are there.
  expect(file.includes(Buffer.from('LONG BEACH CA'))).toBe(true);
}

/** Report totals equal the ledger's, by separate SQL on the vault tables. */
async function expectLedgerTotals(sys: Sys, db: pg.Client): Promise<void> {
  const out = join(sys.dir, 'reports');
  const report = async (name: string) => {
    const r = await sys.cli(['reports', name, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const svg = await readFile(join(out, `${name}.svg`), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    return parseCsv(await readFile(join(out, `${name}.csv`), 'utf8'));
  };
  const one = async (sql: string) => BigInt((await db.query(sql)).rows[0].n ?? 0);
  const postage = await report('postage');
  expect(sum(postage, 'postage_mills')).toBe(await one(`SELECT sum(amount_mills) AS n FROM postal.items WHERE kind = 'postage'`));
  expect(sum(postage, 'pieces')).toBe(await one(`SELECT count(*) AS n FROM postal.items WHERE kind = 'postage'`));
  expect(sum(postage, 'refunded_mills')).toBe(await one(`SELECT sum(amount_mills) AS n FROM postal.items WHERE refunded_at IS NOT NULL`));
  expect(new Set(postage.map((r) => r.mail_class))).toEqual(new Set(['FCM']));
  const funding = await report('funding');
  expect(sum(funding, 'funded_mills')).toBe(
    (await one(`SELECT sum((detail->>'amountMills')::bigint) AS n FROM support.operator_actions WHERE action = 'fund'`)) +
      (await one('SELECT coalesce(sum(amount_mills), 0) AS n FROM commerce.funding_requests WHERE settled_at IS NOT NULL')),
  );
  expect(sum(funding, 'item_refund_mills')).toBe(await one('SELECT sum(amount_mills) AS n FROM postal.items WHERE refunded_at IS NOT NULL'));
  const duplicates = await report('duplicates');
  expect(duplicates.map((r) => [r.item_id, r.scans])).toEqual(
    (
      await db.query('SELECT item_id, count(*)::text AS scans FROM postal.verifications GROUP BY item_id HAVING count(*) > 1 ORDER BY count(*) DESC, item_id')
    ).rows.map((r) => [r.item_id, r.scans]),
  );
  const active = await report('active-meters');
  expect(sum(active, 'active_meters')).toBe(await one(`SELECT count(DISTINCT (meter_id, (created_at AT TIME ZONE 'UTC')::date)) AS n FROM postal.items`));
  expect(sum(active, 'amount_mills')).toBe(await one('SELECT sum(amount_mills) AS n FROM postal.items'));
  const revenue = await report('revenue');
  expect(sum(revenue, 'meters')).toBe(await one('SELECT count(*) AS n FROM membership.customers WHERE registered_at IS NOT NULL'));
  expect(sum(revenue, 'amount_mills')).toBe(await one('SELECT sum(amount_mills) AS n FROM postal.items'));
  expect(revenue.find((r) => r.plan === 'standard')?.meters).toBe('1');
  // A day range outside the data: empty reports.
  const empty = await sys.cli(['reports', 'postage', '--from', '2001-01-01', '--to', '2001-01-31', '--out', join(sys.dir, 'r2'), '--json']);
  expect(empty.json.rows).toBe(0);
  expect((await sys.cli(['reports', 'postage', '--from', '2001-13-01', '--json'])).stderr).toContain('invalid_request');
}

/** The DSS role reads staging and nothing of the vault, and writes nothing. */
async function expectDssConfined(home: string, items: number): Promise<void> {
  const config = JSON.parse(await readFile(join(home, 'config.json'), 'utf8'));
  const ownerUrl = `postgres://postgres:${encodeURIComponent(config.embedded.ownerPassword)}@127.0.0.1:${config.embedded.port}/postgres`;
  const dss = new pg.Client({ connectionString: dssUrlFrom(ownerUrl, config.dssDbPassword) });
  await dss.connect();
  try {
    expect((await dss.query('SELECT count(*)::int AS n FROM staging.items')).rows[0].n).toBe(items);
    for (const sql of [
      'SELECT 1 FROM postal.items LIMIT 1',
      'SELECT 1 FROM postal.meters LIMIT 1',
      'SELECT 1 FROM postal.txlog LIMIT 1',
      'SELECT 1 FROM membership.customers LIMIT 1',
      'SELECT 1 FROM commerce.funding_requests LIMIT 1',
      'SELECT 1 FROM provider.meter_licenses LIMIT 1',
      'SELECT 1 FROM support.operator_actions LIMIT 1',
      "INSERT INTO staging.watermarks (log_id, seq, at) VALUES ('x', 1, now())",
      'DELETE FROM staging.items',
    ])
      await expect(dss.query(sql), sql).rejects.toThrow(/permission denied/);
  } finally {
    await dss.end();
  }
}

/** One run at a time: while another holds the staging lock, a run is refused and changes nothing. */
async function expectOneRunAtATime(sys: Sys, db: pg.Client): Promise<void> {
  const before = (await db.query('SELECT count(*)::int AS n FROM staging.deltas')).rows[0].n;
  await db.query('SELECT pg_advisory_lock($1)', [STAGING_LOCK_KEY]);
  try {
    const busy = await sys.cli(['staging', 'run', '--json']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('staging_busy');
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [STAGING_LOCK_KEY]);
  }
  expect((await db.query('SELECT count(*)::int AS n FROM staging.deltas')).rows[0].n).toBe(before);
}

/** A delta after changes, then another with nothing new: it changes nothing, in staging or in the warehouse. */
async function deltaThenAgain(sys: Sys, db: pg.Client, warehouse: string): Promise<{ liveStaging: Dump; liveWarehouse: Dump }> {
  const run = await sys.cli(['staging', 'run', '--json']);
  expect(run.code, run.stderr).toBe(0);
  expect(run.json.delta.fullCopy).toBe(false);
  expect(run.json.delta.metersTouched).toBeGreaterThan(0);
  expect(run.json.delta.rowsChanged).toBeGreaterThan(0);

  const liveStaging = await stagingDump(db);
  const liveWarehouse = await warehouseDump(warehouse);

  // Twice: nothing changes, in staging or in the warehouse.
  const again = await sys.cli(['staging', 'run', '--json']);
  expect(again.code, again.stderr).toBe(0);
  expect(again.json.delta.rowsChanged).toBe(0);
  expect(again.json.delta.metersTouched).toBe(0);
  expect(await stagingDump(db)).toEqual(liveStaging);
  expect(await warehouseDump(warehouse)).toEqual(liveWarehouse);
  return { liveStaging, liveWarehouse };
}

describe('staging and the decision-support warehouse', () => {
  let sys: TestSystem | null = null;
  let vault = '';
  afterAll(async () => {
    await sys?.stop();
    if (vault) await rm(vault, { recursive: true, force: true });
  });

  it('strips every secret, matches the ledger, is idempotent, and rebuilds the same after a recovery', async () => {
    sys = await startSystem({
      VAULTMETER_POOL_SIZE: '2',
      VAULTMETER_SHIP_INTERVAL_MS: '100',
      VAULTMETER_SEGMENT_RECORDS: '50',
      VAULTMETER_SEGMENT_MAX_AGE_MS: '0',
      VAULTMETER_BACKUP_INTERVAL_MS: '0',
    });
    const home = sys.env.VAULTMETER_HOME!;
    const warehouse = join(home, 'dss', 'warehouse.duckdb');
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;

    // Reports need a warehouse.
    const none = await sys.cli(['reports', 'postage', '--json', '--out', join(sys.dir, 'r0')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('warehouse_missing');

    const { clients, items } = await knownSecrets(sys);
    // A first run, then a backup (which holds staging at that watermark), then more changes.
    const first = await sys.cli(['staging', 'run', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json.delta.fullCopy).toBe(true);
    vault = await mkdtemp(join(tmpdir(), 'vm-dss-'));
    await chmod(vault, 0o711);
    const b = await sys.cli(['backup', 'create', '--to', vault, '--json']);
    expect(b.code, b.stderr).toBe(0);
    await moreChanges(sys, clients, items);

    const db = await sys.ownerDb();
    const { liveStaging, liveWarehouse } = await deltaThenAgain(sys, db, warehouse);

    await expectNoSecrets(db, warehouse);
    await expectLedgerTotals(sys, db);
    await expectDssConfined(home, items.length);
    await expectOneRunAtATime(sys, db);

    // Recovery: the backup (with staging at the first run's watermark) plus the shipped log, into an
    // empty database; the delta after it gives the same staging and the same warehouse.
    const shipDir = join(home, 'shipped-log');
    await until('the log to ship', () => shippedTo(db, `dir:${shipDir}`));
    await db.end();
    await cp(shipDir, join(vault, 'log'), { recursive: true });
    await cp(join(home, 'dev-passphrase'), join(vault, 'passphrase'));
    const port = new URL(sys.url).port;
    await sys.stop();
    sys = null;
    const { rec, newHome } = await recoverVault(vault);
    expect(rec.code, rec.stderr).toBe(0);
    sys = await startSystem({ VAULTMETER_HOME: newHome, PORT: port, VAULTMETER_POOL_SIZE: '0', VAULTMETER_BACKUP_INTERVAL_MS: '0' });
    const rdb = await sys.ownerDb();
    try {
      const restored = await stagingDump(rdb);
      expect(restored.items!.length).toBeLessThan(liveStaging.items!.length); // the backup's staging: the first run's
      const after = await sys.cli(['staging', 'run', '--json']);
      expect(after.code, after.stderr).toBe(0);
      expect(after.json.delta.fullCopy).toBe(false);
      expect(await stagingDump(rdb)).toEqual(liveStaging);
      expect(await warehouseDump(join(newHome, 'dss', 'warehouse.duckdb'))).toEqual(liveWarehouse);
    } finally {
      await rdb.end();
    }
  }, 600_000);
});
