import { isTrackingNumber } from '../impb.js';
import { LabelError, type LabelInput, type LabelKind } from './types.js';

export const MAX_ADDRESS_LINES = 6;

const KIND_TITLES: Readonly<Record<LabelKind, string>> = {
  postage: 'US POSTAGE',
  ticket: 'TICKET',
  coupon: 'COUPON',
  voucher: 'VOUCHER',
  gift: 'GIFT CERTIFICATE',
};

export function kindTitle(kind: LabelKind): string {
  const t = Object.hasOwn(KIND_TITLES, kind) ? KIND_TITLES[kind] : undefined;
  if (!t) throw new LabelError(`unknown item kind ${String(kind)}`);
  return t;
}

/** Mills as dollars: 730 -> "$0.73", 735 -> "$0.735", 1234567 -> "$1,234.567". */
export function formatValue(mills: bigint): string {
  if (typeof mills !== 'bigint' || mills < 0n) throw new LabelError('value must be a non-negative bigint of mills');
  const dollars = (mills / 1000n).toString().replace(/\B(?=(\d{3})+$)/g, ',');
  const frac = (mills % 1000n).toString().padStart(3, '0');
  return `$${dollars}.${frac.endsWith('0') ? frac.slice(0, 2) : frac}`;
}

/** "10001" -> "10001", "100011234" -> "10001-1234", "10001123456" -> "10001-1234-56"; anything else as given. */
export function formatZip(zip: string): string {
  if (/^\d{9}$/.test(zip)) return `${zip.slice(0, 5)}-${zip.slice(5)}`;
  if (/^\d{11}$/.test(zip)) return `${zip.slice(0, 5)}-${zip.slice(5, 9)}-${zip.slice(9)}`;
  return zip;
}

function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** Checks what the renderer relies on; text fields are otherwise printed as given (cleaned, fitted). */
export function checkInput(input: LabelInput): void {
  if (!((input.itemBytes as unknown) instanceof Uint8Array)) throw new LabelError('itemBytes must be bytes');
  if (input.itemBytes.length === 0) throw new LabelError('itemBytes is empty');
  kindTitle(input.kind);
  formatValue(input.valueMills);
  if (typeof input.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(input.date) || !isCalendarDate(input.date)) {
    throw new LabelError('date must be a real date, YYYY-MM-DD');
  }
  if (typeof input.meterId !== 'string' || typeof input.itemId !== 'string') throw new LabelError('meterId and itemId must be strings');
  checkLines(input.addressLines, 'addressLines');
  checkLines(input.returnLines, 'returnLines');
  if (input.serviceBanner !== undefined && typeof input.serviceBanner !== 'string') throw new LabelError('serviceBanner must be a string');
  if (input.impb !== undefined) checkImpb(input.impb);
}

function checkLines(lines: readonly string[] | undefined, name: string): void {
  if (lines === undefined) return;
  if (!Array.isArray(lines) || lines.some((l) => typeof l !== 'string')) throw new LabelError(`${name} must be strings`);
  if (lines.length > MAX_ADDRESS_LINES) throw new LabelError(`an address block has at most ${MAX_ADDRESS_LINES} lines (got ${lines.length})`);
}

function checkImpb(impb: NonNullable<LabelInput['impb']>): void {
  if (typeof impb !== 'object' || impb === null) throw new LabelError('impb must be { zip, trackingNumber }');
  if (typeof impb.zip !== 'string' || !/^(\d{5}|\d{9})$/.test(impb.zip)) throw new LabelError('the IMpb ZIP must be 5 or 9 digits');
  if (typeof impb.trackingNumber !== 'string' || !isTrackingNumber(impb.trackingNumber)) {
    throw new LabelError('the IMpb tracking number must be 22 digits ending in its MOD 10 check digit');
  }
}
