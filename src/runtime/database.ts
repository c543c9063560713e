import { appUrlFrom, ensureAppRole, ensureDssRole, migrate, startEmbedded, type EmbeddedDatabase } from '../store/index.js';
import { paths, type InstallationConfig } from './home.js';

export interface RunningDatabase {
  readonly ownerUrl: string;
  readonly appUrl: string;
  /** The embedded server, which the supervisor restarts when it dies; null for an external database. */
  readonly embedded: Pick<EmbeddedDatabase, 'exited' | 'restart'> | null;
  stop(): Promise<void>;
}

/** The embedded PostgreSQL of this home, or the external one named by DATABASE_URL; migrated, with the app role. */
export async function openDatabase(home: string, config: InstallationConfig, log: (l: string) => void): Promise<RunningDatabase> {
  const external = process.env.DATABASE_URL;
  let ownerUrl: string;
  let stop = async () => {};
  let embedded: RunningDatabase['embedded'] = null;
  if (external) {
    ownerUrl = external;
  } else {
    if (!config.embedded) throw new Error('this installation was set up for an external database: set DATABASE_URL');
    const db = await startEmbedded({ dataDir: paths(home).pgData, port: config.embedded.port, ownerPassword: config.embedded.ownerPassword, log });
    ownerUrl = db.ownerUrl;
    stop = () => db.stop();
    embedded = db;
  }
  try {
    await migrate(ownerUrl, log);
    await ensureAppRole(ownerUrl, config.appDbPassword);
    if (config.dssDbPassword) await ensureDssRole(ownerUrl, config.dssDbPassword);
  } catch (e) {
    await stop();
    throw e;
  }
  return { ownerUrl, appUrl: appUrlFrom(ownerUrl, config.appDbPassword), embedded, stop };
}
