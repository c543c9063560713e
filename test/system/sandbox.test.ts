import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SANDBOX_BALANCE_MILLS } from '../../src/constants.js';
import { decodeItem } from '../../src/indicium/index.js';
import { pdfText } from '../unit/labels/fixtures.js';
import { get, officerFlags, post } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 14 item 1, test mode: a sandbox meter, chosen at registration and held by the module in the
// sealed package, prints test items that carry the flag inside their signed bytes. They verify as
// authentic but never as postage, online or offline; its value is free test value, and real value
// (an officer's funding, ACH) never reaches it.

const PW = 'correct horse battery';

describe('test mode: sandbox meters', () => {
  let sys: TestSystem;
  let db: pg.Client;
  let s: string[];
  let samMeter: string;
  let ritaMeter: string;
  let itemFile: string;
  let itemBytes: Buffer;

  const meterRow = async (meterId: string) =>
    (await db.query<{ sandbox: boolean; package_version: string }>('SELECT sandbox, package_version FROM postal.meters WHERE meter_id = $1', [meterId]))
      .rows[0]!;
  const balance = async (user: string) => (await sys.cli(['client', 'balance', '--user', user, '--json'])).json;
  /** The security officer funds `user`'s meter with $20 through the CLI (signed with the officer's key). */
  const fundAsOfficer = (user: string) =>
    sys.cli(['admin', 'fund', ...officerFlags(sys.url, sys.officer), '--officer-key', sys.officer.keyFile, '--user', user, '--amount', '20.00', '--json']);
  /** sam prints a 73-cent letter from 90807 to 10001 as a label in `format`. */
  const printLabel = (out: string, format: 'pdf' | 'zpl') =>
    sys.cli(['client', 'print', '--user', 'sam', '--amount', '0.73', '--from', '90807', '--to', '10001', '--out', out, '--format', format, '--json']);

  beforeAll(async () => {
    sys = await startSystem();
    s = ['--server', sys.url];
    db = await sys.ownerDb();
    const rita = await sys.cli(['client', 'register', ...s, '--user', 'rita', '--password', PW, '--json']);
    expect(rita.code, rita.stderr).toBe(0);
    ritaMeter = rita.json.meterId;
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  it("registers a sandbox meter with `client register --sandbox`: the module's word, in the package and the database", async () => {
    const r = await sys.cli(['client', 'register', ...s, '--user', 'sam', '--password', PW, '--sandbox', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ user: 'sam', sandbox: true });
    samMeter = r.json.meterId;
    expect((await meterRow(samMeter)).sandbox).toBe(true);
    expect((await meterRow(ritaMeter)).sandbox).toBe(false);
    // The flag comes from the module's log record (an effect it derived), not from a server declaration.
    const effects = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM postal.txlog WHERE meter_id = $1 AND type = 'register'", [samMeter]);
    expect(effects.rows[0]!.n).toBe(1);
  });

  it('refuses a malformed sandbox flag with a problem, and claims no meter', async () => {
    const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM membership.customers')).rows[0]!.n;
    const r = await post(sys.url, '/v1/registrations', { user: 'tess', clientNonce: 'ab'.repeat(32), sandbox: 'yes' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'invalid_request' });
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM membership.customers')).rows[0]!.n).toBe(before);
  });

  it('test-funds the sandbox meter, up to the cap, as a ledger effect', async () => {
    const r = await sys.cli(['client', 'test-fund', '--user', 'sam', '--password', PW, '--amount', '50.00', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ testFundedMills: '50000', arMills: '0', drMills: '50000', controlTotalMills: '50000' });
    const rows = await db.query<{ amount_mills: string }>('SELECT amount_mills FROM postal.test_fundings WHERE meter_id = $1', [samMeter]);
    expect(rows.rows.map((x) => String(x.amount_mills))).toEqual(['50000']);
    const over = await sys.cli(['client', 'test-fund', '--user', 'sam', '--amount', String(Number(MAX_SANDBOX_BALANCE_MILLS) / 1000), '--json']);
    expect(over.code).not.toBe(0);
    expect(over.json.error).toMatchObject({ code: 'sandbox_limit' });
    expect(await balance('sam')).toEqual({ arMills: '0', drMills: '50000', controlTotalMills: '50000' });
  });

  it('prints a test item: flagged in its signed bytes, and its PDF label says TEST ITEM — NOT POSTAGE', async () => {
    const out = join(sys.dir, 'sam.pdf');
    const r = await printLabel(out, 'pdf');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ test: true, amountMills: '730', drMills: '49270', label: out });
    itemFile = `${out}.item`;
    itemBytes = await readFile(itemFile);
    expect(decodeItem(itemBytes).data).toMatchObject({ test: true, meterId: samMeter });
    expect(await pdfText(await readFile(out))).toContain('TEST ITEM — NOT POSTAGE');
  });

  it('marks a ZPL label too', async () => {
    const out = join(sys.dir, 'sam.zpl');
    const r = await printLabel(out, 'zpl');
    expect(r.code, r.stderr).toBe(0);
    const zpl = (await readFile(out)).toString('latin1');
    // Code page 1252 (^CI27): the em dash is _97 in the ^FH field.
    expect(zpl).toContain('^FDTEST ITEM _97 NOT POSTAGE^FS');
  });

  it('verifies online as test_item: authentic signature, not postage (HTTP and CLI)', async () => {
    const http = await post(sys.url, '/v1/verify', { itemBase64: itemBytes.toString('base64'), location: 'test bench' });
    expect(http.status).toBe(200);
    expect(http.json).toMatchObject({ valid: false, status: 'test_item', codes: ['test_item'], signatureValid: true, testItem: true });
    expect(String((http.json.reasons as string[])[0])).toMatch(/NOT POSTAGE/);
    const cli = await sys.cli(['verify', itemFile, ...s, '--json']);
    expect(cli.code).toBe(3);
    expect(cli.json).toMatchObject({ valid: false, status: 'test_item', codes: ['test_item'], signatureValid: true, testItem: true, meterId: samMeter });
    const text = await sys.cli(['verify', itemFile, ...s]);
    expect(text.stdout).toMatch(/^TEST ITEM — NOT POSTAGE: an authentic postage item of sandbox meter/);
  });

  it('verifies offline as test_item, with only the certificates', async () => {
    const cert = await get(sys.url, `/v1/meters/${samMeter}/certificate`);
    const certFile = join(sys.dir, 'sam-cert.pem');
    await writeFile(certFile, String(cert.json.certificatePem));
    const ca = join(sys.env.VAULTMETER_HOME!, 'certs', 'ca.pem');
    const r = await sys.cli(['verify', itemFile, '--offline', '--cert', certFile, '--ca', ca, '--json']);
    expect(r.code).toBe(3);
    expect(r.json).toMatchObject({ valid: false, status: 'test_item', codes: ['test_item'], signatureValid: true, testItem: true });
  });

  it('breaks the signature when the marker is tampered off', async () => {
    const stripped = Buffer.from(itemBytes);
    stripped[2] = stripped[2]! & 0x7f;
    const http = await post(sys.url, '/v1/verify', { itemBase64: stripped.toString('base64') });
    expect(http.json).toMatchObject({ valid: false, status: 'invalid', signatureValid: false, testItem: false });
    expect(http.json.codes).toContain('bad_signature');
    const file = join(sys.dir, 'stripped.bin');
    await writeFile(file, stripped);
    const cli = await sys.cli(['verify', file, ...s, '--json']);
    expect(cli.json).toMatchObject({ valid: false, signatureValid: false, testItem: false });
  });

  it("refuses test_fund on a real meter with the module's not_sandbox, crediting nothing", async () => {
    const r = await sys.cli(['client', 'test-fund', '--user', 'rita', '--password', PW, '--amount', '5.00', '--json']);
    expect(r.code).not.toBe(0);
    expect(r.json.error).toMatchObject({ code: 'not_sandbox' });
    expect(await balance('rita')).toEqual({ arMills: '0', drMills: '0', controlTotalMills: '0' });
    expect((await db.query('SELECT 1 FROM postal.test_fundings WHERE meter_id = $1', [ritaMeter])).rowCount).toBe(0);
  });

  it("refuses an officer's funding of a sandbox meter in the module (sandbox_meter), and changes nothing", async () => {
    const version = (await meterRow(samMeter)).package_version;
    const r = await fundAsOfficer('sam');
    expect(r.code).not.toBe(0);
    expect(r.json.error).toMatchObject({ code: 'sandbox_meter' });
    expect((await meterRow(samMeter)).package_version).toBe(version);
    expect((await db.query("SELECT 1 FROM support.operator_actions WHERE meter_id = $1 AND action = 'fund'", [samMeter])).rowCount).toBe(0);
    // The same officer funds a real meter.
    const real = await fundAsOfficer('rita');
    expect(real.code, real.stderr).toBe(0);
  });

  it("lists the test funding in the meter's transactions, with the registers after it", async () => {
    const r = await sys.cli(['client', 'transactions', '--user', 'sam', '--all', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const txs = r.json.transactions as { eventId: string; kind: string; amountMills: string; drAfterMills: string }[];
    const funded = txs.find((t) => t.eventId.startsWith('test_fund:'));
    expect(funded).toMatchObject({ kind: 'fund', amountMills: '50000', drAfterMills: '50000' });
    expect(txs.every((t) => BigInt(t.drAfterMills) >= 0n)).toBe(true);
  });

  it('refuses ACH for a sandbox meter: no bank account, no funding request', async () => {
    const add = await sys.cli([
      'client',
      'bank-accounts',
      'add',
      '--user',
      'sam',
      '--routing',
      '021000021',
      '--holder',
      'Sam',
      '--account-number',
      '918273645501',
      '--json',
    ]);
    expect(add.code).not.toBe(0);
    expect(add.json.error).toMatchObject({ code: 'sandbox_meter' });
    const fund = await sys.cli(['client', 'fund', '--user', 'sam', '--amount', '10.00', '--bank-account', randomUUID(), '--json']);
    expect(fund.code).not.toBe(0);
    expect(fund.json.error).toMatchObject({ code: 'sandbox_meter' });
    expect((await db.query('SELECT 1 FROM commerce.funding_requests WHERE meter_id = $1', [samMeter])).rowCount).toBe(0);
    expect(
      (await db.query('SELECT 1 FROM membership.bank_accounts b JOIN membership.customers c USING (customer_id) WHERE c.meter_id = $1', [samMeter])).rowCount,
    ).toBe(0);
    // The refused command still spent its challenge: the meter goes on.
    expect(await balance('sam')).toMatchObject({ controlTotalMills: '50000' });
  });
});
