import { check, dateToYmd, Reader, shortText, u16, u32 } from './bytes.js';

// Kind-specific data elements (docs/ITEM-FORMAT.md, "Kind elements"). Each kind has one fixed
// layout; text is printable ASCII with a u8 length, dates are u32 YYYYMMDD.

export interface PostageElements {
  readonly originZip: string;
  /** ZIP (5), ZIP+4 (9) or delivery point (11 digits). */
  readonly destination: string;
  readonly rateCategory: string;
  /** Weight in tenths of an ounce. */
  readonly weightTenthOz: number;
  /** Present when the module priced the piece: the rate table in force and the zone (0 = local). Format 2 only. */
  readonly rated?: RatedElements;
}

export interface RatedElements {
  readonly rateTable: string;
  readonly zone: number;
}

export interface TicketElements {
  readonly event: string;
  /** Seat or zone; may be empty for general admission. */
  readonly seat: string;
  readonly validFrom: string;
  readonly validTo: string;
}

/** Coupons and vouchers: what is offered, and until when. The value is the header's. */
export interface OfferElements {
  readonly offer: string;
  readonly expiry: string;
}

export interface GiftElements {
  readonly expiry: string;
}

export type KindElements =
  | { readonly kind: 'postage'; readonly postage: PostageElements }
  | { readonly kind: 'ticket'; readonly ticket: TicketElements }
  | { readonly kind: 'coupon' | 'voucher'; readonly offer: OfferElements }
  | { readonly kind: 'gift'; readonly gift: GiftElements };

export const MAX_TEXT = { event: 64, seat: 32, offer: 64 } as const;

const ZIP5 = /^\d{5}$/;
const DESTINATION = /^(\d{5}|\d{9}|\d{11})$/;
const RATE = /^[A-Z0-9-]{1,16}$/;
const RATE_TABLE = /^[A-Z0-9-]{1,24}$/;
/** The first format version whose postage carries the rate table and zone. */
export const RATED_FORMAT_VERSION = 2;

export function validatePostage(p: PostageElements): void {
  check(ZIP5.test(p.originZip), 'origin ZIP must be 5 digits');
  check(DESTINATION.test(p.destination), 'destination must be a ZIP (5 digits), ZIP+4 (9) or delivery point (11)');
  check(RATE.test(p.rateCategory), 'rate category must be 1-16 of A-Z, 0-9 and -');
  check(Number.isInteger(p.weightTenthOz) && p.weightTenthOz > 0 && p.weightTenthOz <= 0xffff, 'weight out of range');
  if (p.rated) {
    check(RATE_TABLE.test(p.rated.rateTable), 'rate table must be 1-24 of A-Z, 0-9 and -');
    check(Number.isInteger(p.rated.zone) && p.rated.zone >= 0 && p.rated.zone <= 9, 'zone must be 0 (local) to 9');
  }
}

/** The format version an item's bytes take: 2 for rated postage, 1 for everything else. */
export function formatVersionOf(e: KindElements): number {
  return e.kind === 'postage' && e.postage?.rated ? RATED_FORMAT_VERSION : 1;
}

/** A kind's elements must be there (an untyped caller may send a ticket header with a postage body). */
function present<T>(elements: T, kind: string): NonNullable<T> {
  check(typeof elements === 'object' && elements !== null, `${kind} elements are missing`);
  return elements;
}

export function encodeElements(e: KindElements): Buffer {
  switch (e.kind) {
    case 'postage': {
      const p = present(e.postage, e.kind);
      validatePostage(p);
      return Buffer.concat([
        Buffer.from(p.originZip, 'latin1'),
        shortText(p.destination, 'destination', 5, 11),
        shortText(p.rateCategory, 'rate category', 1, 16),
        u16(p.weightTenthOz),
        p.rated ? Buffer.concat([shortText(p.rated.rateTable, 'rate table', 1, 24), Buffer.from([p.rated.zone])]) : Buffer.alloc(0),
      ]);
    }
    case 'ticket': {
      const t = present(e.ticket, e.kind);
      check(dateToYmd(t.validFrom) <= dateToYmd(t.validTo), 'a ticket must be valid from a date not after its end');
      return Buffer.concat([
        shortText(t.event, 'event', 1, MAX_TEXT.event),
        shortText(t.seat, 'seat', 0, MAX_TEXT.seat),
        u32(dateToYmd(t.validFrom)),
        u32(dateToYmd(t.validTo)),
      ]);
    }
    case 'coupon':
    case 'voucher': {
      const o = present(e.offer, e.kind);
      return Buffer.concat([shortText(o.offer, 'offer', 1, MAX_TEXT.offer), u32(dateToYmd(o.expiry))]);
    }
    case 'gift':
      return u32(dateToYmd(present(e.gift, e.kind).expiry));
  }
}

export function decodeElements(kind: KindElements['kind'], body: Buffer, version = 1): KindElements {
  const r = new Reader(body, `${kind} elements`);
  check(version === 1 || kind === 'postage', `format ${version} is for rated postage only`);
  let e: KindElements;
  switch (kind) {
    case 'postage': {
      const base = { originZip: r.text('origin ZIP', 5), destination: r.text('destination'), rateCategory: r.text('rate category'), weightTenthOz: r.u16() };
      const postage: PostageElements = version === RATED_FORMAT_VERSION ? { ...base, rated: { rateTable: r.text('rate table'), zone: r.u8() } } : base;
      validatePostage(postage);
      e = { kind, postage };
      break;
    }
    case 'ticket':
      e = { kind, ticket: { event: r.text('event'), seat: r.text('seat'), validFrom: r.date(), validTo: r.date() } };
      break;
    case 'coupon':
    case 'voucher':
      e = { kind, offer: { offer: r.text('offer'), expiry: r.date() } };
      break;
    case 'gift':
      e = { kind, gift: { expiry: r.date() } };
      break;
  }
  r.end();
  return e;
}

/** The date after which the item is no longer good, if its kind has one. */
export function expiryOf(e: KindElements): string | null {
  switch (e.kind) {
    case 'ticket':
      return e.ticket.validTo;
    case 'coupon':
    case 'voucher':
      return e.offer.expiry;
    case 'gift':
      return e.gift.expiry;
    case 'postage':
      return null;
  }
}
