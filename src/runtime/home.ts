import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../platform/index.js';

/** Where an installation keeps its state: $VAULTMETER_HOME, default ./.vaultmeter. */
export function homeDir(explicit?: string): string {
  return resolve(explicit ?? process.env.VAULTMETER_HOME ?? '.vaultmeter');
}

export interface InstallationConfig {
  readonly format: 1;
  readonly installationName: string;
  readonly createdAt: string;
  /** Present when the installation runs its own embedded PostgreSQL. */
  readonly embedded: { readonly port: number; readonly ownerPassword: string } | null;
  readonly appDbPassword: string;
  /** The decision-support role's (docs/DSS.md); an installation made before it gets one at its first staging run. */
  readonly dssDbPassword?: string;
  readonly modules: readonly { readonly serial: string; readonly keystore: string }[];
}

export const paths = (home: string) => ({
  config: join(home, 'config.json'),
  pgData: join(home, 'pg'),
  modulesDir: join(home, 'modules'),
  certsDir: join(home, 'certs'),
  /** The bootstrap officers' key files: hand each to its officer, then remove them from here. */
  officersDir: join(home, 'officers'),
  caCert: join(home, 'certs', 'ca.pem'),
  devPassphrase: join(home, 'dev-passphrase'),
  /** The default ship target when VAULTMETER_SHIP_TARGETS is unset (development: not off-site). */
  shippedLog: join(home, 'shipped-log'),
  backups: join(home, 'backups'),
  /** The decision-support warehouse (DuckDB), rebuilt by `vaultmeter staging run` (docs/DSS.md). */
  warehouse: join(home, 'dss', 'warehouse.duckdb'),
  runDir: socketDir(home),
});

// Unix socket paths are limited to ~107 bytes; fall back to a short per-home directory under tmp.
function socketDir(home: string): string {
  const preferred = join(home, 'run');
  if (join(preferred, 'module-16.sock').length < 100) return preferred;
  return join(tmpdir(), `vaultmeter-${createHash('sha256').update(home).digest('hex').slice(0, 12)}`);
}

export function isInitialised(home: string): boolean {
  return existsSync(paths(home).config);
}

export async function readConfig(home: string): Promise<InstallationConfig> {
  const p = paths(home).config;
  try {
    return JSON.parse(await readFile(p, 'utf8')) as InstallationConfig;
  } catch (e) {
    throw new Error(`cannot read ${p}: ${(e as Error).message}. Run \`vaultmeter init\` first.`, { cause: e });
  }
}

export async function writeConfig(home: string, config: InstallationConfig): Promise<void> {
  await writeFileAtomic(paths(home).config, JSON.stringify(config, null, 2), 0o600);
}
