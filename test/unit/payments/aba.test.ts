import { describe, expect, it } from 'vitest';
import { abaCheckDigit, abaChecksumOk, abaPrefixOk } from '../../../src/payments/index.js';

describe('abaChecksumOk', () => {
  it('accepts real routing numbers', () => {
    for (const r of ['011000015', '021000021', '121000358', '322271627', '081000032', '111000025']) expect(abaChecksumOk(r)).toBe(true);
  });
  it('refuses a wrong check digit, wrong lengths and non-digits', () => {
    for (const r of ['011000016', '02100002', '0210000210', '02100002a', ' 21000021', '', '021-00002']) expect(abaChecksumOk(r)).toBe(false);
  });
  it('refuses all zeros although they pass the sum', () => {
    expect(abaChecksumOk('000000000')).toBe(false);
  });
  it('refuses checksum-valid numbers with an unassigned prefix', () => {
    for (const p of ['13', '20', '33', '50', '60', '73', '79', '81', '99']) {
      const r = p + '000000';
      const full = r + abaCheckDigit(r).toString();
      expect(full).toHaveLength(9);
      expect(abaChecksumOk(full)).toBe(false);
    }
  });
  it('knows the prefix ranges 00-12, 21-32, 61-72, 80', () => {
    const ok = Array.from({ length: 100 }, (_, n) => n).filter((n) => abaPrefixOk(n.toString().padStart(2, '0') + '0000000'));
    expect(ok).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 80,
    ]);
  });
  it('computes the check digit', () => {
    expect(abaCheckDigit('02100002')).toBe(1);
    expect(abaCheckDigit('01100001')).toBe(5);
    expect(() => abaCheckDigit('0110000')).toThrow(RangeError);
  });
});
