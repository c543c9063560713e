import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeterClient } from '../../src/sdk/index.js';
import { diskProfiles } from '../../src/cli/index.js';
import { decodeItem, encodeItem, encodeSignedBytes } from '../../src/indicium/index.js';
import { post, fundAs, revokeAs, letter } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';
import type { LooseJson } from '../helpers/loose-json.js';

const PW = 'correct horse battery';
const today = () => new Date().toISOString().slice(0, 10);
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const postage = letter;

// Items anyone can verify: every kind issued, verified, scanned, redeemed once, refunded only when unscanned.
describe('items, verification and redemption', () => {
  let sys: TestSystem;
  let gina: MeterClient;
  let hal: MeterClient;
  const verify = (bytes: Buffer, location = '') => post(sys.url, '/v1/verify', { itemBase64: bytes.toString('base64'), location });
  const redeem = (bytes: Buffer, location = '') => post(sys.url, '/v1/redeem', { itemBase64: bytes.toString('base64'), location });

  beforeAll(async () => {
    sys = await startSystem();
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    gina = await MeterClient.register(diskProfiles, sys.url, 'gina', PW);
    hal = await MeterClient.register(diskProfiles, sys.url, 'hal', PW);
    for (const u of ['gina', 'hal']) await fundAs(sys.url, sys.officer, u, '500000');
    await gina.balance();
    await hal.balance();
  });
  afterAll(async () => sys?.stop());

  it('issues every kind through the CLI, with the same registers, and each verifies', async () => {
    const kinds: [string, string[]][] = [
      ['ticket', ['--event', 'Spring Concert', '--seat', 'B-12', '--valid-to', inDays(30)]],
      ['coupon', ['--offer', '2 for 1 coffee', '--expiry', inDays(60)]],
      ['voucher', ['--offer', 'One night stay', '--expiry', inDays(365)]],
      ['gift', ['--expiry', inDays(365)]],
    ];
    let ar = (await gina.balance()).arMills;
    for (const [kind, extra] of kinds) {
      const out = join(sys.dir, `${kind}.bin`);
      const r = await sys.cli(['client', 'issue', '--user', 'gina', '--kind', kind, '--amount', '5.00', '--out', out, ...extra, '--json']);
      expect(r.code, r.stderr).toBe(0);
      ar += 5000n;
      expect(BigInt(r.json.arMills)).toBe(ar);
      const v = await sys.cli(['verify', out, '--server', sys.url, '--json']);
      expect(v.code, v.stderr).toBe(0);
      expect(v.json).toMatchObject({ valid: true, kind, amountMills: '5000', status: 'valid' });
    }
    const bad = await sys.cli(['client', 'issue', '--user', 'gina', '--kind', 'ticket', '--amount', '5.00', '--out', join(sys.dir, 'x.bin'), '--json']);
    expect(bad.json.error.code).toBe('invalid_request');
  });

  it('redeems a ticket once; a second redemption names the first time and place', async () => {
    const t = await gina.issue('ticket', 2500n, { event: 'Match day', seat: '', validFrom: today(), validTo: inDays(1) });
    const first = await redeem(t.itemBytes, 'Gate 4');
    expect(first.status).toBe(200);
    const second = await redeem(t.itemBytes, 'Gate 9');
    expect(second.status).toBe(409);
    expect(second.json).toMatchObject({ code: 'already_redeemed', firstRedeemedLocation: 'Gate 4' });
    const v = await verify(t.itemBytes);
    expect(v.json).toMatchObject({ valid: false, status: 'redeemed' });
    const p = await gina.print(postage());
    expect((await redeem(p.itemBytes)).json.code).toBe('not_redeemable');
  });

  it('lets exactly one of many racing redemptions win', async () => {
    const c = await gina.issue('coupon', 1000n, { offer: 'Free pastry', expiry: inDays(10) });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => redeem(c.itemBytes, `till ${i}`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.json.code === 'already_redeemed')).toHaveLength(11);
    const winner = results.find((r) => r.status === 200)!;
    expect(results.filter((r) => r.status === 409).every((r) => r.json.firstRedeemedLocation === winner.json.location)).toBe(true);
  });

  it('flags a second postage scan as possible reuse, and refuses to refund a scanned label', async () => {
    const p = await gina.print(postage(600n));
    const first = await verify(p.itemBytes, 'Sorting center A');
    expect(first.json).toMatchObject({ valid: true, status: 'valid', scans: { previous: 0, possibleReuse: false } });
    const second = await verify(p.itemBytes, 'Sorting center B');
    expect(second.json.scans).toMatchObject({ previous: 1, possibleReuse: true, firstSeenLocation: 'Sorting center A' });
    expect(second.json.scans.firstSeenAt).toMatch(/^\d{4}-/);
    await expect(gina.refund(p.itemId)).rejects.toMatchObject({ code: 'item_scanned' });
  });

  it('verifies a refunded item as refunded', async () => {
    const p = await gina.print(postage(500n));
    await gina.refund(p.itemId);
    const v = await verify(p.itemBytes);
    expect(v.json).toMatchObject({ valid: false, status: 'refunded' });
  });

  it('fails tampered items: changed value, changed date, swapped certificate, another meter signature', async () => {
    const a = await gina.print(postage(800n));
    const b = await hal.print(postage(800n));
    const da = decodeItem(a.itemBytes);
    const db = decodeItem(b.itemBytes);
    const resign = (data: typeof da.data, sig: Buffer) => encodeItem(encodeSignedBytes(data), sig);
    const cases: [string, Buffer][] = [
      ['value', resign({ ...da.data, valueMills: 80_000n }, da.signature)],
      ['date', resign({ ...da.data, date: inDays(1) }, da.signature)],
      ['certificate', resign({ ...da.data, certSerialHex: db.data.certSerialHex }, da.signature)],
      ['other meter signature', encodeItem(da.signedBytes, db.signature)],
      ['meter id swapped', resign({ ...db.data, meterId: da.data.meterId, certSerialHex: da.data.certSerialHex }, db.signature)],
    ];
    for (const [name, bytes] of cases) {
      const v = await verify(bytes);
      expect(v.status, name).toBe(200);
      expect(v.json.valid, name).toBe(false);
      expect(v.json.reasons.length, name).toBeGreaterThan(0);
    }
  });

  it('fails items of withdrawn and revoked meters, and publishes the revocation list', async () => {
    const ivan = await MeterClient.register(diskProfiles, sys.url, 'ivan', PW);
    await fundAs(sys.url, sys.officer, 'ivan', '10000');
    await ivan.balance();
    const item = await ivan.print(postage(400n));
    const other = await hal.print(postage(400n));
    const revoked = await revokeAs(sys.url, sys.officer, 'hal', 'key compromise');
    expect(revoked.status).toBe(200);
    await ivan.withdraw();
    expect((await verify(item.itemBytes)).json.reasons.join(' ')).toMatch(/withdrawn/);
    const v = await verify(other.itemBytes);
    expect(v.json.valid).toBe(false);
    expect(v.json.reasons.join(' ')).toMatch(/revoked/);
    const list = await (await fetch(`${sys.url}/v1/revocations`)).json();
    expect(list.meters.map((m: LooseJson) => m.status).sort()).toEqual(['revoked', 'withdrawn']);
    await expect(hal.print(postage())).rejects.toMatchObject({ code: 'meter_revoked' });
  });

  it('answers bad input to verify with clear errors, never a crash', async () => {
    const garbage = Buffer.from('this is not an item at all, just some text bytes that go on and on and on.....');
    expect((await verify(garbage)).json).toMatchObject({ valid: false, status: 'invalid' });
    const good = await gina.print(postage());
    expect((await verify(good.itemBytes.subarray(0, 50))).json.valid).toBe(false);
    const notB64 = await post(sys.url, '/v1/verify', { itemBase64: '***' });
    expect(notB64.json.code).toBe('invalid_request');
    const huge = await post(sys.url, '/v1/verify', { itemBase64: 'A'.repeat(100_000) });
    expect([400, 413]).toContain(huge.status);

    const files: [string, Buffer][] = [
      ['garbage.bin', garbage],
      ['truncated.bin', good.itemBytes.subarray(0, 90)],
      [
        'empty.pdf',
        Buffer.from(
          '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF',
        ),
      ],
      ['broken.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 7)])],
      ['oversized.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(11 * 1024 * 1024)])],
    ];
    for (const [name, bytes] of files) {
      const path = join(sys.dir, name);
      await writeFile(path, bytes);
      const r = await sys.cli(['verify', path, '--server', sys.url, '--json']);
      expect([1, 3], name).toContain(r.code);
      expect(r.stderr + r.stdout, name).not.toMatch(/TypeError|RangeError|at .*\.js:\d+/);
      if (r.code === 1) expect(r.json.error.code, name).toBe('unsupported_file');
      else expect(r.json.valid, name).toBe(false);
    }
  });
});
