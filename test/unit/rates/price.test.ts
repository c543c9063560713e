import { describe, expect, it } from 'vitest';
import { VaultError } from '../../../src/errors.js';
import { dimWeightTenthOz, priceOf, RateBook, type RateRequest } from '../../../src/rates/index.js';
import { bundleOf, tableFiles } from './data.js';

const JULY_2026 = bundleOf('usps-2026-07-12.json');
const JULY_2025 = bundleOf('usps-2025-07-13.json');
// Leesburg, VA (201) to Los Angeles (900): across the country; Leesburg to Washington, DC (200): near.
const far: Omit<RateRequest, 'classCode' | 'tier'> = { weightTenthOz: 160, dimsTenthIn: null, fromZip: '20176', toZip: '90012' };
const near = { ...far, toZip: '20001' };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof VaultError ? e.code : `not a VaultError: ${(e as Error).message}`;
  }
  return 'no error';
}

describe('rate tables shipped in data/rates', () => {
  it('every file parses, and names its source and effective date', () => {
    for (const f of tableFiles()) {
      const b = bundleOf(f);
      expect(b.table.source.length).toBeGreaterThan(10);
      expect(f).toBe(`${b.table.id.toLowerCase()}.json`);
    }
  });

  it('prices a 1 lb Priority Mail piece by its zone, from the published cells', () => {
    const p = priceOf(JULY_2026.table, JULY_2026.zones, { ...near, classCode: 'PM', tier: 'commercial' });
    expect(p.zone).toBe(1);
    expect(p.priceMills).toBe(9040n);
    const f = priceOf(JULY_2026.table, JULY_2026.zones, { ...far, classCode: 'PM', tier: 'commercial' });
    expect(f.zone).toBe(8);
    expect(f.priceMills).toBe(15220n);
  });

  it('a flat-rate box costs the same to every zone and at any weight', () => {
    const a = priceOf(JULY_2026.table, JULY_2026.zones, { ...near, classCode: 'PM-FRB-M', tier: 'commercial', weightTenthOz: 10 });
    const b = priceOf(JULY_2026.table, JULY_2026.zones, { ...far, classCode: 'PM-FRB-M', tier: 'commercial', weightTenthOz: 3000 });
    expect(a.priceMills).toBe(b.priceMills);
  });

  it('a weight just over a step pays the next step', () => {
    const at = priceOf(JULY_2026.table, JULY_2026.zones, { ...far, classCode: 'PM', tier: 'commercial', weightTenthOz: 160 });
    const over = priceOf(JULY_2026.table, JULY_2026.zones, { ...far, classCode: 'PM', tier: 'commercial', weightTenthOz: 161 });
    expect(over.priceMills).toBeGreaterThan(at.priceMills);
  });

  it('refuses what the table cannot price, each with its own code', () => {
    expect(code(() => priceOf(JULY_2026.table, JULY_2026.zones, { ...far, classCode: 'NOPE', tier: 'commercial' }))).toBe('unknown_rate_class');
    expect(code(() => priceOf(JULY_2026.table, JULY_2026.zones, { ...far, classCode: 'PM', tier: 'retail' }))).toBe('unknown_rate_class');
    expect(code(() => priceOf(JULY_2026.table, JULY_2026.zones, { ...far, classCode: 'PM', tier: 'commercial', weightTenthOz: 11_201 }))).toBe(
      'weight_over_limit',
    );
    expect(code(() => priceOf(JULY_2026.table, JULY_2026.zones, { ...far, classCode: 'PM', tier: 'commercial', toZip: '00000' }))).toBe('unknown_zip');
    expect(code(() => priceOf(JULY_2026.table, JULY_2026.zones, { ...far, classCode: 'PM', tier: 'commercial', weightTenthOz: 0 }))).toBe('invalid_request');
    expect(code(() => priceOf(JULY_2026.table, JULY_2026.zones, { ...far, classCode: 'PM', tier: 'commercial', dimsTenthIn: [0, 10, 10] }))).toBe(
      'invalid_dimensions',
    );
    // Ground Advantage retail above 20 lb is not confirmed: null in the file, so never priced.
    expect(code(() => priceOf(JULY_2026.table, JULY_2026.zones, { ...far, classCode: 'GA', tier: 'retail', weightTenthOz: 21 * 160 }))).toBe(
      'unknown_rate_class',
    );
  });
});

describe('dimensional weight', () => {
  it('applies only above one cubic foot, rounding each side to the inch and the weight up to the pound', () => {
    expect(dimWeightTenthOz([120, 120, 120], 139)).toBe(0); // 1,728 cubic inches: not above
    expect(dimWeightTenthOz([130, 120, 120], 139)).toBe(Math.ceil((13 * 12 * 12) / 139) * 160);
  });

  it('refuses a parcel whose dimensional weight is over the class limit', () => {
    const huge = { ...far, classCode: 'PM', tier: 'commercial' as const, weightTenthOz: 20, dimsTenthIn: [1080, 600, 600] as [number, number, number] };
    expect(code(() => priceOf(JULY_2026.table, JULY_2026.zones, huge))).toBe('weight_over_limit');
  });

  it('bills a large light parcel by its size', () => {
    const light = { ...far, classCode: 'PM', tier: 'commercial' as const, weightTenthOz: 20 };
    const small = priceOf(JULY_2026.table, JULY_2026.zones, light);
    const large = priceOf(JULY_2026.table, JULY_2026.zones, { ...light, dimsTenthIn: [240, 180, 120] });
    expect(large.billedTenthOz).toBe(Math.ceil((24 * 18 * 12) / 139) * 160);
    expect(large.priceMills).toBeGreaterThan(small.priceMills);
  });
});

describe('the rate book', () => {
  const book = new RateBook([JULY_2026, JULY_2025]);

  it('uses the table in force on the mailing date', () => {
    expect(book.inForce('2025-07-12')).toBeNull();
    expect(book.inForce('2025-07-13')?.table.id).toBe('USPS-2025-07-13');
    expect(book.inForce('2026-07-11')?.table.id).toBe('USPS-2025-07-13');
    expect(book.inForce('2026-07-12')?.table.id).toBe('USPS-2026-07-12');
    expect(code(() => book.price('2024-01-01', { ...far, classCode: 'PM', tier: 'commercial' }))).toBe('no_rate_table');
  });

  it('quotes every class and tier it can price, cheapest first, and says why the others are out', () => {
    const { prices, unpriced } = book.quoteAll('2026-11-30', far);
    expect(prices.length).toBeGreaterThan(3);
    for (let i = 1; i < prices.length; i++) expect(prices[i]!.priceMills >= prices[i - 1]!.priceMills).toBe(true);
    expect(unpriced.some((u) => u.classCode === 'PM' && u.tier === 'retail')).toBe(true);
    expect(() => book.quoteAll('2026-11-30', { ...far, toZip: '00000' })).toThrow();
  });
});
