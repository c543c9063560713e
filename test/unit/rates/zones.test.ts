import { describe, expect, it } from 'vitest';
import { distanceMiles, parseZoneData, RateDataError, zoneForMiles, zoneOf } from '../../../src/rates/index.js';
import { knownPairs, zonesRaw } from './data.js';

const zones = parseZoneData(zonesRaw());

describe('zones', () => {
  it('bands distance as USPS does: 50, 150, 300, 600, 1000, 1400, 1800 miles', () => {
    expect([0, 50, 51, 150, 151, 300, 301, 600, 601, 1000, 1001, 1400, 1401, 1800, 1801, 5000].map(zoneForMiles)).toEqual([
      1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
    ]);
  });

  it('measures great-circle miles: New York to Los Angeles is about 2,450', () => {
    const d = distanceMiles(zones.centroids.get('100')!, zones.centroids.get('900')!);
    expect(d).toBeGreaterThan(2350);
    expect(d).toBeLessThan(2550);
  });

  it('is local within one 5-digit ZIP, 9 to the Freely Associated States, unknown for a prefix with no ZIPs', () => {
    expect(zoneOf(zones, '10001', '10001')).toBe('local');
    expect(zoneOf(zones, '10001', '96941')).toBe(9);
    expect(zoneOf(zones, '10001', '00000')).toBeNull();
  });

  it('agrees with the published USPS zone chart pairs within one zone, and exactly on most', () => {
    const pairs = knownPairs();
    let exact = 0;
    for (const p of pairs) {
      const z = zoneOf(zones, `${p.from}99`, `${p.to}98`);
      const n = z === 'local' ? 1 : z!;
      expect(Math.abs(n - p.zone), `${p.from} → ${p.to}`).toBeLessThanOrEqual(1);
      if (n === p.zone) exact++;
    }
    // docs/RATES.md quotes this figure; load the official chart (`matrix`) for exact zones.
    expect(exact / pairs.length).toBeGreaterThanOrEqual(0.7);
  });

  it('an official chart entry wins over the distance', () => {
    const charted = parseZoneData({ ...(zonesRaw() as object), matrix: { '100900': 5 } });
    expect(zoneOf(charted, '10001', '90012')).toBe(5);
    expect(zoneOf(charted, '90012', '10001')).toBe(8);
  });

  it('refuses malformed zone data', () => {
    expect(() => parseZoneData({ ...(zonesRaw() as object), matrix: { '100900': 11 } })).toThrow(RateDataError);
    expect(() => parseZoneData({ ...(zonesRaw() as object), centroids: { '10': [0, 0] } })).toThrow(RateDataError);
    expect(() => parseZoneData({ format: 'other' })).toThrow(RateDataError);
  });
});
