import { sha256Hex } from '../crypto/index.js';
import { RateDataError, isRecord, need } from './rate-data-error.js';
import { parseRateTable } from './parse-table.js';
import type { RateTable } from './table.js';
import { parseZoneData, type ZoneData } from './zones.js';

// What officers install into the modules: a rate table and the zone data it is priced with, as
// one JSON document. Its SHA-256 over a canonical form (keys sorted) is what the officers sign and
// what the module keeps.

export interface RateBundle {
  readonly table: RateTable;
  readonly zones: ZoneData;
  /** SHA-256 of the canonical bytes, hex. */
  readonly sha256: string;
  /** The bundle as installed: `{ table, zones }` exactly as read. */
  readonly raw: { readonly table: unknown; readonly zones: unknown };
}

/** JSON with object keys sorted at every level: one byte string per document. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  if (typeof v === 'number') need(Number.isFinite(v), 'a number in rate data is not finite');
  return JSON.stringify(v);
}

export function bundleSha256(raw: { table: unknown; zones: unknown }): string {
  return sha256Hex(canonicalJson({ table: raw.table, zones: raw.zones }));
}

/** Reads and checks a bundle; throws RateDataError saying what is wrong. */
export function parseRateBundle(raw: unknown): RateBundle {
  need(isRecord(raw) && raw.table !== undefined && raw.zones !== undefined, 'a rate bundle is { table, zones }');
  const table = parseRateTable(raw.table);
  const zones = parseZoneData(raw.zones);
  return { table, zones, sha256: bundleSha256({ table: raw.table, zones: raw.zones }), raw: { table: raw.table, zones: raw.zones } };
}

export { RateDataError };
