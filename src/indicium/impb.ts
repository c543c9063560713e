import { DEV_MAILER_ID } from '../constants.js';
import { mailClassLabel } from './mail-class.js';

/*
 * The Intelligent Mail package barcode (IMpb): a GS1-128 symbol carrying
 *
 *   FNC1 420 <destination ZIP (5) or ZIP+4 (9)> FNC1 <tracking number (22 digits)>
 *
 * and the tracking number (the Package Identification Code) is
 *
 *   <channel AI: 92 with a 9-digit Mailer ID, 93 with a 6-digit one> <STC (3)> <MID> <serial> <check digit>
 *
 * with the serial 7 digits after a 9-digit MID and 10 after a 6-digit one (22 digits in all).
 * Sources: USPS Parcel Labeling Guide v2.0 appendix A, 5.1.1-5.1.3 ("420" always precedes the
 * destination ZIP, 5 or 9 digits; channel AI "92" with a 9-digit MID, "93" with a 6-digit MID; "94" is
 * USPS's online channel, "95" its retail) excerpting USPS-2000508, the barcode specification that
 * Publication 199 (IMpb Implementation Guide) builds on. AI 420 is of variable length in GS1, so an FNC1
 * separates it from the tracking number; a scanner reports it as GS (0x1D).
 */

export interface Impb {
  /** The routing ZIP in the barcode: 5 digits or ZIP+4 (9). */
  readonly zip: string;
  /** The 22-digit tracking number (PIC), check digit included. */
  readonly trackingNumber: string;
}

/**
 * Publication 199's MOD 10 check digit (the GS1 one): from the rightmost digit leftwards, weights 3, 1,
 * 3, ...; the check digit brings the sum up to a multiple of 10. Pub 199's worked example:
 * 921239123456781234567 -> 0.
 */
export function mod10CheckDigit(digits: string): number {
  if (!/^\d+$/.test(digits)) throw new Error('the check digit is over digits only');
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[digits.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

/** True for 22 digits whose last is their MOD 10 check digit. */
export function isTrackingNumber(s: string): boolean {
  return /^\d{22}$/.test(s) && mod10CheckDigit(s.slice(0, 21)) === Number(s[21]);
}

/**
 * The Mailer ID from its setting (VAULTMETER_MAILER_ID): 6 or 9 digits. Unset or empty gives
 * DEV_MAILER_ID (999999999), which is for development only and no USPS-assigned MID.
 */
export function mailerIdFrom(raw: string | undefined): string {
  const v = raw?.trim() ?? '';
  if (v === '') return DEV_MAILER_ID;
  if (!/^(\d{6}|\d{9})$/.test(v)) throw new Error('VAULTMETER_MAILER_ID must be a USPS Mailer ID of 6 or 9 digits');
  return v;
}

/**
 * The package serial, derived from the item id (the first 128 bits of SHA-256 over the signed item) so
 * that the same item always gets the same tracking number, with no counter to keep. The id is uniform,
 * so the serial is uniform over 10^digits values (the bias of the reduction is below 10^-28), and two of
 * n items under one MID share a serial with probability about n^2 / (2 * 10^digits): with a 9-digit MID
 * (7-digit serial) 1% at ~450 items and 50% at ~3,700; with a 6-digit MID (10 digits) 1% at ~14,000.
 * USPS wants a PIC unique for a period of time, not forever; a mailer printing more than that within it
 * needs a 6-digit MID or an allocated sequence (see README, "Labels").
 */
export function impbSerial(itemId: string, digits: number): string {
  if (!/^[0-9a-f]{32}$/.test(itemId)) throw new Error('item id must be 32 hex digits');
  return (BigInt(`0x${itemId}`) % 10n ** BigInt(digits)).toString().padStart(digits, '0');
}

/** The tracking number for an item: channel AI, STC, MID, serial from the item id, check digit. */
export function trackingNumber(stc: string, mailerId: string, itemId: string): string {
  if (!/^\d{3}$/.test(stc)) throw new Error('a Service Type Code is 3 digits');
  if (!/^(\d{6}|\d{9})$/.test(mailerId)) throw new Error('a Mailer ID is 6 or 9 digits');
  const mid = mailerId;
  const head = `${mid.length === 9 ? '92' : '93'}${stc}${mid}${impbSerial(itemId, 21 - 5 - mid.length)}`;
  return `${head}${mod10CheckDigit(head)}`;
}

/** The routing ZIP of a destination: ZIP (5) and ZIP+4 (9) as they are; a delivery point (11) loses its last 2 digits. */
export function routingZip(destination: string): string {
  if (/^(\d{5}|\d{9})$/.test(destination)) return destination;
  if (/^\d{11}$/.test(destination)) return destination.slice(0, 9);
  throw new Error('destination must be a ZIP (5 digits), ZIP+4 (9) or delivery point (11)');
}

export interface ImpbSource {
  readonly itemId: string;
  readonly destination: string;
  readonly rateCategory: string;
  readonly mailerId: string;
}

/** The IMpb of a rated postage item, or undefined when its class has no confirmed STC (see mail-class.ts). */
export function impbFor(p: ImpbSource): Impb | undefined {
  const stc = mailClassLabel(p.rateCategory)?.stc;
  if (!stc) return undefined;
  return { zip: routingZip(p.destination), trackingNumber: trackingNumber(stc, p.mailerId, p.itemId) };
}

/** The GS1-128 element string, AIs in parentheses (bwip-js `gs1-128` input): "(420)20176(92)0551...". */
export function impbElementString(impb: Impb): string {
  return `(420)${impb.zip}(${impb.trackingNumber.slice(0, 2)})${impb.trackingNumber.slice(2)}`;
}

/** The human-readable tracking number, in groups of 4 as USPS prints it: "9205 5000 0000 0000 0000 00". */
export function spacedTrackingNumber(trackingNumber: string): string {
  return trackingNumber.replace(/(\d{4})(?=\d)/g, '$1 ');
}
