import { describe, expect, it } from 'vitest';
import { bundleSha256, canonicalJson, parseRateBundle, parseRateTable, RateDataError } from '../../../src/rates/index.js';
import { tableRaw, zonesRaw } from './data.js';

const good = tableRaw('usps-2026-07-12.json');
const withClass = (c: unknown) => ({ ...good, classes: { ...(good.classes as object), X: c } });

describe('reading a rate table', () => {
  it.each([
    ['a float price', withClass({ name: 'x', flat: true, maxWeightOz: 16, prices: { retail: 1.5 } })],
    ['a negative price', withClass({ name: 'x', flat: true, maxWeightOz: 16, prices: { retail: -100 } })],
    [
      'weights that do not rise',
      withClass({
        name: 'x',
        maxWeightOz: 16,
        prices: {
          retail: [
            [8, 100],
            [4, 200],
          ],
        },
      }),
    ],
    ['a zoned step with 8 prices', withClass({ name: 'x', zoned: true, maxWeightOz: 16, prices: { retail: [[16, [1, 2, 3, 4, 5, 6, 7, 8]]] } })],
    ['no tier with prices', withClass({ name: 'x', flat: true, maxWeightOz: 16, prices: { retail: null } })],
    ['a bad class code', { ...good, classes: { 'bad code': { name: 'x', flat: true, maxWeightOz: 1, prices: { retail: 1 } } } }],
    ['a weight over 70 lb', withClass({ name: 'x', flat: true, maxWeightOz: 2000, prices: { retail: 1 } })],
    ['no source', { ...good, source: '' }],
    ['a bad date', { ...good, effective: '2026-13-45' }],
    ['another format', { ...good, format: 'vaultmeter-rates/2' }],
  ])('refuses %s', (_what, raw) => {
    expect(() => parseRateTable(raw)).toThrow(RateDataError);
  });

  it('hashes a bundle the same whatever the key order', () => {
    const a = { table: good, zones: zonesRaw() };
    const reordered = { zones: zonesRaw(), table: Object.fromEntries(Object.entries(good).reverse()) };
    expect(bundleSha256(reordered)).toBe(bundleSha256(a));
    expect(parseRateBundle(a).sha256).toBe(bundleSha256(a));
    expect(bundleSha256({ ...a, table: { ...good, source: `${good.source as string}.` } })).not.toBe(bundleSha256(a));
  });

  it('writes canonical JSON with sorted keys', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 'x' }] })).toBe('{"a":[{"c":"x","d":2}],"b":1}');
  });
});
