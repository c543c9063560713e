import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeItem,
  encodeItem,
  encodeSignedBytes,
  expiryOf,
  ITEM_KINDS,
  ItemFormatError,
  MAX_TEXT,
  type ItemData,
  type ItemKind,
} from '../../../src/indicium/index.js';
import { itemArbOf, KINDS, SAMPLE, SAMPLE_COUPON, SAMPLE_GIFT, SAMPLE_HEADER, SAMPLE_TICKET, SAMPLE_VOUCHER, SAMPLES } from '../helpers/items.js';

const SIG = Buffer.alloc(64, 0x5a);
const BODY = 75;

/** u8 length then the ASCII bytes. */
const text = (s: string) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
/** u32 big-endian YYYYMMDD. */
const ymd = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** An item with `data`'s header and kind code, but `body` (any bytes) as its kind elements, L set to match. */
function withBody(data: ItemData, body: Buffer): Buffer {
  const head = Buffer.from(encodeSignedBytes(data).subarray(0, BODY));
  head.writeUInt16BE(body.length, 73);
  return Buffer.concat([head, body, SIG]);
}

const itemOf = (data: ItemData) => encodeItem(encodeSignedBytes(data), SIG);
const roundTrip = (data: ItemData) => decodeItem(itemOf(data)).data;

function expectFormatError(fn: () => unknown, message?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ItemFormatError);
    if (message) expect((e as Error).message).toMatch(message);
    return;
  }
  expect.unreachable('expected an ItemFormatError');
}

describe('kind element layouts (docs/ITEM-FORMAT.md)', () => {
  it('numbers the kinds 1 to 5', () => {
    expect(ITEM_KINDS).toEqual({ postage: 1, ticket: 2, coupon: 3, voucher: 4, gift: 5 });
  });

  it.each<[ItemKind, Buffer]>([
    ['ticket', Buffer.concat([text('Spring Gala 2026'), text('B-12'), ymd(20260401), ymd(20260402)])],
    ['coupon', Buffer.concat([text('10% off any purchase'), ymd(20260630)])],
    ['voucher', Buffer.concat([text('One night, double room'), ymd(20261231)])],
    ['gift', ymd(20270314)],
  ])('encodes %s elements byte by byte after the shared 75-byte header', (kind, body) => {
    const data = SAMPLES[kind];
    const signed = encodeSignedBytes(data);
    const postage = encodeSignedBytes(SAMPLE);
    expect(signed[3]).toBe(ITEM_KINDS[kind]);
    // Everything but the kind byte and the body length is the same header as a postage item's.
    expect(signed.subarray(0, 3)).toEqual(postage.subarray(0, 3));
    expect(signed.subarray(4, 73)).toEqual(postage.subarray(4, 73));
    expect(signed.readUInt16BE(73)).toBe(body.length);
    expect(signed.subarray(BODY).toString('hex')).toBe(body.toString('hex'));
    expect(signed).toHaveLength(BODY + body.length);
  });

  it('gives a gift item the smallest body: 4 bytes, so a 143-byte item', () => {
    expect(itemOf(SAMPLE_GIFT)).toHaveLength(75 + 4 + 64);
  });

  it.each(KINDS)('decodes a %s item back to exactly its data', (kind) => {
    const data = SAMPLES[kind];
    const d = decodeItem(itemOf(data));
    expect(d.data).toEqual(data);
    expect(d.signedBytes).toEqual(encodeSignedBytes(data));
    expect(d.signature).toEqual(SIG);
  });

  it('keeps coupon and voucher apart: same elements, different kind byte, each decodes to its own kind', () => {
    const asVoucher = { ...SAMPLE_COUPON, kind: 'voucher' as const };
    expect(encodeSignedBytes(asVoucher).subarray(4)).toEqual(encodeSignedBytes(SAMPLE_COUPON).subarray(4));
    expect(roundTrip(asVoucher).kind).toBe('voucher');
    expect(roundTrip(SAMPLE_COUPON).kind).toBe('coupon');
  });

  it('accepts the text and date edges', () => {
    const printable = Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    const tickets = [
      { event: 'E'.repeat(MAX_TEXT.event), seat: 'S'.repeat(MAX_TEXT.seat), validFrom: '2026-04-01', validTo: '2026-04-01' },
      { event: 'x', seat: '', validFrom: '0000-01-01', validTo: '9999-12-31' }, // general admission: empty seat
      { event: ' ', seat: ' ', validFrom: '2024-02-29', validTo: '2024-03-01' },
      { event: printable.slice(0, 64), seat: printable.slice(64), validFrom: '2026-12-31', validTo: '2027-01-01' },
    ];
    for (const ticket of tickets) expect(roundTrip({ ...SAMPLE_TICKET, ticket })).toEqual({ ...SAMPLE_TICKET, ticket });
    for (const offer of ['o', '~'.repeat(MAX_TEXT.offer), printable.slice(0, 64)]) {
      for (const base of [SAMPLE_COUPON, SAMPLE_VOUCHER]) {
        const data = { ...base, offer: { offer, expiry: '2028-02-29' } };
        expect(roundTrip(data)).toEqual(data);
      }
    }
    for (const expiry of ['0000-01-01', '9999-12-31', '2000-02-29']) {
      expect(roundTrip({ ...SAMPLE_GIFT, gift: { expiry } })).toEqual({ ...SAMPLE_GIFT, gift: { expiry } });
    }
  });

  it('publishes the text limits it enforces', () => {
    expect(MAX_TEXT).toEqual({ event: 64, seat: 32, offer: 64 });
  });
});

describe('encodeSignedBytes refuses invalid kind elements', () => {
  const ticket = (t: Partial<typeof SAMPLE_TICKET.ticket>) => ({ ...SAMPLE_TICKET, ticket: { ...SAMPLE_TICKET.ticket, ...t } });
  const coupon = (o: Partial<typeof SAMPLE_COUPON.offer>) => ({ ...SAMPLE_COUPON, offer: { ...SAMPLE_COUPON.offer, ...o } });
  const voucher = (o: Partial<typeof SAMPLE_VOUCHER.offer>) => ({ ...SAMPLE_VOUCHER, offer: { ...SAMPLE_VOUCHER.offer, ...o } });
  const gift = (expiry: string) => ({ ...SAMPLE_GIFT, gift: { expiry } });

  it.each<[string, ItemData, RegExp]>([
    ['ticket event empty', ticket({ event: '' }), /event must be 1-64/],
    ['ticket event 65 characters', ticket({ event: 'E'.repeat(65) }), /event must be 1-64/],
    ['ticket event non-ASCII', ticket({ event: 'Café concert' }), /event/],
    ['ticket event newline', ticket({ event: 'Gala\n' }), /event/],
    ['ticket event DEL', ticket({ event: 'Gala\x7f' }), /event/],
    ['ticket seat 33 characters', ticket({ seat: 'S'.repeat(33) }), /seat must be 0-32/],
    ['ticket seat tab', ticket({ seat: 'B\t12' }), /seat/],
    ['ticket validFrom not YYYY-MM-DD', ticket({ validFrom: '2026-4-1' }), /date/],
    ['ticket validFrom not in the calendar', ticket({ validFrom: '2026-02-29' }), /date/],
    ['ticket validTo month 13', ticket({ validTo: '2026-13-01' }), /date/],
    ['ticket validTo before validFrom', ticket({ validFrom: '2026-04-02', validTo: '2026-04-01' }), /not after its end/],
    ['ticket validTo a year before validFrom', ticket({ validFrom: '2027-04-01', validTo: '2026-12-31' }), /not after its end/],
    ['coupon offer empty', coupon({ offer: '' }), /offer must be 1-64/],
    ['coupon offer 65 characters', coupon({ offer: 'O'.repeat(65) }), /offer must be 1-64/],
    ['coupon offer non-ASCII', coupon({ offer: '10 € off' }), /offer/],
    ['coupon expiry not a date', coupon({ expiry: 'never' }), /date/],
    ['coupon expiry not in the calendar', coupon({ expiry: '2026-06-31' }), /date/],
    ['voucher offer empty', voucher({ offer: '' }), /offer must be 1-64/],
    ['voucher offer control character', voucher({ offer: 'Room\x00' }), /offer/],
    ['voucher expiry with time', voucher({ expiry: '2026-12-31T00:00:00Z' }), /date/],
    ['gift expiry empty', gift(''), /date/],
    ['gift expiry not in the calendar', gift('2027-02-29'), /date/],
    ['gift expiry day 00', gift('2027-03-00'), /date/],
  ])('%s', (_name, data, message) => {
    expectFormatError(() => encodeSignedBytes(data), message);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a ticket header with postage elements', { ...SAMPLE, kind: 'ticket' }],
    ['a coupon header with gift elements', { ...SAMPLE_GIFT, kind: 'coupon' }],
    ['a voucher header with ticket elements', { ...SAMPLE_TICKET, kind: 'voucher' }],
    ['a gift header with offer elements', { ...SAMPLE_COUPON, kind: 'gift' }],
    ['a postage header with ticket elements', { ...SAMPLE_TICKET, kind: 'postage' }],
    ['a ticket with null elements', { ...SAMPLE_HEADER, kind: 'ticket', ticket: null }],
  ])('refuses %s with ItemFormatError, not a TypeError', (_name, data) => {
    expectFormatError(() => encodeSignedBytes(data as unknown as ItemData), /elements are missing/);
  });
});

describe('decodeItem refuses malformed kind elements', () => {
  const T = SAMPLE_TICKET;
  const tb = (event: Buffer, seat: Buffer, from: Buffer, to: Buffer) => withBody(T, Buffer.concat([event, seat, from, to]));
  const good = { event: text('Gala'), seat: text('B-12'), from: ymd(20260401), to: ymd(20260402) };

  it('reads the helper-built bodies the same way the encoder writes them', () => {
    expect(decodeItem(tb(good.event, good.seat, good.from, good.to)).data).toEqual({
      ...T,
      ticket: { event: 'Gala', seat: 'B-12', validFrom: '2026-04-01', validTo: '2026-04-02' },
    });
    expect(decodeItem(withBody(SAMPLE_GIFT, ymd(20270314))).data).toEqual(SAMPLE_GIFT);
    expect(withBody(SAMPLE_COUPON, encodeSignedBytes(SAMPLE_COUPON).subarray(BODY))).toEqual(itemOf(SAMPLE_COUPON));
  });

  describe.each(KINDS)('%s: truncations and trailing bytes', (kind) => {
    const data = SAMPLES[kind];
    const body = encodeSignedBytes(data).subarray(BODY);

    it('refuses every truncated body (with L matching), naming the kind', () => {
      for (let n = 0; n < body.length; n++) {
        const message = kind === 'postage' ? undefined : new RegExp(`${kind} elements truncated`);
        expectFormatError(() => decodeItem(withBody(data, body.subarray(0, n))), message);
      }
    });

    it.each([[[0x00]], [[0x20]], [[0x01, 0x02, 0x03, 0x04]]])('refuses trailing bytes %j after the last element', (extra) => {
      expectFormatError(() => decodeItem(withBody(data, Buffer.concat([body, Buffer.from(extra)]))), new RegExp(`trailing bytes after ${kind} elements`));
    });

    it('refuses the body of every other kind', () => {
      for (const other of KINDS) {
        if (other === kind) continue;
        const otherBody = encodeSignedBytes(SAMPLES[other]).subarray(BODY);
        const offerLike = (k: ItemKind) => k === 'coupon' || k === 'voucher';
        if (offerLike(kind) && offerLike(other)) {
          // Same layout: the other's body decodes, as this kind.
          expect(decodeItem(withBody(data, otherBody)).data.kind).toBe(kind);
          continue;
        }
        expectFormatError(() => decodeItem(withBody(data, otherBody)));
      }
    });

    it('refuses the item truncated anywhere, or with a byte appended, without touching L', () => {
      const item = itemOf(data);
      for (let n = 0; n < item.length; n++) expectFormatError(() => decodeItem(item.subarray(0, n)));
      expectFormatError(() => decodeItem(Buffer.concat([item, Buffer.from([0])])), /length/);
    });
  });

  it.each<[string, Buffer, RegExp]>([
    ['event length 0', tb(text(''), good.seat, good.from, good.to), /event must be 1-64/],
    ['event length 65', tb(text('E'.repeat(65)), good.seat, good.from, good.to), /event must be 1-64/],
    ['event length 255', tb(text('E'.repeat(255)), good.seat, good.from, good.to), /event must be 1-64/],
    ['seat length 33', tb(good.event, text('S'.repeat(33)), good.from, good.to), /seat must be 0-32/],
    ['event control character', tb(Buffer.from([4, 0x47, 0x07, 0x6c, 0x61]), good.seat, good.from, good.to), /event is not printable/],
    ['event DEL', tb(Buffer.from([4, 0x47, 0x7f, 0x6c, 0x61]), good.seat, good.from, good.to), /event is not printable/],
    // 0xC7 & 0x7F = "G": the high bit must not be dropped.
    ['event high-bit letter', tb(Buffer.from([4, 0xc7, 0x61, 0x6c, 0x61]), good.seat, good.from, good.to), /event is not printable/],
    ['seat NUL', tb(good.event, Buffer.from([2, 0x42, 0x00]), good.from, good.to), /seat is not printable/],
    ['seat high-bit digit', tb(good.event, Buffer.from([2, 0x42, 0xb1]), good.from, good.to), /seat is not printable/],
    ['seat length past the body', tb(good.event, Buffer.from([40, 0x42]), good.from, good.to), /ticket elements truncated/],
    ['validFrom 0', tb(good.event, good.seat, ymd(0), good.to), /calendar date/],
    ['validFrom 2026-02-29', tb(good.event, good.seat, ymd(20260229), good.to), /calendar date/],
    ['validFrom 2026-04-31', tb(good.event, good.seat, ymd(20260431), good.to), /calendar date/],
    ['validTo 2026-13-01', tb(good.event, good.seat, good.from, ymd(20261301)), /calendar date/],
    ['validTo 2026-04-00', tb(good.event, good.seat, good.from, ymd(20260400)), /calendar date/],
    ['validTo with nine digits', tb(good.event, good.seat, good.from, ymd(0xffffffff)), /calendar date/],
    ['validTo 1 (0000-00-01)', tb(good.event, good.seat, good.from, ymd(1)), /calendar date/],
    ['validTo the day before validFrom', tb(good.event, good.seat, ymd(20260402), ymd(20260401)), /not after its end/],
    ['validTo the year before validFrom', tb(good.event, good.seat, ymd(20270101), ymd(20261231)), /not after its end/],
  ])('ticket: %s', (_name, item, message) => {
    expectFormatError(() => decodeItem(item), message);
  });

  describe.each(['coupon', 'voucher'] as const)('%s', (kind) => {
    const data = SAMPLES[kind];
    const ob = (offer: Buffer, expiry: Buffer) => withBody(data, Buffer.concat([offer, expiry]));

    it('decodes a well-formed body', () => {
      expect(decodeItem(ob(text('Free coffee'), ymd(20260701))).data).toEqual({ ...data, offer: { offer: 'Free coffee', expiry: '2026-07-01' } });
    });

    it.each<[string, () => Buffer, RegExp]>([
      ['offer length 0', () => ob(text(''), ymd(20260701)), /offer must be 1-64/],
      ['offer length 65', () => ob(text('O'.repeat(65)), ymd(20260701)), /offer must be 1-64/],
      ['offer length 200', () => ob(text('O'.repeat(200)), ymd(20260701)), /offer must be 1-64/],
      ['offer newline', () => ob(Buffer.from([3, 0x41, 0x0a, 0x42]), ymd(20260701)), /offer is not printable/],
      ['offer high-bit byte', () => ob(Buffer.from([3, 0x41, 0xe9, 0x42]), ymd(20260701)), /offer is not printable/],
      ['offer length past the body', () => ob(Buffer.from([60, 0x41]), ymd(20260701)), new RegExp(`${kind} elements truncated`)],
      ['expiry 0', () => ob(text('Free coffee'), ymd(0)), /calendar date/],
      ['expiry 2026-06-31', () => ob(text('Free coffee'), ymd(20260631)), /calendar date/],
      ['expiry 2027-02-29', () => ob(text('Free coffee'), ymd(20270229)), /calendar date/],
      ['expiry with nine digits', () => ob(text('Free coffee'), ymd(123456789)), /calendar date/],
      ['expiry missing', () => ob(text('Free coffee'), Buffer.alloc(0)), new RegExp(`${kind} elements truncated`)],
    ])('%s', (_name, item, message) => {
      expectFormatError(() => decodeItem(item()), message);
    });
  });

  it.each<[string, Buffer, RegExp]>([
    ['expiry 0', ymd(0), /calendar date/],
    ['expiry 2027-02-29', ymd(20270229), /calendar date/],
    ['expiry 2027-00-10', ymd(20270010), /calendar date/],
    ['expiry all ones', ymd(0xffffffff), /calendar date/],
    ['three bytes', Buffer.from([0x01, 0x35, 0x2e]), /gift elements truncated/],
    ['empty body', Buffer.alloc(0), /gift elements truncated/],
    ['a second expiry', Buffer.concat([ymd(20270314), ymd(20270314)]), /trailing bytes after gift elements/],
  ])('gift: %s', (_name, body, message) => {
    expectFormatError(() => decodeItem(withBody(SAMPLE_GIFT, body)), message);
  });
});

describe('canonical form for every kind', () => {
  it.each(KINDS)('a mutated %s item is either refused or decodes to data that re-encodes to exactly its signed bytes', (kind) => {
    fc.assert(
      fc.property(
        itemArbOf(kind),
        fc.array(fc.record({ at: fc.nat(120), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 3 }),
        (data, edits) => {
          const item = itemOf(data);
          // Most edits land on the kind elements (offset 73 on: body length and body).
          for (const e of edits) if (73 + e.at < item.length) item[73 + e.at] = e.value;
          let decoded;
          try {
            decoded = decodeItem(item);
          } catch (err) {
            expect(err).toBeInstanceOf(ItemFormatError);
            return;
          }
          expect(encodeSignedBytes(decoded.data)).toEqual(decoded.signedBytes);
          expect(decoded.data.kind).toBe(kind);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it.each(KINDS)('a %s item re-labelled with every other kind code decodes only if the layouts agree, and then re-encodes exactly', (kind) => {
    const item = itemOf(SAMPLES[kind]);
    for (let code = 0; code <= 255; code++) {
      const relabelled = Buffer.from(item);
      relabelled[3] = code;
      let decoded;
      try {
        decoded = decodeItem(relabelled);
      } catch (err) {
        expect(err).toBeInstanceOf(ItemFormatError);
        continue;
      }
      expect(ITEM_KINDS[decoded.data.kind]).toBe(code);
      expect(encodeSignedBytes(decoded.data)).toEqual(decoded.signedBytes);
      const sameLayout = code === ITEM_KINDS[kind] || ((kind === 'coupon' || kind === 'voucher') && (code === 3 || code === 4));
      expect(sameLayout, `kind ${kind} decoded as code ${code}`).toBe(true);
    }
  });
});

describe('expiryOf', () => {
  it('is null for postage, validTo for a ticket, and the expiry for coupons, vouchers and gifts', () => {
    expect(expiryOf(SAMPLE)).toBeNull();
    expect(expiryOf(SAMPLE_TICKET)).toBe('2026-04-02');
    expect(expiryOf(SAMPLE_COUPON)).toBe('2026-06-30');
    expect(expiryOf(SAMPLE_VOUCHER)).toBe('2026-12-31');
    expect(expiryOf(SAMPLE_GIFT)).toBe('2027-03-14');
  });

  it('works on the bare kind elements as on whole items', () => {
    expect(expiryOf({ kind: 'gift', gift: { expiry: '2030-01-01' } })).toBe('2030-01-01');
    expect(expiryOf({ kind: 'ticket', ticket: { event: 'e', seat: '', validFrom: '2030-01-01', validTo: '2030-01-05' } })).toBe('2030-01-05');
    expect(expiryOf({ kind: 'postage', postage: SAMPLE.postage })).toBeNull();
  });

  it.each(KINDS)('of a decoded %s item equals that of its data, and is never before the ticket start', (kind) => {
    fc.assert(
      fc.property(itemArbOf(kind), (data) => {
        const decoded = roundTrip(data);
        expect(expiryOf(decoded)).toBe(expiryOf(data));
        const expiry = expiryOf(decoded);
        if (kind === 'postage') expect(expiry).toBeNull();
        else expect(expiry).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        if (decoded.kind === 'ticket') expect(decoded.ticket.validFrom <= expiry!).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
