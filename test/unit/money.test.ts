import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT_MILLS } from '../../src/constants.js';
import { VaultError } from '../../src/errors.js';
import { formatMills, parseDollarsToMills, parseMills } from '../../src/money.js';
import { codeOf } from './helpers/package.js';

describe('parseDollarsToMills', () => {
  it.each([
    ['20', 20_000n],
    ['20.00', 20_000n],
    ['0.73', 730n],
    ['0.735', 735n],
    ['0.001', 1n],
    ['0.5', 500n],
    [' 1.25 ', 1_250n],
    ['007.1', 7_100n],
    ['10000', MAX_AMOUNT_MILLS],
    ['10000.000', MAX_AMOUNT_MILLS],
  ])('parses %s', (text, mills) => {
    expect(parseDollarsToMills(text)).toBe(mills);
  });

  it.each(['0', '0.0', '0.000', '00.000'])('refuses zero %j', (text) => {
    expect(codeOf(() => parseDollarsToMills(text))).toBe('invalid_amount');
  });

  it.each([
    '-1',
    '-0.001',
    '+1',
    '0.0001',
    '1.2345',
    '0.0005',
    '1e3',
    '1,000',
    '.5',
    '5.',
    'abc',
    '',
    ' ',
    'NaN',
    'Infinity',
    '0x10',
    '١٢',
    '1 000',
    '1.0.0',
    '$1',
  ])('refuses %j as invalid_amount', (text) => {
    expect(codeOf(() => parseDollarsToMills(text))).toBe('invalid_amount');
  });

  it.each(['10000.001', '99999', '999999999999', '99999999999999999999', '1' + '0'.repeat(40)])('refuses huge %j as amount_too_large', (text) => {
    expect(codeOf(() => parseDollarsToMills(text))).toBe('amount_too_large');
  });

  it('honours a caller ceiling', () => {
    expect(parseDollarsToMills('1.000', 1000n)).toBe(1000n);
    expect(codeOf(() => parseDollarsToMills('1.001', 1000n))).toBe('amount_too_large');
  });

  it('throws VaultError instances with an HTTP status', () => {
    try {
      parseDollarsToMills('nope');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(VaultError);
      expect((e as VaultError).status).toBe(400);
    }
  });

  it('round-trips with formatMills for every valid amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_AMOUNT_MILLS }), (mills) => {
        expect(parseDollarsToMills(formatMills(mills))).toBe(mills);
      }),
    );
  });
});

describe('parseMills', () => {
  it.each([
    ['1', 1n],
    ['730', 730n],
    ['0001', 1n],
    [MAX_AMOUNT_MILLS.toString(), MAX_AMOUNT_MILLS],
  ])('parses %s', (text, mills) => {
    expect(parseMills(text)).toBe(mills);
  });

  it.each([0, 1, 730, null, undefined, {}, [], true, '0', '00', '-1', '1.5', '1e3', ' 1', '1 ', '', 'abc', '0x1f', '+5'])(
    'refuses %j as invalid_amount',
    (value) => {
      expect(codeOf(() => parseMills(value))).toBe('invalid_amount');
    },
  );

  it.each([(MAX_AMOUNT_MILLS + 1n).toString(), '9999999999999999', '99999999999999999999999'])('refuses huge %j as amount_too_large', (text) => {
    expect(codeOf(() => parseMills(text))).toBe('amount_too_large');
  });

  it('honours a caller ceiling', () => {
    expect(parseMills('5', 5n)).toBe(5n);
    expect(codeOf(() => parseMills('6', 5n))).toBe('amount_too_large');
  });

  it('never returns a value outside 1..max for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii' }), (text) => {
        try {
          const v = parseMills(text);
          expect(v >= 1n && v <= MAX_AMOUNT_MILLS).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(VaultError);
          expect(['invalid_amount', 'amount_too_large']).toContain((e as VaultError).code);
        }
      }),
    );
  });
});

describe('formatMills', () => {
  it.each([
    [0n, '0.000'],
    [1n, '0.001'],
    [730n, '0.730'],
    [1_000n, '1.000'],
    [20_005n, '20.005'],
    [-1n, '-0.001'],
    [-1_234_567n, '-1234.567'],
    [123_456_789_012_345_678_901n, '123456789012345678.901'],
  ])('formats %s as %s', (mills, text) => {
    expect(formatMills(mills)).toBe(text);
  });

  it('always has exactly three decimals', () => {
    fc.assert(
      fc.property(fc.bigInt(), (mills) => {
        expect(formatMills(mills)).toMatch(/^-?\d+\.\d{3}$/);
      }),
    );
  });
});
