import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MAX_BATCH_OPS } from '../constants.js';
import { repo, txlogRepo, type Db } from '../store/index.js';

// The API server's metrics, in Prometheus text format (docs/METRICS.md lists each one). One
// Registry per ServiceContext, never prom-client's global one: a test process builds several
// apps. Counters move where things happen (routes, the batcher, recovery, the pool); the gauges
// that describe the database (shipping lag, the halt, inhibited modules, the pool) are read at
// scrape time, so they are as fresh as the scrape and cost nothing between scrapes.

/** Bounds of the request latency histogram, in seconds (a request times out at 30 s). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Bounds of the batch size histogram: powers of two up to MAX_BATCH_OPS. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, MAX_BATCH_OPS];

export interface Metrics {
  readonly registry: Registry;
  /** Answered operations by op (print, refund, fund, verify, …) and outcome (`ok` or the error code). */
  readonly operations: Counter<'op' | 'outcome'>;
  /** Verdicts of public verification by status (valid, invalid, unknown, refunded, redeemed). */
  readonly verdicts: Counter<'status'>;
  readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Ops per module dispatch of a batch. */
  readonly batchSize: Histogram<'module'>;
  readonly recoveries: Counter<'module' | 'outcome'>;
  readonly inhibitions: Counter<'module'>;
  readonly halts: Counter;
  readonly rolledForward: Counter;
  readonly connectionErrors: Counter;
  readonly scrapeGauges: ScrapeGauges;
}

interface ScrapeGauges {
  readonly databaseUp: Gauge;
  readonly halted: Gauge;
  readonly modulesInhibited: Gauge<'module'>;
  readonly lagRecords: Gauge<'log' | 'target'>;
  readonly lagSeconds: Gauge<'log' | 'target'>;
  readonly poolTotal: Gauge;
  readonly poolIdle: Gauge;
  readonly poolWaiting: Gauge;
}

/** A fresh registry with every Vaultmeter metric and Node's process metrics (`process_*`, `nodejs_*`). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    operations: new Counter({
      name: 'vaultmeter_operations_total',
      help: 'Answered operations by op and outcome (ok, or the error code); a replayed Idempotency-Key answer is not counted again',
      labelNames: ['op', 'outcome'] as const,
      registers,
    }),
    verdicts: new Counter({
      name: 'vaultmeter_verification_verdicts_total',
      help: 'Public verifications by verdict status',
      labelNames: ['status'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: 'vaultmeter_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    batchSize: new Histogram({
      name: 'vaultmeter_batch_size',
      help: 'Ops per module dispatch of a commit batch',
      labelNames: ['module'] as const,
      buckets: BATCH_BUCKETS,
      registers,
    }),
    recoveries: new Counter({
      name: 'vaultmeter_checkpoint_recoveries_total',
      help: 'Checkpoint recoveries by module and outcome (current, recovered, rolled_forward, inhibited, or the error code)',
      labelNames: ['module', 'outcome'] as const,
      registers,
    }),
    inhibitions: new Counter({
      name: 'vaultmeter_module_inhibitions_total',
      help: 'Modules this server inhibited',
      labelNames: ['module'] as const,
      registers,
    }),
    halts: new Counter({ name: 'vaultmeter_halts_total', help: 'Halts this server raised (inhibited modules reached the threshold)', registers }),
    rolledForward: new Counter({ name: 'vaultmeter_records_rolled_forward_total', help: 'Log records put back into the database by roll-forward', registers }),
    connectionErrors: new Counter({ name: 'vaultmeter_db_connection_errors_total', help: 'Database connections the pool lost', registers }),
    scrapeGauges: scrapeGauges(registers),
  };
}

function scrapeGauges(registers: Registry[]): ScrapeGauges {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers });
  return {
    databaseUp: gauge('vaultmeter_database_up', '1 when the database answered this scrape; at 0 the database gauges keep the values last read'),
    halted: gauge('vaultmeter_halted', '1 while meter commands are halted'),
    modulesInhibited: gauge('vaultmeter_module_inhibited', '1 for a module out of service (inhibited), 0 for one in service', ['module']),
    lagRecords: gauge('vaultmeter_shipping_lag_records', 'Records of a module log not yet on a ship target (newest seq minus shipped seq)', ['log', 'target']),
    lagSeconds: gauge('vaultmeter_shipping_lag_seconds', 'Age of the oldest record of a module log not yet on a ship target', ['log', 'target']),
    poolTotal: gauge('vaultmeter_db_pool_connections', 'Connections the pool holds (idle and in use)'),
    poolIdle: gauge('vaultmeter_db_pool_idle_connections', 'Idle connections in the pool'),
    poolWaiting: gauge('vaultmeter_db_pool_waiting_clients', 'Queries waiting for a pool connection'),
  };
}

/** What a scrape reads: the pool, and where the log ships. */
export interface ScrapeSource {
  readonly db: Db;
  readonly shipTargets: readonly string[];
  readonly metrics: Metrics;
}

/** The metrics in Prometheus text format, with the database gauges read now. */
export async function scrapeMetrics(src: ScrapeSource): Promise<string> {
  await readScrapeGauges(src);
  return src.metrics.registry.metrics();
}

async function readScrapeGauges(src: ScrapeSource): Promise<void> {
  const g = src.metrics.scrapeGauges;
  g.poolTotal.set(src.db.totalCount);
  g.poolIdle.set(src.db.idleCount);
  g.poolWaiting.set(src.db.waitingCount);
  let read;
  try {
    read = await Promise.all([
      repo.systemState(src.db),
      repo.listModules(src.db),
      Promise.all(src.shipTargets.map(async (target) => ({ target, logs: await txlogRepo.shippingStatus(src.db, [target]) }))),
    ]);
  } catch {
    // A scrape must answer while the database is away (that is when the other metrics matter most);
    // the database gauges keep the values of the last scrape that read them.
    g.databaseUp.set(0);
    return;
  }
  const [system, modules, lags] = read;
  g.databaseUp.set(1);
  g.halted.set(system.halted ? 1 : 0);
  // A log or module gone since the last scrape leaves no series behind.
  for (const m of [g.modulesInhibited, g.lagRecords, g.lagSeconds]) m.reset();
  for (const m of modules) g.modulesInhibited.set({ module: m.serial }, m.state === 'inhibited' ? 1 : 0);
  const nowMs = Date.now();
  for (const { target, logs } of lags) {
    for (const l of logs) {
      g.lagRecords.set({ log: l.logId, target }, Number(l.lastSeq - l.shippedSeq));
      g.lagSeconds.set({ log: l.logId, target }, l.oldestUnshippedAt ? Math.max(0, nowMs - l.oldestUnshippedAt.getTime()) / 1000 : 0);
    }
  }
}
