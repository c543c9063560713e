import type { ModulePool } from '../module/index.js';
import type { Db } from '../store/index.js';
import type { ShippedWaiter } from './shipped-wait.js';
import type { ShipTarget } from '../txlog/index.js';

/** Everything a route needs; built once per API server process. */
export interface ServerContext {
  readonly db: Db;
  readonly modules: ModulePool;
  readonly caCertPem: string;
  readonly licensingZip: string;
  /** Inhibited modules at which the whole system halts meter commands. */
  readonly haltThreshold: number;
  /** Where the log ships (target names), and, for `shipped` durability, what answers wait on. */
  readonly shipTargets: readonly string[];
  /** The same targets, to read the shipped log back (rolling forward after a failover). */
  readonly shipSources: readonly ShipTarget[];
  readonly durability: 'local' | 'replica' | 'shipped';
  readonly shipped: ShippedWaiter | null;
}
