import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_RATE_BUNDLE_BYTES, MAX_RATE_TABLES } from '../constants.js';
import { fail } from '../errors.js';
import { writeFileAtomic } from '../platform/index.js';
import { parseRateBundle, RateBook, RateDataError, type RateBundle } from '../rates/index.js';
import { checkOfficerAuthorization } from './officer-check.js';
import type { InstalledRates, RateBundleWire } from './messages.js';
import type { OfficerDesk } from './officer-desk.js';

// The rate tables this module prices postage with. Two security officers install a bundle (a table
// and its zone data) by signing its SHA-256; the module keeps it on its own disk with their
// statement, and checks the signatures again whenever it loads it. Nothing the API server or the
// database says changes a price.

interface StoredBundle {
  readonly bundle: unknown;
  readonly authorization: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parsed(raw: unknown): RateBundle {
  try {
    return parseRateBundle(raw);
  } catch (e) {
    if (e instanceof RateDataError) fail('rate_table_invalid', e.message);
    throw e;
  }
}

/** A module's rate bundles sit beside its ring and journal. */
export function ratesDirOf(ringPath: string): string {
  return `${ringPath}.rates`;
}

export function installParams(b: RateBundle): Record<string, string> {
  return { rateTableId: b.table.id, sha256: b.sha256 };
}

export class RateStore {
  private constructor(
    private readonly dir: string,
    private readonly caCertPem: string,
    private bundles: readonly RateBundle[],
    private current: RateBook,
  ) {}

  /** Loads every bundle in `dir`; one whose signatures or contents fail is refused loudly, never used. */
  static async load(dir: string, caCertPem: string, log: (line: string) => void): Promise<RateStore> {
    const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
    const bundles: RateBundle[] = [];
    for (const name of names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n)).sort()) {
      try {
        const stored = JSON.parse(await readFile(join(dir, name), 'utf8')) as StoredBundle;
        const b = parsed(stored.bundle);
        if (`${b.sha256}.json` !== name) throw new Error('its contents do not hash to its name');
        signedAtInstall(caCertPem, stored.authorization, b);
        bundles.push(b);
      } catch (e) {
        log(`ALARM: rate bundle ${name} refused: ${(e as Error).message}`);
      }
    }
    return new RateStore(dir, caCertPem, bundles, new RateBook(bundles));
  }

  get book(): RateBook {
    return this.current;
  }

  list(sha256?: string): RateBundleWire[] {
    if (sha256 === undefined) return this.bundles.map(summary);
    return this.bundles.filter((b) => b.sha256 === sha256).map((b) => ({ ...summary(b), bundle: b.raw }));
  }

  async install(desk: OfficerDesk, bundle: unknown, authorization: unknown): Promise<InstalledRates> {
    if (JSON.stringify(bundle ?? null).length > MAX_RATE_BUNDLE_BYTES) fail('rate_table_invalid', `a rate bundle is at most ${MAX_RATE_BUNDLE_BYTES} bytes`);
    const b = parsed(bundle);
    const same = this.bundles.find((x) => x.sha256 === b.sha256);
    if (same) {
      const { officers } = signedAtInstall(this.caCertPem, authorization, b);
      return { ...summary(b), installed: false, authorizedBy: officers.map((o) => o.user) };
    }
    if (this.bundles.some((x) => x.table.id === b.table.id))
      fail('rate_table_invalid', `a different table named ${b.table.id} is installed: give the new one its own id`);
    if (this.bundles.some((x) => x.table.effective === b.table.effective))
      fail('rate_table_invalid', `a table in force from ${b.table.effective} is installed already: two cannot share a date`);
    if (this.bundles.length >= MAX_RATE_TABLES) fail('rate_table_invalid', `the module holds ${MAX_RATE_TABLES} tables, its most`);
    const officers = desk.dualControl(authorization, 'install_rates', installParams(b));
    await writeFileAtomic(join(this.dir, `${b.sha256}.json`), JSON.stringify({ bundle: b.raw, authorization }));
    this.bundles = [...this.bundles, b];
    this.current = new RateBook(this.bundles);
    return { ...summary(b), installed: true, authorizedBy: officers.map((o) => o.user) };
  }
}

function summary(b: RateBundle): { tableId: string; effective: string; sha256: string } {
  return { tableId: b.table.id, effective: b.table.effective, sha256: b.sha256 };
}

/** Two security officers signed this bundle's install, with certificates good when they signed. */
function signedAtInstall(caCertPem: string, authorization: unknown, b: RateBundle) {
  const statement = isObject(authorization) && isObject(authorization.statement) ? authorization.statement : {};
  const signedAtMs = typeof statement.timeMs === 'number' ? statement.timeMs : NaN;
  return checkOfficerAuthorization(caCertPem, authorization, {
    act: 'install_rates',
    params: installParams(b),
    roles: ['security_officer'],
    signers: 2,
    nowMs: signedAtMs,
  });
}
