import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { decodeItem } from '../../src/indicium/index.js';
import { ModuleConnection } from '../../src/module/index.js';
import { parseRateBundle } from '../../src/rates/index.js';
import { paths } from '../../src/runtime/index.js';
import { ApiError, MeterClient } from '../../src/sdk/index.js';
import { approveAs, fundAs, get, officerHeaders, post, signedAs } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';
import { zonesRaw } from '../unit/rates/data.js';
import type { LooseJson } from '../helpers/loose-json.js';
import { pdfText } from '../unit/labels/fixtures.js';

// Postal rates on a real installation: init installs the shipped USPS tables into both modules,
// quotes come from them, the modules refuse any other amount, and a new table goes in only on two
// security officers' word, checked by each module.

const PW = 'correct horse battery';
const today = () => new Date().toISOString().slice(0, 10);
const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const piece = { originZip: '20176', destination: '90012', weightTenthOz: 160 };

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return e instanceof ApiError ? e.code : String(e);
  }
}

describe('rates on a running installation', () => {
  let sys: TestSystem;
  let ivy: MeterClient;
  const quote = (query: string) => get(sys.url, `/v1/rates?${query}`);

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_RATES: '' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    ivy = await MeterClient.register(diskProfiles, sys.url, 'ivy', PW);
    await fundAs(sys.url, sys.officer, 'ivy', '500000');
    await ivy.balance();
  });
  afterAll(async () => sys?.stop());

  it('lists the shipped tables and quotes every class for a piece, cheapest first', async () => {
    const tables = await get(sys.url, '/v1/rates/tables');
    expect(tables.status).toBe(200);
    expect((tables.json.tables as LooseJson[]).map((t) => t.id)).toEqual(['USPS-2025-07-13', 'USPS-2026-07-12']);
    const q = await quote('from=20176&to=90012&weightOz=16');
    expect(q.status, JSON.stringify(q.json)).toBe(200);
    expect(q.json.rateTable.id).toBe('USPS-2026-07-12');
    expect(q.json.zone).toBe('8');
    const prices = (q.json.prices as LooseJson[]).map((p) => BigInt(p.priceMills as string));
    expect(prices.length).toBeGreaterThan(3);
    expect([...prices].sort((a, b) => (a < b ? -1 : 1))).toEqual(prices);
    expect((q.json.prices as LooseJson[]).find((p) => p.class === 'PM' && p.tier === 'commercial')).toBeDefined();
  });

  it('answers bad input with a problem code', async () => {
    const cases: [string, number, string][] = [
      ['from=20176&to=00000&weightOz=16', 422, 'unknown_zip'],
      ['from=20176&to=90012&weightOz=1200&class=PM', 422, 'weight_over_limit'],
      ['from=20176&to=90012&weightOz=16&class=XYZ', 422, 'unknown_rate_class'],
      ['from=20176&to=90012&weightOz=16&length=ten&width=1&height=1', 400, 'invalid_request'],
      ['from=20176&to=90012&weightOz=16&length=10', 400, 'invalid_dimensions'],
      ['from=20176&to=90012&weightOz=16&date=2020-01-01', 422, 'no_rate_table'],
      ['from=20176&to=90012&weightOz=16&date=2026-02-30', 400, 'invalid_request'],
      ['from=2017&to=90012&weightOz=16', 400, 'invalid_request'],
    ];
    for (const [query, status, problem] of cases) {
      const r = await quote(query);
      expect([r.status, r.json.code], query).toEqual([status, problem]);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
  });

  it('prints at the quoted price, naming the table and zone in the item; any other amount is refused with nothing debited', async () => {
    const q = await quote('from=20176&to=90012&weightOz=16&class=PM&tier=commercial');
    const price = BigInt(q.json.prices[0].priceMills as string);
    const before = await ivy.balance();
    const wrong = await code(ivy.print({ ...piece, amountMills: price - 1n, date: today(), rateCategory: 'PM', tier: 'commercial' }));
    expect(wrong).toBe('rate_mismatch');
    expect((await ivy.balance()).arMills).toBe(before.arMills);
    const item = await ivy.print({ ...piece, amountMills: price, date: today(), rateCategory: 'PM', tier: 'commercial' });
    expect(item.arMills).toBe(before.arMills + price);
    const d = decodeItem(item.itemBytes).data;
    expect(d.kind === 'postage' && d.postage.rated).toEqual({ rateTable: 'USPS-2026-07-12', zone: 8 });
    const v = await post(sys.url, '/v1/verify', { itemBase64: item.itemBytes.toString('base64') });
    expect(v.json.valid).toBe(true);
  });

  it('refuses an unknown class, a weight over the limit and a ZIP that does not exist, debiting nothing', async () => {
    const ar = (await ivy.balance()).arMills;
    const base = { ...piece, amountMills: 9000n, date: today(), rateCategory: 'PM' };
    expect(await code(ivy.print({ ...base, rateCategory: 'NOPE' }))).toBe('unknown_rate_class');
    expect(await code(ivy.print({ ...base, weightTenthOz: 11_201 }))).toBe('weight_over_limit');
    expect(await code(ivy.print({ ...base, destination: '00000' }))).toBe('unknown_zip');
    expect((await ivy.balance()).arMills).toBe(ar);
  });

  it('prints from the CLI at the price it quotes, with no --amount', async () => {
    const r = await sys.cli(['rates', '--from', '20176', '--to', '90012', '--weight-oz', '16', '--class', 'PM', '--server', sys.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const price = r.json.prices[0].priceMills as string;
    const out = join(sys.dir, 'pm.bin');
    const p = await sys.cli([
      'client',
      'print',
      '--user',
      'ivy',
      '--rate',
      'PM',
      '--weight-oz',
      '16',
      '--from',
      '20176',
      '--to',
      '90012',
      '--out',
      out,
      '--json',
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.json.amountMills).toBe(price);
  });

  it('prints a 4x6 label to carrier standard: banner, return address, checked ship-to and IMpb', async () => {
    const out = join(sys.dir, 'pm.pdf');
    const p = await sys.cli([
      ...['client', 'print', '--user', 'ivy', '--rate', 'PM', '--weight-oz', '16', '--from', '20176', '--to', '20500', '--out', out],
      ...[
        '--format',
        'pdf',
        '--stock',
        'label-4x6',
        '--return-address',
        'ACME SHIPPING',
        '--return-address',
        '1 MAIN ST',
        '--return-address',
        'LEESBURG VA 20176',
      ],
      ...[
        '--ship-to-name',
        'The President',
        '--ship-to-street',
        '1600 Pennsylvania Avenue NW',
        '--ship-to-city',
        'Washington',
        '--ship-to-state',
        'DC',
        '--json',
      ],
    ]);
    expect(p.code, p.stderr).toBe(0);
    const text = await pdfText(await readFile(out));
    for (const s of ['PRIORITY MAIL', 'ACME SHIPPING', 'SHIP TO:', '1600 PENNSYLVANIA AVE NW', 'WASHINGTON DC 20500', 'USPS TRACKING #'])
      expect(text).toContain(s);
    const status = await get(sys.url, `/v1/items/${p.json.itemId as string}`, officerHeaders(sys.officer));
    expect(status.status, JSON.stringify(status.json)).toBe(200);
    const tracking = String(status.json.trackingNumber);
    expect(tracking).toMatch(/^9[23]055\d{17}$/);
    expect(text.replace(/\s/g, '')).toContain(tracking);
  });

  describe('installing a table takes two security officers, each module checking both', () => {
    const effective = yesterday();
    const id = `TEST-${effective.replace(/-/g, '')}`;
    const table = {
      format: 'vaultmeter-rates/1',
      id,
      effective,
      source: 'system test',
      classes: { 'TEST-FLAT': { name: 'Test flat', flat: true, maxWeightOz: 16, prices: { retail: 1234 } } },
    };
    const bundle = { table, zones: zonesRaw() };
    const sha256 = parseRateBundle(bundle).sha256;
    let approvalId = '';

    it('one officer submits; the same officer cannot approve', async () => {
      const authorization = await signedAs(sys.officer, 'install_rates', { rateTableId: id, sha256 });
      const r = await post(sys.url, '/v1/admin/rates', { bundle, authorization }, officerHeaders(sys.officer));
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      approvalId = r.json.approval.id as string;
      const self = await approveAs(sys.url, sys.officer, approvalId);
      expect([self.status, self.json.code]).toEqual([403, 'dual_control']);
    });

    it('a bundle changed in the database while it waits is refused by the modules', async () => {
      const db = await sys.ownerDb();
      try {
        const cheaper = { ...bundle, table: { ...table, classes: { 'TEST-FLAT': { ...table.classes['TEST-FLAT'], prices: { retail: 1 } } } } };
        const original = (await db.query('SELECT bundle FROM postal.rate_bundles WHERE sha256 = $1', [sha256])).rows[0].bundle as string;
        await db.query('UPDATE postal.rate_bundles SET bundle = $2 WHERE sha256 = $1', [sha256, JSON.stringify(cheaper)]);
        const r = await approveAs(sys.url, sys.secondOfficer, approvalId);
        expect([r.status, r.json.code]).toEqual([403, 'officer_signature_invalid']);
        await db.query('UPDATE postal.rate_bundles SET bundle = $2 WHERE sha256 = $1', [sha256, original]);
      } finally {
        await db.end();
      }
    });

    it('the module socket refuses an install without two officers (the API server privileges are not enough)', async () => {
      const m = new ModuleConnection(join(paths(sys.env.VAULTMETER_HOME!).runDir, 'module-1.sock'));
      try {
        const one = await signedAs(sys.officer, 'install_rates', { rateTableId: id, sha256 });
        await expect(m.call('installRates', { bundle, authorization: one })).rejects.toMatchObject({ code: 'officer_signature_invalid' });
        await expect(m.call('installRates', { bundle, authorization: null })).rejects.toMatchObject({ code: 'officer_signature_required' });
      } finally {
        m.close();
      }
    });

    it('the second officer approves; every module prices with the new table', async () => {
      const r = await approveAs(sys.url, sys.secondOfficer, approvalId);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.approval.result).toMatchObject({ rateTableId: id, sha256, modules: 2 });
      const tables = await get(sys.url, '/v1/rates/tables');
      expect((tables.json.tables as LooseJson[]).map((t) => t.id)).toContain(id);
      const q = await quote('from=20176&to=90012&weightOz=1&class=TEST-FLAT');
      expect(q.json.prices[0].priceMills).toBe('1234');
      const base = { ...piece, weightTenthOz: 10, date: today(), rateCategory: 'TEST-FLAT' };
      expect(await code(ivy.print({ ...base, amountMills: 1000n }))).toBe('rate_mismatch');
      const item = await ivy.print({ ...base, amountMills: 1234n });
      const d = decodeItem(item.itemBytes).data;
      expect(d.kind === 'postage' && d.postage.rated?.rateTable).toBe(id);
    });
  });
});
