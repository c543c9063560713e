import { MAX_AMOUNT_MILLS } from './constants.js';
import { fail } from './errors.js';

// Any number of whole digits: a huge amount is amount_too_large, not a malformed one (checkAmount bounds it).
const DOLLARS = /^(\d+)(?:\.(\d{1,3}))?$/;
const MILLS = /^\d+$/;

/** Parse a dollar amount such as "20.00" or "0.735" into mills. Sub-mill precision is refused, never rounded. */
export function parseDollarsToMills(text: string, maxMills: bigint = MAX_AMOUNT_MILLS): bigint {
  const trimmed = text.trim();
  const m = DOLLARS.exec(trimmed);
  if (!m) fail('invalid_amount', `"${text}" is not a dollar amount with at most 3 decimals (mills), e.g. 0.73`);
  const whole = BigInt(m[1]!);
  const frac = BigInt((m[2] ?? '').padEnd(3, '0'));
  return checkAmount(whole * 1000n + frac, maxMills);
}

/** Parse a JSON money field: a string of integer mills. */
export function parseMills(text: unknown, maxMills: bigint = MAX_AMOUNT_MILLS): bigint {
  if (typeof text !== 'string' || !MILLS.test(text)) {
    fail('invalid_amount', 'amounts are strings of integer mills, e.g. "730" for $0.73');
  }
  return checkAmount(BigInt(text), maxMills);
}

function checkAmount(mills: bigint, maxMills: bigint): bigint {
  if (mills <= 0n) fail('invalid_amount', 'the amount must be greater than zero');
  if (mills > maxMills) fail('amount_too_large', `the amount may be at most ${formatMills(maxMills)} USD`);
  return mills;
}

/** Format mills as dollars with three decimals, e.g. 730n -> "0.730". */
export function formatMills(mills: bigint): string {
  const sign = mills < 0n ? '-' : '';
  const abs = mills < 0n ? -mills : mills;
  return `${sign}${abs / 1000n}.${(abs % 1000n).toString().padStart(3, '0')}`;
}
