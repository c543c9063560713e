import { randomBytes } from 'node:crypto';
import { dssUrlFrom, ensureDssRole, migrate } from '../store/index.js';
import { runStaging, type StagingProgress, type StagingRun } from '../services/index.js';
import { paths, readConfig, writeConfig } from './home.js';

/** The owner's URL of this installation's database: DATABASE_URL, else its embedded PostgreSQL (which must be running). */
async function ownerUrlOf(home: string): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const config = await readConfig(home);
  if (!config.embedded) throw new Error('this installation uses an external database: set DATABASE_URL');
  return `postgres://postgres:${encodeURIComponent(config.embedded.ownerPassword)}@127.0.0.1:${config.embedded.port}/postgres`;
}

/**
 * `vaultmeter staging run` (docs/DSS.md): the delta into `staging` as the owner, then the warehouse
 * load as vaultmeter_dss. An installation made before the DSS role gets its password now.
 */
export async function stagingRunInstallation(home: string, progress?: StagingProgress): Promise<StagingRun & { warehouseFile: string }> {
  const ownerUrl = await ownerUrlOf(home);
  let config = await readConfig(home);
  if (!config.dssDbPassword) {
    config = { ...config, dssDbPassword: randomBytes(18).toString('base64url') };
    await writeConfig(home, config);
  }
  await migrate(ownerUrl);
  await ensureDssRole(ownerUrl, config.dssDbPassword!);
  const warehouseFile = paths(home).warehouse;
  const run = await runStaging({ ownerUrl, dssUrl: dssUrlFrom(ownerUrl, config.dssDbPassword!), warehouseFile, ...(progress ? { progress } : {}) });
  return { ...run, warehouseFile };
}
