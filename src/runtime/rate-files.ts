import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../platform/index.js';
import { parseRateBundle, RateDataError, type RateBundle } from '../rates/index.js';
import type { OfficerAuthorization } from '../protocol/index.js';
import { newStatement, readOfficerCredential, signStatement } from './officer-credential.js';

// Rate tables as files: the ones shipped in data/ (USPS prices, docs/RATES.md), read into bundles
// for `init` and for `vaultmeter admin rates install`.

/** Both from src/runtime and dist/runtime: the repository's data/ folder. */
export const BUNDLED_RATES_DIR = fileURLToPath(new URL('../../data/rates/', import.meta.url));
export const BUNDLED_ZONES_FILE = fileURLToPath(new URL('../../data/zones/zip3-centroids.json', import.meta.url));

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (e) {
    throw new RateDataError(`${file}: ${(e as Error).message}`);
  }
}

/** A rate table file with the zone data it is priced with; throws RateDataError naming the file. */
export async function readRateBundle(tableFile: string, zonesFile = BUNDLED_ZONES_FILE): Promise<RateBundle> {
  const [table, zones] = await Promise.all([readJson(tableFile), readJson(zonesFile)]);
  try {
    return parseRateBundle({ table, zones });
  } catch (e) {
    throw new RateDataError(`${tableFile}: ${(e as Error).message}`);
  }
}

/** Every table (`*.json`) in a directory. */
export async function readRateBundles(dir: string, zonesFile = BUNDLED_ZONES_FILE): Promise<RateBundle[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map((f) => readRateBundle(join(dir, f), zonesFile)));
}

/** What `init` installs: VAULTMETER_RATES names a directory of tables, `none` installs none (an unrated installation). */
export function initRatesDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env.VAULTMETER_RATES;
  if (v === 'none') return null;
  return v && v.length > 0 ? v : BUNDLED_RATES_DIR;
}

/**
 * At init, the two bootstrap security officers install the tables into each module's rate
 * directory, with their statement: the module checks both signatures when it loads them.
 */
export async function installAtInit(
  bundles: readonly RateBundle[],
  officers: readonly { keyFile: string; password: string }[],
  ratesDirs: readonly string[],
): Promise<void> {
  const credentials = await Promise.all(officers.map((o) => readOfficerCredential(o.keyFile)));
  for (const b of bundles) {
    const statement = newStatement('install_rates', { rateTableId: b.table.id, sha256: b.sha256 });
    const signatures = await Promise.all(credentials.map((c, i) => signStatement(c, officers[i]!.password, statement)));
    const authorization: OfficerAuthorization = { statement, signatures };
    for (const dir of ratesDirs) await writeFileAtomic(join(dir, `${b.sha256}.json`), JSON.stringify({ bundle: b.raw, authorization }));
  }
}
