import { MAILING_DATE_MAX_DAYS_AHEAD, MAILING_DATE_MAX_DAYS_BEHIND, MAX_VALIDITY_DAYS } from '../constants.js';
import { fail } from '../errors.js';
import { ITEM_KINDS, type ItemKind, type KindElements } from '../indicium/index.js';

const DAY_MS = 86_400_000;
type Params = Record<string, string | undefined>;

function dayOf(date: string | undefined, what: string): number {
  const t = Date.parse(`${date ?? ''}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date ?? '') || Number.isNaN(t)) fail('invalid_request', `${what} must be YYYY-MM-DD`);
  return t;
}

function within(date: string | undefined, what: string, nowMs: number, behindDays: number, aheadDays: number): string {
  const t = dayOf(date, what);
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  if (t < today - behindDays * DAY_MS || t > today + aheadDays * DAY_MS) {
    fail('invalid_request', `${what} must be within ${behindDays} day(s) behind and ${aheadDays} days ahead of today (UTC)`);
  }
  return date!;
}

export function todayOf(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

export function parseKind(raw: string | undefined): ItemKind {
  const kind = raw ?? 'postage';
  if (!Object.hasOwn(ITEM_KINDS, kind)) fail('invalid_request', `kind must be one of ${Object.keys(ITEM_KINDS).join(', ')}`);
  return kind as ItemKind;
}

/**
 * The item a client asked for: its kind's elements and the date the header carries (the mailing
 * date for postage, today for the others). The format itself checks lengths and character sets.
 */
export function requestedItem(kind: ItemKind, p: Params, nowMs: number): { date: string; elements: KindElements } {
  switch (kind) {
    case 'postage':
      return {
        date: within(p.date, 'the mailing date', nowMs, MAILING_DATE_MAX_DAYS_BEHIND, MAILING_DATE_MAX_DAYS_AHEAD),
        elements: {
          kind,
          postage: {
            originZip: p.originZip ?? '',
            destination: p.destination ?? '',
            rateCategory: p.rateCategory ?? '',
            weightTenthOz: Number(p.weightTenthOz ?? 'x'),
          },
        },
      };
    case 'ticket': {
      const validFrom = within(p.validFrom, 'validFrom', nowMs, 1, MAX_VALIDITY_DAYS);
      const validTo = within(p.validTo, 'validTo', nowMs, 0, MAX_VALIDITY_DAYS);
      return { date: todayOf(nowMs), elements: { kind, ticket: { event: p.event ?? '', seat: p.seat ?? '', validFrom, validTo } } };
    }
    case 'coupon':
    case 'voucher':
      return { date: todayOf(nowMs), elements: { kind, offer: { offer: p.offer ?? '', expiry: within(p.expiry, 'expiry', nowMs, 0, MAX_VALIDITY_DAYS) } } };
    case 'gift':
      return { date: todayOf(nowMs), elements: { kind, gift: { expiry: within(p.expiry, 'expiry', nowMs, 0, MAX_VALIDITY_DAYS) } } };
  }
}
