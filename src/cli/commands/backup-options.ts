import { readFile } from 'node:fs/promises';
import { readConfig, type RecoveryReport } from '../../runtime/index.js';

/** The owner's database URL of a running installation: DATABASE_URL, else its embedded PostgreSQL. */
export async function ownerUrl(home: string): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const config = await readConfig(home);
  if (!config.embedded) throw new Error('this installation uses an external database: set DATABASE_URL');
  return `postgres://postgres:${encodeURIComponent(config.embedded.ownerPassword)}@127.0.0.1:${config.embedded.port}/postgres`;
}

export async function readPassphrase(file: string | undefined): Promise<string> {
  if (file) return (await readFile(file, 'utf8')).split('\n')[0]!.trim();
  if (process.env.VAULTMETER_PASSPHRASE) return process.env.VAULTMETER_PASSPHRASE;
  throw new Error('the module keystores need their passphrase: set VAULTMETER_PASSPHRASE or give --passphrase-file');
}

export function describe(r: RecoveryReport): string {
  return [
    `Recovered from backup ${r.backupId} (${r.backupCreatedAt}) plus ${r.replayedTotal} replayed log records.`,
    `  meters: ${r.meters}   items: ${r.items}`,
    `  registers: ascending ${r.arMills}, descending ${r.drMills}, control total ${r.controlTotalMills} (mills)`,
    ...Object.entries(r.lastSeq).map(([l, s]) => `  log ${l}: last record #${s} (${r.replayed[l] ?? 0} replayed)`),
    'Every module ring was re-seeded at the end of its log. Start the system with `vaultmeter start`.',
  ].join('\n');
}
