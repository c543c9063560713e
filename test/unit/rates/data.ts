import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseRateBundle, type RateBundle } from '../../../src/rates/index.js';

// The rate data shipped in data/: every test prices with the real files.
const DATA = join(import.meta.dirname, '..', '..', '..', 'data');

export const zonesRaw = (): unknown => JSON.parse(readFileSync(join(DATA, 'zones', 'zip3-centroids.json'), 'utf8'));
export const tableRaw = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(DATA, 'rates', file), 'utf8')) as Record<string, unknown>;
export const tableFiles = (): string[] => readdirSync(join(DATA, 'rates')).filter((f) => f.endsWith('.json'));
export const bundleOf = (file: string): RateBundle => parseRateBundle({ table: tableRaw(file), zones: zonesRaw() });
export const knownPairs = (): { from: string; to: string; zone: number }[] =>
  JSON.parse(readFileSync(join(DATA, 'zones', 'known-pairs.json'), 'utf8')) as { from: string; to: string; zone: number }[];
