import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_VALIDITY_DAYS } from '../../../src/constants.js';
import { decodeItem, expiryOf, ITEM_KINDS, verifyItem, type ItemData, type ItemKind } from '../../../src/indicium/index.js';
import { itemIdOf, verifyItemSignature } from '../../../src/crypto/index.js';
import { Clock, DAY_MS, makeEngine, registeredMeter, rejectsWith, T0, TODAY, type TestClient } from '../helpers/engine.js';
import { KINDS } from '../helpers/items.js';

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const YESTERDAY = dayOf(T0 - DAY_MS);
const TOMORROW = dayOf(T0 + DAY_MS);
const LAST_VALID = dayOf(T0 + MAX_VALIDITY_DAYS * DAY_MS);
const TOO_FAR = dayOf(T0 + (MAX_VALIDITY_DAYS + 1) * DAY_MS);

const POSTAGE = { date: TODAY, originZip: '20260', destination: '100011234', rateCategory: 'FCM-LTR', weightTenthOz: '10' };

/** The kind params a client sends for each kind, and the elements the item must then carry. */
const REQUESTS: { readonly [K in ItemKind]: { params: Record<string, string>; elements: Record<string, unknown> } } = {
  postage: { params: POSTAGE, elements: { postage: { originZip: '20260', destination: '100011234', rateCategory: 'FCM-LTR', weightTenthOz: 10 } } },
  ticket: {
    params: { event: 'Spring Gala 2026', seat: 'B-12', validFrom: '2026-04-01', validTo: '2026-04-02' },
    elements: { ticket: { event: 'Spring Gala 2026', seat: 'B-12', validFrom: '2026-04-01', validTo: '2026-04-02' } },
  },
  coupon: { params: { offer: '10% off any purchase', expiry: '2026-06-30' }, elements: { offer: { offer: '10% off any purchase', expiry: '2026-06-30' } } },
  voucher: {
    params: { offer: 'One night, double room', expiry: '2026-12-31' },
    elements: { offer: { offer: 'One night, double room', expiry: '2026-12-31' } },
  },
  gift: { params: { expiry: '2027-03-14' }, elements: { gift: { expiry: '2027-03-14' } } },
};

async function funded(amount = 1_000_000n, clock = new Clock()) {
  const made = await makeEngine(clock);
  const c = await registeredMeter(made.engine, clock.ms);
  await c.fund(amount);
  return { ...made, c };
}

function printKind(c: TestClient, kind: string, amountMills: bigint, params: Record<string, string>) {
  return c.send('print', { amountMills: amountMills.toString(), kind, ...params });
}

const itemOf = (r: { item?: string }) => Buffer.from(r.item!, 'base64');

function registers(c: TestClient) {
  const w = c.last!.response;
  return { ar: w.arMills, dr: w.drMills, total: w.controlTotalMills };
}

describe('MeterEngine print: every item kind', () => {
  it.each(KINDS)('issues a %s item from the kind param, with its elements, verifying against the meter certificate', async (kind) => {
    const { engine, c } = await funded(10_000n);
    const r = await printKind(c, kind, 730n, REQUESTS[kind].params);
    expect(r.error).toBeUndefined();
    expect(r.response).toMatchObject({ op: 'print', status: 'ok', arMills: '730', drMills: '9270', controlTotalMills: '10000' });
    const item = itemOf(r);
    const d = decodeItem(item);
    expect(item[3]).toBe(ITEM_KINDS[kind]);
    expect(d.data).toEqual({
      kind,
      meterId: c.meterId,
      certSerialHex: c.provisioned.certSerialHex,
      itemSerial: 1n,
      arAfterMills: 730n,
      valueMills: 730n,
      date: TODAY,
      softwareId: 'VM000100',
      ...REQUESTS[kind].elements,
    });
    const cert = new X509Certificate(c.provisioned.certificatePem);
    expect(verifyItemSignature(d.signedBytes, d.signature, createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })))).toBe(true);
    const verdict = verifyItem(item, c.provisioned.certificatePem, engine.info().caCertPem, new Date(T0));
    expect(verdict.reasons).toEqual([]);
    expect(verdict.valid).toBe(true);
    expect(verdict.item?.data).toEqual(d.data);
    expect(r.response.result).toEqual({
      itemId: itemIdOf(d.signedBytes),
      itemSerial: '1',
      amountMills: '730',
      kind,
      itemSha256: createHash('sha256').update(item).digest('hex'),
    });
  });

  it('issues postage when the kind param is left out, exactly as with kind=postage', async () => {
    const { c } = await funded();
    const implicit = await c.send('print', { amountMills: '730', ...POSTAGE });
    const explicit = await printKind(c, 'postage', 730n, POSTAGE);
    expect(implicit.response.result.kind).toBe('postage');
    expect(explicit.response.result.kind).toBe('postage');
    const a = decodeItem(itemOf(implicit)).data;
    const b = decodeItem(itemOf(explicit)).data;
    expect(a).toEqual({ ...b, itemSerial: 1n, arAfterMills: 730n });
    expect(b.itemSerial).toBe(2n);
  });

  it.each(['ticket', 'coupon', 'voucher', 'gift'] as const)('dates a %s item today (UTC), ignoring a date param, and follows the clock', async (kind) => {
    const clock = new Clock();
    const { c } = await funded(1_000_000n, clock);
    const params = { ...REQUESTS[kind].params, date: '2026-03-20' };
    expect(decodeItem(itemOf(await printKind(c, kind, 100n, params))).data.date).toBe(TODAY);
    // 23:59:59.999 UTC on the same day, then just past midnight.
    clock.ms = Date.UTC(2026, 2, 14, 23, 59, 59, 999);
    expect(decodeItem(itemOf(await printKind(c, kind, 100n, params))).data.date).toBe(TODAY);
    clock.ms = Date.UTC(2026, 2, 15, 0, 0, 0, 1);
    expect(decodeItem(itemOf(await printKind(c, kind, 100n, params))).data.date).toBe('2026-03-15');
  });

  it("carries only its own kind's elements, whatever other params are sent", async () => {
    const { c } = await funded();
    const all = { ...POSTAGE, ...REQUESTS.ticket.params, ...REQUESTS.coupon.params };
    for (const kind of ['ticket', 'coupon', 'voucher'] as const) {
      const d = decodeItem(itemOf(await printKind(c, kind, 100n, all))).data as ItemData & Record<string, unknown>;
      const elementKeys = Object.keys(d).filter((k) => ['postage', 'ticket', 'offer', 'gift'].includes(k));
      expect(elementKeys, kind).toEqual([kind === 'ticket' ? 'ticket' : 'offer']);
    }
  });

  it('issues a general-admission ticket (no seat) and the edges of the date windows', async () => {
    const { c } = await funded();
    const ok = async (kind: ItemKind, params: Record<string, string>) => {
      const r = await printKind(c, kind, 100n, params);
      expect(r.error, JSON.stringify(params)).toBeUndefined();
      return decodeItem(itemOf(r)).data;
    };
    const ga = await ok('ticket', { event: 'Open Air', validFrom: TODAY, validTo: TODAY });
    expect(ga).toMatchObject({ kind: 'ticket', ticket: { event: 'Open Air', seat: '', validFrom: TODAY, validTo: TODAY } });
    // validFrom may be yesterday (an event already running); validTo and expiries may be today, or up to MAX_VALIDITY_DAYS ahead.
    await ok('ticket', { event: 'E'.repeat(64), seat: 'S'.repeat(32), validFrom: YESTERDAY, validTo: LAST_VALID });
    await ok('ticket', { event: 'Festival', validFrom: LAST_VALID, validTo: LAST_VALID });
    for (const kind of ['coupon', 'voucher'] as const) {
      await ok(kind, { offer: 'O'.repeat(64), expiry: TODAY });
      await ok(kind, { offer: '~', expiry: LAST_VALID });
    }
    expect(await ok('gift', { expiry: TODAY })).toMatchObject({ gift: { expiry: TODAY } });
    expect(await ok('gift', { expiry: LAST_VALID })).toMatchObject({ gift: { expiry: LAST_VALID } });
  });
});

describe('MeterEngine print: bad kind params are authenticated invalid_request refusals', () => {
  const t = REQUESTS.ticket.params;
  const o = REQUESTS.coupon.params;
  const without = (p: Record<string, string>, key: string) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== key));

  const cases: [string, string, Record<string, string>, RegExp][] = [
    ['unknown kind "parcel"', 'parcel', POSTAGE, /kind must be one of postage, ticket, coupon, voucher, gift/],
    ['empty kind', '', POSTAGE, /kind must be one of/],
    ['kind in capitals', 'Ticket', t, /kind must be one of/],
    ['kind as its code', '2', t, /kind must be one of/],
    ['kind "constructor"', 'constructor', POSTAGE, /kind must be one of/],
    ['kind "__proto__"', '__proto__', POSTAGE, /kind must be one of/],
    ['kind "toString"', 'toString', POSTAGE, /kind must be one of/],
    ['ticket without event', 'ticket', without(t, 'event'), /event/],
    ['ticket with empty event', 'ticket', { ...t, event: '' }, /event/],
    ['ticket event of 65 characters', 'ticket', { ...t, event: 'E'.repeat(65) }, /event/],
    ['ticket event not ASCII', 'ticket', { ...t, event: 'Café concert' }, /event/],
    ['ticket event with a newline', 'ticket', { ...t, event: 'Gala\nnight' }, /event/],
    ['ticket seat of 33 characters', 'ticket', { ...t, seat: 'S'.repeat(33) }, /seat/],
    ['ticket without validFrom', 'ticket', without(t, 'validFrom'), /validFrom/],
    ['ticket without validTo', 'ticket', without(t, 'validTo'), /validTo/],
    ['ticket validFrom not YYYY-MM-DD', 'ticket', { ...t, validFrom: '1 April 2026' }, /validFrom/],
    ['ticket validFrom two days ago', 'ticket', { ...t, validFrom: '2026-03-12' }, /validFrom/],
    ['ticket validTo in the past', 'ticket', { ...t, validFrom: YESTERDAY, validTo: YESTERDAY }, /validTo/],
    ['ticket validTo before validFrom', 'ticket', { ...t, validFrom: '2026-04-02', validTo: '2026-04-01' }, /not after its end/],
    ['ticket validTo beyond the validity limit', 'ticket', { ...t, validTo: TOO_FAR }, /validTo/],
    ['ticket validFrom beyond the validity limit', 'ticket', { ...t, validFrom: TOO_FAR, validTo: TOO_FAR }, /validFrom/],
    ['ticket validTo not in the calendar', 'ticket', { ...t, validTo: '2026-04-31' }, /date/],
    ...(['coupon', 'voucher'] as const).flatMap((kind): [string, string, Record<string, string>, RegExp][] => [
      [`${kind} without offer`, kind, without(o, 'offer'), /offer/],
      [`${kind} with empty offer`, kind, { ...o, offer: '' }, /offer/],
      [`${kind} offer of 65 characters`, kind, { ...o, offer: 'O'.repeat(65) }, /offer/],
      [`${kind} offer not ASCII`, kind, { ...o, offer: '10 € off' }, /offer/],
      [`${kind} without expiry`, kind, without(o, 'expiry'), /expiry/],
      [`${kind} expiry yesterday`, kind, { ...o, expiry: YESTERDAY }, /expiry/],
      [`${kind} expiry long past`, kind, { ...o, expiry: '2020-01-01' }, /expiry/],
      [`${kind} expiry beyond the validity limit`, kind, { ...o, expiry: TOO_FAR }, /expiry/],
      [`${kind} expiry not in the calendar`, kind, { ...o, expiry: '2026-06-31' }, /date/],
      [`${kind} expiry with a time`, kind, { ...o, expiry: '2026-06-30T00:00:00Z' }, /expiry/],
    ]),
    ['gift without expiry', 'gift', {}, /expiry/],
    ['gift with postage params only', 'gift', POSTAGE, /expiry/],
    ['gift expiry yesterday', 'gift', { expiry: YESTERDAY }, /expiry/],
    ['gift expiry not a date', 'gift', { expiry: 'next year' }, /expiry/],
    ['gift expiry not in the calendar', 'gift', { expiry: '2027-02-29' }, /date/],
    ['gift expiry beyond the validity limit', 'gift', { expiry: TOO_FAR }, /expiry/],
  ];

  it.each(cases)('%s', async (_name, kind, params, message) => {
    const { c } = await funded(10_000n);
    await c.send('balance'); // the client knows dr
    const before = registers(c);
    // send() checks the response MAC: the refusal is authenticated by the module.
    const r = await printKind(c, kind, 730n, params);
    expect(r.error?.code).toBe('invalid_request');
    expect(r.error?.message).toMatch(message);
    expect(r.response.status).toBe('invalid_request');
    expect(r.item).toBeUndefined();
    expect(r.response.result).toEqual({});
    expect(registers(c)).toEqual(before);
    // The challenge rotated and nothing was spent, not even an item serial.
    const next = await printKind(c, 'gift', 730n, { expiry: TOMORROW });
    expect(next.response.status).toBe('ok');
    expect(decodeItem(itemOf(next)).data.itemSerial).toBe(1n);
  });

  it('authenticates the kind: a request whose kind was changed in transit is bad_mac', async () => {
    const { engine, c } = await funded();
    const args = c.build('print', { amountMills: '730', kind: 'coupon', ...REQUESTS.coupon.params });
    await rejectsWith(engine.command({ ...args, params: { ...args.params, kind: 'voucher' } }), 'bad_mac');
    expect(c.accept(await engine.command(args)).response.result.kind).toBe('coupon');
  });
});

describe('MeterEngine print: registers move exactly as for postage', () => {
  const AMOUNTS = [730n, 45_000n, 5_000n, 80_000n, 25_000n, 1n];

  it('gives the same register sequence, item serials and ar-after values for any mix of kinds', async () => {
    const postage = (await funded(200_000n)).c;
    const mixed = (await funded(200_000n)).c;
    for (const [i, amount] of AMOUNTS.entries()) {
      const kind = KINDS[i % KINDS.length]!;
      const p = await printKind(postage, 'postage', amount, POSTAGE);
      const m = await printKind(mixed, kind, amount, REQUESTS[kind].params);
      expect(m.response.status, kind).toBe('ok');
      expect(registers(mixed)).toEqual(registers(postage));
      const [pd, md] = [decodeItem(itemOf(p)).data, decodeItem(itemOf(m)).data];
      expect(md.kind).toBe(kind);
      expect({ serial: md.itemSerial, ar: md.arAfterMills, value: md.valueMills }).toEqual({
        serial: pd.itemSerial,
        ar: pd.arAfterMills,
        value: pd.valueMills,
      });
      expect(md.arAfterMills).toBe(BigInt(mixed.last!.response.arMills));
    }
    expect(registers(mixed)).toEqual({ ar: '155731', dr: '44269', total: '200000' });
  });

  it.each(['ticket', 'coupon', 'voucher', 'gift'] as const)('refuses a %s worth more than the meter holds, as for postage', async (kind) => {
    const { c } = await funded(500n);
    const r = await printKind(c, kind, 501n, REQUESTS[kind].params);
    expect(r.error?.code).toBe('insufficient_funds');
    expect(r.item).toBeUndefined();
    expect(registers(c)).toEqual({ ar: '0', dr: '500', total: '500' });
    expect((await printKind(c, kind, 500n, REQUESTS[kind].params)).response.status).toBe('ok');
    expect(registers(c)).toEqual({ ar: '500', dr: '0', total: '500' });
  });

  it.each(['ticket', 'coupon', 'voucher', 'gift'] as const)('refuses a bad amount for a %s, as for postage', async (kind) => {
    const { c } = await funded(10_000n);
    for (const amountMills of ['0', '-1', '1.5', 'abc']) {
      const r = await c.send('print', { amountMills, kind, ...REQUESTS[kind].params });
      const postage = await c.send('print', { amountMills, ...POSTAGE });
      expect(r.error?.code, amountMills).toBe(postage.error?.code);
      expect(r.error?.code).toMatch(/^(invalid_amount|invalid_request)$/);
    }
    expect(registers(c)).toEqual({ ar: '0', dr: '10000', total: '10000' });
  });

  it.each(['ticket', 'coupon', 'voucher', 'gift'] as const)('refunds a %s item as it would a postage item', async (kind) => {
    const { c } = await funded(10_000n);
    const p = await printKind(c, kind, 730n, REQUESTS[kind].params);
    const r = await c.send('refund', { itemId: p.response.result.itemId! }, { itemBytes: p.item! });
    expect(r.error).toBeUndefined();
    expect(r.response.result).toEqual({ itemId: p.response.result.itemId, refundedMills: '730' });
    expect(registers(c)).toEqual({ ar: '730', dr: '10000', total: '10730' });
  });
});

describe('verifyItem on issued items of every kind', () => {
  async function issued(kind: ItemKind) {
    const { engine, c } = await funded();
    const item = itemOf(await printKind(c, kind, 730n, REQUESTS[kind].params));
    const verdict = (now: Date, revoked?: ReadonlySet<string>) => verifyItem(item, c.provisioned.certificatePem, engine.info().caCertPem, now, revoked);
    return { engine, c, item, verdict };
  }

  it.each(['ticket', 'coupon', 'voucher', 'gift'] as const)('accepts a %s through its expiry day and reports it expired the day after', async (kind) => {
    const { item, verdict } = await issued(kind);
    const expiry = expiryOf(decodeItem(item).data)!;
    const lastMoment = new Date(`${expiry}T23:59:59.999Z`);
    expect(verdict(lastMoment).reasons).toEqual([]);
    const after = verdict(new Date(lastMoment.getTime() + 1));
    expect(after.valid).toBe(false);
    expect(after.reasons).toEqual([`the ${kind} expired on ${expiry}`]);
  });

  it('never reports postage as expired', async () => {
    const { verdict } = await issued('postage');
    expect(verdict(new Date(T0 + 365 * DAY_MS)).reasons).toEqual([]);
  });

  it.each(KINDS)('reports a %s whose meter certificate is revoked', async (kind) => {
    const { c, verdict } = await issued(kind);
    expect(verdict(new Date(T0), new Set(['00'.repeat(16)])).valid).toBe(true);
    const v = verdict(new Date(T0), new Set([c.provisioned.certSerialHex]));
    expect(v.valid).toBe(false);
    expect(v.reasons).toEqual(["the meter's certificate is revoked"]);
  });

  it.each(KINDS)("refuses a %s checked against another meter's certificate", async (kind) => {
    const { engine, item } = await issued(kind);
    const other = await engine.provision({ licensingZip: '20260' });
    const v = verifyItem(item, other.certificatePem, engine.info().caCertPem, new Date(T0));
    expect(v.valid).toBe(false);
    expect(v.reasons).toEqual(["the item names another certificate than the meter's", 'the signature does not verify']);
  });

  it.each(KINDS)('reports a %s with a changed element byte as not verifying, or as malformed', async (kind) => {
    const { item, c, engine } = await issued(kind);
    const tampered = Buffer.from(item);
    tampered[76]! ^= 0x01; // the second body byte: inside the first text or date of every kind
    const v = verifyItem(tampered, c.provisioned.certificatePem, engine.info().caCertPem, new Date(T0));
    expect(v.valid).toBe(false);
    expect(v.reasons.length).toBe(1);
    expect(v.reasons[0]).toMatch(/^(the signature does not verify|malformed item: .+)$/);
  });
});
