import { DEFAULT_SEGMENT_MAX_AGE_MS, DEFAULT_SEGMENT_RECORDS, DEFAULT_SHIP_INTERVAL_MS, MAX_SEGMENT_RECORDS, MAX_SHIP_TARGETS } from '../constants.js';
import type { ShipTarget } from '../platform/index.js';
import { parseTarget } from '../txlog/index.js';
import { intFromEnv } from './env.js';

export const DURABILITY_LEVELS = ['local', 'replica', 'shipped'] as const;
export type Durability = (typeof DURABILITY_LEVELS)[number];

/** How the transaction log is shipped, and how durable a change must be before its answer is released. */
export interface LogSettings {
  readonly targets: readonly ShipTarget[];
  readonly intervalMs: number;
  readonly segmentRecords: number;
  readonly segmentMaxAgeMs: number;
  readonly durability: Durability;
}

/** From the environment; `shipped` durability makes the shipper continuous and cut at every signed head. */
export function logSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LogSettings {
  const durability = (env.VAULTMETER_DURABILITY ?? 'local') as Durability;
  if (!DURABILITY_LEVELS.includes(durability)) throw new Error(`VAULTMETER_DURABILITY must be one of ${DURABILITY_LEVELS.join(', ')}`);
  const specs = (env.VAULTMETER_SHIP_TARGETS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (specs.length === 0) throw new Error('VAULTMETER_SHIP_TARGETS names no target (a directory, or s3://bucket/prefix?endpoint=…)');
  if (specs.length > MAX_SHIP_TARGETS) throw new Error(`at most ${MAX_SHIP_TARGETS} ship targets`);
  const shipped = durability === 'shipped';
  return {
    targets: specs.map((s) => parseTarget(s, env)),
    intervalMs: shipped ? 0 : intFromEnv('VAULTMETER_SHIP_INTERVAL_MS', DEFAULT_SHIP_INTERVAL_MS, 0, 24 * 3600 * 1000),
    segmentRecords: intFromEnv('VAULTMETER_SEGMENT_RECORDS', DEFAULT_SEGMENT_RECORDS, 1, MAX_SEGMENT_RECORDS),
    segmentMaxAgeMs: shipped ? 0 : intFromEnv('VAULTMETER_SEGMENT_MAX_AGE_MS', DEFAULT_SEGMENT_MAX_AGE_MS, 0, 24 * 3600 * 1000),
    durability,
  };
}
