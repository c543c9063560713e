// ABA routing transit numbers (RTN): nine digits, the ninth a check digit.
//
// Checksum: weights 3, 7, 1 repeated over the nine digits; the weighted sum is a multiple of 10
// (3·d1 + 7·d2 + d3 + 3·d4 + 7·d5 + d6 + 3·d7 + 7·d8 + d9 ≡ 0 mod 10). Source: Wikipedia, "ABA routing
// transit number", section "Check digit" (https://en.wikipedia.org/wiki/ABA_routing_transit_number).
//
// Prefix: the first two digits must be 00–12 (00 the U.S. Government, 01–12 the twelve Federal Reserve
// districts), 21–32 (thrift institutions, district + 20), 61–72 (electronic transaction identifiers,
// district + 60) or 80 (traveler's cheques). Source: the same article, section "Format"; also
// academickids.com "Routing transit number" (table of the twelve districts). An all-zero number passes
// the checksum and the 00 prefix but is never assigned: refused.

const NINE_DIGITS = /^\d{9}$/;
const WEIGHTS = [3, 7, 1, 3, 7, 1, 3, 7, 1] as const;

/** Whether the first two digits are an assigned Federal Reserve routing symbol range. */
export function abaPrefixOk(routing: string): boolean {
  const p = Number(routing.slice(0, 2));
  return (p >= 0 && p <= 12) || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p === 80;
}

/** The check digit (ninth digit) that makes eight digits a valid RTN. */
export function abaCheckDigit(first8: string): number {
  if (!/^\d{8}$/.test(first8)) throw new RangeError('abaCheckDigit takes exactly 8 digits');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += WEIGHTS[i]! * (first8.charCodeAt(i) - 48);
  return (10 - (sum % 10)) % 10;
}

/** A routing number is 9 digits, not all zero, with a valid prefix and checksum. */
export function abaChecksumOk(routing: string): boolean {
  if (!NINE_DIGITS.test(routing)) return false;
  if (routing === '000000000') return false;
  if (!abaPrefixOk(routing)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += WEIGHTS[i]! * (routing.charCodeAt(i) - 48);
  return sum % 10 === 0;
}
