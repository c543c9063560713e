import type { ModulePool } from '../module/index.js';
import type { Db } from '../store/index.js';

/** Everything a route needs; built once per API server process. */
export interface ServerContext {
  readonly db: Db;
  readonly modules: ModulePool;
  readonly caCertPem: string;
  readonly licensingZip: string;
  /** Inhibited modules at which the whole system halts meter commands. */
  readonly haltThreshold: number;
}
