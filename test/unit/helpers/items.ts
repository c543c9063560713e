import fc from 'fast-check';
import {
  MAX_TEXT,
  type GiftElements,
  type ItemData,
  type ItemHeader,
  type ItemKind,
  type KindElements,
  type OfferElements,
  type PostageElements,
  type TicketElements,
} from '../../../src/indicium/index.js';

/** The item data of one kind, narrowed so that its elements can be read without a check. */
export type ItemOf<K extends ItemKind> = NarrowTo<ItemData, K>;
type NarrowTo<D, K> = D extends { readonly kind: infer DK } ? (K extends DK ? D & { readonly kind: K } : never) : never;

export const KINDS = ['postage', 'ticket', 'coupon', 'voucher', 'gift'] as const satisfies readonly ItemKind[];

/** The header fields every sample item shares. */
export const SAMPLE_HEADER: Omit<ItemHeader, 'kind'> = {
  certSerialHex: '1a2b3c4d5e6f708192a3b4c5d6e7f801',
  meterId: '0f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f',
  itemSerial: 42n,
  arAfterMills: 12_345n,
  valueMills: 730n,
  date: '2026-03-14',
  softwareId: 'VM000100',
};

export const SAMPLE: ItemOf<'postage'> = {
  ...SAMPLE_HEADER,
  kind: 'postage',
  postage: { originZip: '20260', destination: '100011234', rateCategory: 'FCM-LTR', weightTenthOz: 10 },
};

export const SAMPLE_TICKET: ItemOf<'ticket'> = {
  ...SAMPLE_HEADER,
  kind: 'ticket',
  ticket: { event: 'Spring Gala 2026', seat: 'B-12', validFrom: '2026-04-01', validTo: '2026-04-02' },
};

export const SAMPLE_COUPON: ItemOf<'coupon'> = {
  ...SAMPLE_HEADER,
  kind: 'coupon',
  offer: { offer: '10% off any purchase', expiry: '2026-06-30' },
};

export const SAMPLE_VOUCHER: ItemOf<'voucher'> = {
  ...SAMPLE_HEADER,
  kind: 'voucher',
  offer: { offer: 'One night, double room', expiry: '2026-12-31' },
};

export const SAMPLE_GIFT: ItemOf<'gift'> = { ...SAMPLE_HEADER, kind: 'gift', gift: { expiry: '2027-03-14' } };

/** One sample item of every kind. */
export const SAMPLES: { readonly [K in ItemKind]: ItemOf<K> } = {
  postage: SAMPLE,
  ticket: SAMPLE_TICKET,
  coupon: SAMPLE_COUPON,
  voucher: SAMPLE_VOUCHER,
  gift: SAMPLE_GIFT,
};

const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const hexBytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const printableChar = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
/** Printable ASCII text (0x20-0x7E) of minLength to maxLength characters. */
export const textArb = (minLength: number, maxLength: number) => fc.string({ unit: printableChar, minLength, maxLength });

export const postageArb: fc.Arbitrary<PostageElements> = fc.record({
  originZip: digits(5),
  destination: fc.oneof(digits(5), digits(9), digits(11)),
  rateCategory: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'), minLength: 1, maxLength: 16 }),
  weightTenthOz: fc.integer({ min: 1, max: 0xffff }),
});

export const dateArb = fc
  .date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

export const ticketArb: fc.Arbitrary<TicketElements> = fc
  .record({ event: textArb(1, MAX_TEXT.event), seat: textArb(0, MAX_TEXT.seat), a: dateArb, b: dateArb })
  .map(({ event, seat, a, b }) => ({ event, seat, validFrom: a <= b ? a : b, validTo: a <= b ? b : a }));

export const offerArb: fc.Arbitrary<OfferElements> = fc.record({ offer: textArb(1, MAX_TEXT.offer), expiry: dateArb });

export const giftArb: fc.Arbitrary<GiftElements> = fc.record({ expiry: dateArb });

/** The elements of one kind. */
export function elementsArb(kind: ItemKind): fc.Arbitrary<KindElements> {
  switch (kind) {
    case 'postage':
      return postageArb.map((postage) => ({ kind, postage }));
    case 'ticket':
      return ticketArb.map((ticket) => ({ kind, ticket }));
    case 'coupon':
    case 'voucher':
      return offerArb.map((offer) => ({ kind, offer }));
    case 'gift':
      return giftArb.map((gift) => ({ kind, gift }));
  }
}

export const headerArb: fc.Arbitrary<Omit<ItemHeader, 'kind'>> = fc.record({
  certSerialHex: hexBytes(16),
  meterId: hexBytes(16).map((h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`),
  itemSerial: u64,
  arAfterMills: u64,
  valueMills: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
  date: dateArb,
  softwareId: fc.string({ unit: printableChar, minLength: 8, maxLength: 8 }),
});

/** Valid item data of one kind. */
export function itemArbOf<K extends ItemKind>(kind: K): fc.Arbitrary<ItemOf<K>> {
  return fc.tuple(headerArb, elementsArb(kind)).map(([h, e]) => ({ ...h, ...e }) as ItemOf<K>);
}

/** Valid postage item data (the only kind before tickets, coupons, vouchers and gifts had layouts). */
export const postageItemArb: fc.Arbitrary<ItemOf<'postage'>> = itemArbOf('postage');

/** Valid item data of any kind. */
export const itemDataArb: fc.Arbitrary<ItemData> = fc.oneof(...KINDS.map((k) => itemArbOf(k) as fc.Arbitrary<ItemData>));

/** The body length `L` docs/ITEM-FORMAT.md gives for an item's kind elements. */
export function documentedBodyLength(d: ItemData): number {
  switch (d.kind) {
    case 'postage':
      return 5 + 1 + d.postage.destination.length + 1 + d.postage.rateCategory.length + 2;
    case 'ticket':
      return 1 + d.ticket.event.length + 1 + d.ticket.seat.length + 4 + 4;
    case 'coupon':
    case 'voucher':
      return 1 + d.offer.offer.length + 4;
    case 'gift':
      return 4;
  }
}
