import { need, isRecord } from './rate-data-error.js';

// Postal zones from ZIP codes. USPS measures the distance between the origin's and the
// destination's 3-digit ZIP areas (sectional center facilities) and bands it into zones 1-8;
// zone 9 is the Freely Associated States. We approximate each area by the mean position of its
// ZIPs (data/zones/zip3-centroids.json, from the `zipcodes` dataset); an official zone chart, when
// loaded (`matrix`), wins over the approximation. docs/RATES.md says how far the two agree.

export const ZONES_FORMAT = 'vaultmeter-zones/1';
/** Upper bound of zones 1..7 in miles; beyond the last is zone 8 (USPS DMM 608 zone distances). */
export const ZONE_BANDS_MILES = [50, 150, 300, 600, 1000, 1400, 1800] as const;
const EARTH_RADIUS_MILES = 3958.8;
const E4 = 10_000;

export type Zone = 'local' | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

export interface ZoneData {
  readonly source: string;
  /** ZIP3 → [latitude, longitude] in 1/10,000 degree. */
  readonly centroids: ReadonlyMap<string, readonly [number, number]>;
  readonly zone9: ReadonlySet<string>;
  /** An official chart: `${fromZip3}${toZip3}` → zone 1..9. */
  readonly matrix: ReadonlyMap<string, number>;
}

const ZIP3 = /^\d{3}$/;

function centroid(key: string, v: unknown): readonly [number, number] {
  need(ZIP3.test(key), `zones: ${key} is not a 3-digit ZIP prefix`);
  need(
    Array.isArray(v) &&
      v.length === 2 &&
      v.every((n) => Number.isSafeInteger(n)) &&
      Math.abs(v[0] as number) <= 90 * E4 &&
      Math.abs(v[1] as number) <= 180 * E4,
    `zones: ${key} needs [latitude, longitude] in 1/10000 degree`,
  );
  return [v[0] as number, v[1] as number];
}

function matrixEntry(key: string, v: unknown): number {
  need(/^\d{6}$/.test(key), `zones matrix: ${key} is not two 3-digit ZIP prefixes`);
  need(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 9, `zones matrix: ${key} must map to a zone 1-9`);
  return v as number;
}

export function parseZoneData(raw: unknown): ZoneData {
  need(isRecord(raw) && raw.format === ZONES_FORMAT, `zone data must have format "${ZONES_FORMAT}"`);
  need(typeof raw.source === 'string' && raw.source.length > 0, 'zone data must name its source');
  need(isRecord(raw.centroids), 'zone data needs centroids');
  const zone9 = raw.zone9 ?? [];
  need(Array.isArray(zone9) && zone9.every((z) => typeof z === 'string' && ZIP3.test(z)), 'zone9 must list 3-digit ZIP prefixes');
  const matrix = raw.matrix ?? {};
  need(isRecord(matrix), 'the zone matrix must be an object');
  return {
    source: raw.source,
    centroids: new Map(Object.entries(raw.centroids).map(([k, v]) => [k, centroid(k, v)] as const)),
    zone9: new Set(zone9 as string[]),
    matrix: new Map(Object.entries(matrix).map(([k, v]) => [k, matrixEntry(k, v)] as const)),
  };
}

/** Great-circle distance between two points given in 1/10,000 degree. */
export function distanceMiles(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = (e4: number) => (e4 / E4) * (Math.PI / 180);
  const dLat = rad(b[0] - a[0]);
  const dLon = rad(b[1] - a[1]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[0])) * Math.cos(rad(b[0])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_MILES * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function zoneForMiles(miles: number): Zone {
  const i = ZONE_BANDS_MILES.findIndex((upTo) => miles <= upTo);
  return (i === -1 ? 8 : i + 1) as Zone;
}

/** The zone between two ZIPs (5 digits, or longer: the first 5 count), or null for an unknown prefix. */
export function zoneOf(zones: ZoneData, fromZip: string, toZip: string): Zone | null {
  const from = fromZip.slice(0, 3);
  const to = toZip.slice(0, 3);
  const a = zones.centroids.get(from);
  const b = zones.centroids.get(to);
  if (!a || !b) return null;
  if (fromZip.slice(0, 5) === toZip.slice(0, 5)) return 'local';
  const charted = zones.matrix.get(`${from}${to}`);
  if (charted !== undefined) return charted as Zone;
  if (zones.zone9.has(from) !== zones.zone9.has(to)) return 9;
  return zoneForMiles(distanceMiles(a, b));
}
