import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_DR_MILLS, MAX_ITEM_VALUE_MILLS } from '../../../src/constants.js';
import { decodeItem } from '../../../src/indicium/index.js';
import { itemIdOf, verifyItemSignature } from '../../../src/crypto/index.js';
import { VaultError } from '../../../src/errors.js';
import { makeEngine, registeredMeter, rejectsWith, T0, TODAY, officerFund } from '../helpers/engine.js';

async function funded(amount = 10_000n) {
  const made = await makeEngine();
  const c = await registeredMeter(made.engine, T0);
  await c.fund(amount);
  return { ...made, c };
}

describe('MeterEngine funding and balance', () => {
  it('funds the meter; the client learns of the credit in its next response', async () => {
    const { engine, c } = await makeEngine().then(async (m) => ({ ...m, c: await registeredMeter(m.engine, T0) }));
    const f = await engine.fund({ ...officerFund(c.pkg, '5000') });
    expect(f).toMatchObject({ arMills: '0', drMills: '5000', controlTotalMills: '5000' });
    c.pkg = f.package;
    // The client still believes dr = 0, and that is accepted.
    const r = await c.send('balance');
    expect(r.response).toMatchObject({ status: 'ok', arMills: '0', drMills: '5000', controlTotalMills: '5000' });
    expect(c.dr).toBe(5000n);
    // Now acknowledged: the full view is the only one accepted.
    expect((await c.send('balance')).response.status).toBe('ok');
  });

  it.each(['0', '-5', '1.5', 'abc', (10_000_001).toString()])('refuses to fund %j', async (amount) => {
    const { engine, c } = await funded();
    await rejectsWith(() => engine.fund({ ...officerFund(c.pkg, amount) }), amount === '10000001' ? 'amount_too_large' : 'invalid_amount');
  });

  it('refuses funding beyond the balance ceiling', async () => {
    const { engine, c } = await funded(10_000_000n);
    for (let i = 0; i < 4; i++) c.pkg = (await engine.fund({ ...officerFund(c.pkg, '10000000') })).package;
    expect((await engine.audit({ pkg: c.pkg })).fields.drMills).toBe(MAX_DR_MILLS.toString());
    await rejectsWith(() => engine.fund({ ...officerFund(c.pkg, '1') }), 'balance_ceiling');
  });

  it('each operation returns a package one version higher', async () => {
    const { c } = await funded();
    const v = BigInt(c.pkg.version);
    await c.send('balance');
    expect(BigInt(c.pkg.version)).toBe(v + 1n);
  });
});

describe('MeterEngine print', () => {
  it('debits dr, credits ar and returns an item signed by the meter key', async () => {
    const { c } = await funded(10_000n);
    const r = await c.print(730n);
    expect(r.error).toBeUndefined();
    expect(r.response).toMatchObject({ op: 'print', status: 'ok', arMills: '730', drMills: '9270', controlTotalMills: '10000' });
    const item = Buffer.from(r.item!, 'base64');
    const d = decodeItem(item);
    expect(d.data).toMatchObject({
      kind: 'postage',
      meterId: c.meterId,
      certSerialHex: c.provisioned.certSerialHex,
      itemSerial: 1n,
      arAfterMills: 730n,
      valueMills: 730n,
      date: TODAY,
      softwareId: 'VM000100',
      postage: { originZip: '20260', destination: '100011234', rateCategory: 'FCM-LTR', weightTenthOz: 10 },
    });
    const cert = new X509Certificate(c.provisioned.certificatePem);
    expect(verifyItemSignature(d.signedBytes, d.signature, createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })))).toBe(true);
    expect(r.response.result).toMatchObject({ itemId: itemIdOf(d.signedBytes), itemSerial: '1', amountMills: '730' });
  });

  it('numbers items and accumulates ar', async () => {
    const { c } = await funded(10_000n);
    await c.print(100n);
    const r = await c.print(250n);
    const d = decodeItem(Buffer.from(r.item!, 'base64'));
    expect(d.data.itemSerial).toBe(2n);
    expect(d.data.arAfterMills).toBe(350n);
    expect(c.ar + c.dr).toBe(10_000n);
  });

  it('refuses to print more than the meter holds, keeping the registers', async () => {
    const { c } = await funded(500n);
    const r = await c.print(501n);
    expect(r.error?.code).toBe('insufficient_funds');
    expect(r.response.status).toBe('insufficient_funds');
    expect(r.item).toBeUndefined();
    expect(r.response).toMatchObject({ arMills: '0', drMills: '500' });
    // The challenge rotated: the next command works with the new one.
    expect((await c.print(500n)).response.status).toBe('ok');
    expect(c.dr).toBe(0n);
  });

  it.each<[string, Record<string, string>]>([
    ['zero amount', { amountMills: '0' }],
    ['item value over the limit', { amountMills: (MAX_ITEM_VALUE_MILLS + 1n).toString() }],
    ['bad date', { date: '14/03/2026' }],
    ['non-calendar date', { date: '2026-02-30' }],
    ['date too far back', { date: '2026-03-12' }],
    ['date too far ahead', { date: '2026-04-14' }],
    ['bad origin ZIP', { originZip: '2026' }],
    ['bad destination', { destination: '1000' }],
    ['bad rate', { rateCategory: 'fcm letter' }],
    ['bad weight', { weightTenthOz: '1.5' }],
    ['missing weight', { weightTenthOz: '' }],
  ])('refuses %s without debiting', async (_name, override) => {
    const { c } = await funded(10_000_000n);
    const r = await c.print(730n, override);
    expect(r.error?.code).toMatch(/^(invalid_request|invalid_amount|amount_too_large)$/);
    expect(r.item).toBeUndefined();
    expect(r.response).toMatchObject({ arMills: '0', drMills: '10000000', controlTotalMills: '10000000' });
  });

  it('accepts the mailing date window edges (yesterday, 30 days ahead)', async () => {
    const { c } = await funded();
    expect((await c.print(1n, { date: '2026-03-13' })).response.status).toBe('ok');
    expect((await c.print(1n, { date: '2026-04-13' })).response.status).toBe('ok');
  });

  it("refuses to print once the meter's key has expired", async () => {
    const { c, clock } = await funded();
    clock.advance(3 * 365 * 86_400_000 + 1);
    const r = await c.print(1n, { date: new Date(clock.ms).toISOString().slice(0, 10) });
    expect(r.error?.code).toBe('meter_not_operational');
  });
});

describe('MeterEngine refund', () => {
  it('refunds a verified item once it is presented with its id', async () => {
    const { c } = await funded(10_000n);
    const p = await c.print(730n);
    const itemId = p.response.result.itemId!;
    const r = await c.send('refund', { itemId }, { itemBytes: p.item! });
    expect(r.error).toBeUndefined();
    expect(r.response.result).toEqual({ itemId, refundedMills: '730' });
    // Refund credits dr and the control total; ar keeps what was printed.
    expect(r.response).toMatchObject({ arMills: '730', drMills: '10000', controlTotalMills: '10730' });
  });

  it('refuses a second refund of the same item from the package alone, with already_refunded, and credits nothing', async () => {
    const { c } = await funded(10_000n);
    const p = await c.print(730n);
    const itemId = p.response.result.itemId!;
    expect((await c.send('refund', { itemId }, { itemBytes: p.item! })).error).toBeUndefined();
    // The engine sees no database: whatever postal.items says, the sealed package remembers the refund.
    const again = await c.send('refund', { itemId }, { itemBytes: p.item! });
    expect(again.error?.code).toBe('already_refunded');
    expect(again.response).toMatchObject({ arMills: '730', drMills: '10000', controlTotalMills: '10730' });
    // Another item of the same meter still refunds.
    const q = await c.print(270n);
    expect((await c.send('refund', { itemId: q.response.result.itemId! }, { itemBytes: q.item! })).response.drMills).toBe('10000');
  });

  it('refuses a forged item: same fields, signed by another key', async () => {
    const { engine, c } = await funded(10_000n);
    const other = await registeredMeter(engine, T0);
    await other.fund(10_000n);
    const theirs = decodeItem(Buffer.from((await other.print(730n)).item!, 'base64'));
    // Re-label the other meter's signed item as ours: the id changes, so name the forged one.
    const ours = decodeItem(Buffer.from((await c.print(730n)).item!, 'base64'));
    const forged = Buffer.concat([ours.signedBytes, theirs.signature]);
    const r = await c.send('refund', { itemId: itemIdOf(ours.signedBytes) }, { itemBytes: forged.toString('base64') });
    expect(r.error?.code).toBe('item_invalid');
    expect(r.response).toMatchObject({ arMills: '730', drMills: '9270', controlTotalMills: '10000' });
  });

  it("refuses another meter's genuine item", async () => {
    const { engine, c } = await funded(10_000n);
    const other = await registeredMeter(engine, T0);
    await other.fund(10_000n);
    const p = await other.print(730n);
    const r = await c.send('refund', { itemId: p.response.result.itemId! }, { itemBytes: p.item! });
    expect(r.error?.code).toBe('item_invalid');
  });

  it('refuses an item whose id does not match, a tampered item, garbage, or no item', async () => {
    const { c } = await funded(10_000n);
    const p = await c.print(730n);
    const itemId = p.response.result.itemId!;
    expect((await c.send('refund', { itemId: '00'.repeat(16) }, { itemBytes: p.item! })).error?.code).toBe('item_invalid');
    const tampered = Buffer.from(p.item!, 'base64');
    tampered[60]! ^= 1;
    expect((await c.send('refund', { itemId }, { itemBytes: tampered.toString('base64') })).error?.code).toBe('item_invalid');
    expect((await c.send('refund', { itemId }, { itemBytes: Buffer.from('hello').toString('base64') })).error?.code).toBe('item_invalid');
    expect((await c.send('refund', { itemId })).error?.code).toBe('invalid_request');
    expect(c.dr).toBe(9_270n);
  });

  it('refuses a refund after the refund window', async () => {
    const { c, clock } = await funded(10_000n);
    const p = await c.print(730n);
    clock.advance(31 * 86_400_000);
    const r = await c.send('refund', { itemId: p.response.result.itemId! }, { itemBytes: p.item! });
    expect(r.error?.code).toBe('refund_window_closed');
  });
});

describe('MeterEngine withdraw', () => {
  it('withdraws the meter; every later command is refused with meter_withdrawn', async () => {
    const { c } = await funded(10_000n);
    const r = await c.send('withdraw');
    expect(r.response.status).toBe('ok');
    for (const op of ['balance', 'withdraw'] as const) expect((await c.send(op)).error?.code).toBe('meter_withdrawn');
    expect((await c.print(1n)).error?.code).toBe('meter_withdrawn');
  });
});

describe('MeterEngine misc', () => {
  it('refuses an unknown command as invalid_request, after authentication', async () => {
    const { c } = await funded();
    expect((await c.send('explode')).error?.code).toBe('invalid_request');
  });

  it('challenge issues a MAC-verified login challenge bound to the client nonce, without spoiling the command challenge', async () => {
    const { engine, c } = await funded();
    const nonce = Buffer.alloc(32, 0x33).toString('hex');
    const commandChallenge = c.challenge;
    const r = c.accept(await engine.challenge({ pkg: c.pkg, clientNonce: nonce }));
    expect(r.response).toMatchObject({ op: 'challenge', requestMac: nonce, status: 'ok', drMills: '10000', result: { state: 'operational' } });
    expect(c.loginChallenge!.equals(commandChallenge)).toBe(false);
    // The command challenge still works, and the challenge call acknowledged the credit.
    expect((await c.send('balance')).response.status).toBe('ok');
    expect(c.dr).toBe(10_000n);
  });

  it('refuses a login challenge nonce that is not 32 bytes', async () => {
    const { engine, c } = await funded();
    await rejectsWith(() => engine.challenge({ pkg: c.pkg, clientNonce: 'abcd' }), 'invalid_request');
  });

  it('audit signs a report with the module identity key', async () => {
    const { engine, c } = await funded();
    const a = await engine.audit({ pkg: c.pkg });
    expect(a.fields).toMatchObject({ meterId: c.meterId, state: 'operational', drMills: '10000', packageVersion: (BigInt(c.pkg.version) + 1n).toString() });
    const cert = new X509Certificate(a.moduleCertPem);
    expect(verify('sha256', Buffer.from(a.report, 'base64'), cert.publicKey, Buffer.from(a.signature, 'hex'))).toBe(true);
  });
});

describe("MeterEngine: the client's own record of ar is evidence of a stale package", () => {
  it('a package behind what the client recorded printed is refused with package_stale, nothing spent, the record returned', async () => {
    const { c } = await funded();
    const stale = c.pkg;
    await c.print(730n);
    const current = c.pkg;
    // The database puts the older package back: the client, holding ar = 730, is ahead of it.
    c.pkg = stale;
    const e = (await c.send('balance').catch((x: unknown) => x)) as VaultError;
    expect(e).toBeInstanceOf(VaultError);
    expect(e.code).toBe('package_stale');
    expect(e.extra).toMatchObject({ knownVersion: 'client', clientArMills: '730', version: stale.version });
    // Nothing was spent: the same request on the current package goes through.
    c.pkg = current;
    expect((await c.send('balance')).response.status).toBe('ok');
  });

  it('a forged claim is refused before it is believed: the MAC comes first', async () => {
    const { c } = await funded();
    await rejectsWith(c.send('balance', {}, { arMills: '999', mac: '00'.repeat(32) }), 'bad_mac');
  });
});
