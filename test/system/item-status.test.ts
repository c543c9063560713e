import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { itemIdOf } from '../../src/crypto/index.js';
import { decodeItem, impbFor, isTrackingNumber } from '../../src/indicium/index.js';
import { MeterClient } from '../../src/sdk/index.js';
import { DEV_MAILER_ID } from '../../src/constants.js';
import { fundAs, get, officerHeaders, post } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';
import { has, zbarimg } from '../unit/labels/fixtures.js';

const PW = 'correct horse battery';
const today = () => new Date().toISOString().slice(0, 10);

// GET /v1/items/{itemId}: an item's status for its customer and for officers, on an installation with
// the shipped rate tables (a rated Priority Mail item has a tracking number; its label carries the IMpb).
describe('item status', () => {
  let sys: TestSystem;
  let ivy: MeterClient;
  let jon: MeterClient;
  const as = (c: MeterClient) => ({ authorization: `Bearer ${c.sessionToken}` });
  const status = (id: string, headers: Record<string, string>) => get(sys.url, `/v1/items/${id}`, headers);

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_RATES: '' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    ivy = await MeterClient.register(diskProfiles, sys.url, 'ivy', PW);
    jon = await MeterClient.register(diskProfiles, sys.url, 'jon', PW);
    for (const u of ['ivy', 'jon']) await fundAs(sys.url, sys.officer, u, '500000');
    await ivy.balance();
    await jon.balance();
  });
  afterAll(async () => sys?.stop());

  it('prints a rated Priority Mail label from the CLI whose IMpb the server reports, and tracks its scans', async () => {
    const out = join(sys.dir, 'pm.png');
    const p = await sys.cli([
      'client', 'print', '--user', 'ivy', '--rate', 'PM', '--tier', 'commercial', '--weight-oz', '16', '--from', '20176', '--to', '90012',
      '--out', out, '--format', 'png', '--stock', 'label-4x6', '--address', 'JANE Q PUBLIC', '--address', 'LOS ANGELES CA 90012', '--json',
    ]); // prettier-ignore
    expect(p.code, p.stderr).toBe(0);
    const itemBytes = await readFile(`${out}.item`);
    const itemId = itemIdOf(decodeItem(itemBytes).signedBytes);
    const expected = impbFor({ itemId, destination: '90012', rateCategory: 'PM', mailerId: DEV_MAILER_ID })!;

    const mine = await status(itemId, as(ivy));
    expect(mine.status, JSON.stringify(mine.json)).toBe(200);
    expect(mine.json).toMatchObject({
      itemId,
      kind: 'postage',
      meterId: ivy.meterId,
      date: today(),
      status: 'printed',
      scans: { count: 0, firstAt: null, lastAt: null },
      refundedAt: null,
      redeemedAt: null,
      rateCategory: 'PM',
      rated: { rateTable: 'USPS-2026-07-12', zone: 8 },
      trackingNumber: expected.trackingNumber,
    });
    expect(isTrackingNumber(mine.json.trackingNumber as string)).toBe(true);
    expect((mine.json.trackingNumber as string).slice(0, 14)).toBe(`92055${DEV_MAILER_ID}`);
    // The label the CLI wrote carries the same tracking number, read back by an independent decoder.
    if (has('zbarimg')) expect(await zbarimg(await readFile(out))).toEqual([`42090012\x1d${expected.trackingNumber}`]);

    expect((await post(sys.url, '/v1/verify', { itemBase64: itemBytes.toString('base64'), location: 'LOS ANGELES CA' })).json.valid).toBe(true);
    const scanned = await status(itemId, officerHeaders(sys.officer));
    expect(scanned.status).toBe(200);
    expect(scanned.json).toMatchObject({ status: 'scanned', scans: { count: 1 } });
    expect(scanned.json.scans.firstAt).toEqual(scanned.json.scans.lastAt);
  });

  it('reports a refund', async () => {
    const item = await ivy.print({ ...(await pmPrice()), originZip: '20176', destination: '90012', date: today(), rateCategory: 'PM', weightTenthOz: 160 });
    await ivy.refund(item.itemId);
    const r = await status(item.itemId, as(ivy));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'refunded', amountMills: item.amountMills.toString(), scans: { count: 0 } });
    expect(typeof r.json.refundedAt).toBe('string');
  });

  async function pmPrice(): Promise<{ amountMills: bigint; tier: 'commercial' }> {
    const q = await get(sys.url, '/v1/rates?from=20176&to=90012&weightOz=16&class=PM&tier=commercial');
    return { amountMills: BigInt(q.json.prices[0].priceMills as string), tier: 'commercial' };
  }

  it("answers another customer's item as unknown, and needs credentials", async () => {
    const item = await ivy.print({ ...(await pmPrice()), originZip: '20176', destination: '90012', date: today(), rateCategory: 'PM', weightTenthOz: 160 });
    const other = await status(item.itemId, as(jon));
    expect(other.status).toBe(404);
    expect(other.json.code).toBe('not_found');
    expect(other.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await status(item.itemId, {})).status).toBe(401);
    expect((await status(item.itemId, { authorization: 'Basic ' + Buffer.from(`${sys.officer.user}:wrong`).toString('base64') })).status).toBe(401);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = await status('0'.repeat(32), as(ivy));
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('not_found');
    for (const bad of ['xyz', 'A'.repeat(32), '0'.repeat(31)]) {
      const r = await status(bad, as(ivy));
      expect(r.status, bad).toBe(400);
      expect(r.json.code).toBe('invalid_request');
    }
  });
});
