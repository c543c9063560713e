import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { VaultError } from '../../../src/errors.js';
import { refuseSigned } from '../../../src/server/idempotency.js';
import { installProblemHandlers } from '../../../src/server/problem.js';
import { installRequestMetrics } from '../../../src/server/request-metrics.js';
import { Problem } from '../../../src/server/schemas.js';
import { createMetrics, scrapeMetrics, type Metrics } from '../../../src/services/index.js';
import type { Db } from '../../../src/store/index.js';

/** One sample's value from a scrape, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

interface FakeDb {
  down: boolean;
  halted: boolean;
  modules: { serial: string; state: string }[];
  logs: { log_id: string; last_seq: string; shipped_seq: string; oldest_at: Date | null }[];
}

/** A pool that answers the scrape's three reads (the halt, the module table, the shipping status) from `state`. */
function fakeDb(state: FakeDb): Db {
  const query = async (sql: string) => {
    if (state.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    if (sql.includes('postal.system_state')) return { rows: [{ halted: state.halted, haltedAt: null, haltReason: null }] };
    if (sql.includes('WITH heads')) return { rows: state.logs.map((l) => ({ ...l, last_at: new Date() })) };
    if (sql.includes('FROM postal.modules')) return { rows: state.modules.map((m) => ({ ...m, lastSeenAt: new Date() })) };
    throw new Error(`unexpected query: ${sql}`);
  };
  return { totalCount: 3, idleCount: 2, waitingCount: 1, query } as unknown as Db;
}

describe('the metrics registry', () => {
  it('is one registry per server, apart from every other and from prom-client’s global one', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.operations.inc({ op: 'print', outcome: 'ok' });
    a.batchSize.observe({ module: 'M1' }, 5);
    expect(sample(await a.registry.metrics(), 'vaultmeter_operations_total{op="print",outcome="ok"}')).toBe(1);
    expect(sample(await a.registry.metrics(), 'vaultmeter_batch_size_bucket{le="8",module="M1"}')).toBe(1);
    expect(sample(await a.registry.metrics(), 'vaultmeter_batch_size_bucket{le="4",module="M1"}')).toBe(0);
    expect(sample(await b.registry.metrics(), 'vaultmeter_operations_total{op="print",outcome="ok"}')).toBeUndefined();
    expect(globalRegistry.getMetricsAsArray()).toHaveLength(0);
  });

  it('reads the pool, the halt, inhibited modules and the shipping lag per log and target at scrape time', async () => {
    const metrics = createMetrics();
    const oldest = new Date(Date.now() - 90_000);
    const state: FakeDb = {
      down: false,
      halted: true,
      modules: [
        { serial: 'M1', state: 'in_service' },
        { serial: 'M2', state: 'inhibited' },
      ],
      logs: [
        { log_id: 'M1', last_seq: '12', shipped_seq: '5', oldest_at: oldest },
        { log_id: 'M2', last_seq: '3', shipped_seq: '3', oldest_at: null },
      ],
    };
    const text = await scrapeMetrics({ db: fakeDb(state), shipTargets: ['disk', 's3'], metrics });
    expect(sample(text, 'vaultmeter_database_up')).toBe(1);
    expect(sample(text, 'vaultmeter_halted')).toBe(1);
    expect(sample(text, 'vaultmeter_module_inhibited{module="M1"}')).toBe(0);
    expect(sample(text, 'vaultmeter_module_inhibited{module="M2"}')).toBe(1);
    for (const target of ['disk', 's3']) {
      expect(sample(text, `vaultmeter_shipping_lag_records{log="M1",target="${target}"}`)).toBe(7);
      expect(sample(text, `vaultmeter_shipping_lag_records{log="M2",target="${target}"}`)).toBe(0);
      expect(sample(text, `vaultmeter_shipping_lag_seconds{log="M1",target="${target}"}`)).toBeGreaterThanOrEqual(90);
      expect(sample(text, `vaultmeter_shipping_lag_seconds{log="M2",target="${target}"}`)).toBe(0);
    }
    expect(sample(text, 'vaultmeter_db_pool_connections')).toBe(3);
    expect(sample(text, 'vaultmeter_db_pool_idle_connections')).toBe(2);
    expect(sample(text, 'vaultmeter_db_pool_waiting_clients')).toBe(1);
    // A log gone since (a module removed) leaves no series behind.
    state.logs = state.logs.slice(0, 1);
    const next = await scrapeMetrics({ db: fakeDb(state), shipTargets: ['disk'], metrics });
    expect(sample(next, 'vaultmeter_shipping_lag_records{log="M2",target="disk"}')).toBeUndefined();
    expect(sample(next, 'vaultmeter_shipping_lag_records{log="M1",target="s3"}')).toBeUndefined();
  });

  it('answers while the database is away: database_up 0, the database gauges as last read, the counters as they are', async () => {
    const metrics = createMetrics();
    const state: FakeDb = { down: false, halted: false, modules: [], logs: [{ log_id: 'M1', last_seq: '4', shipped_seq: '1', oldest_at: new Date() }] };
    await scrapeMetrics({ db: fakeDb(state), shipTargets: ['disk'], metrics });
    metrics.connectionErrors.inc();
    state.down = true;
    const text = await scrapeMetrics({ db: fakeDb(state), shipTargets: ['disk'], metrics });
    expect(sample(text, 'vaultmeter_database_up')).toBe(0);
    expect(sample(text, 'vaultmeter_shipping_lag_records{log="M1",target="disk"}')).toBe(3);
    expect(sample(text, 'vaultmeter_db_connection_errors_total')).toBe(1);
    expect(sample(text, 'vaultmeter_db_pool_connections')).toBe(3);
  });
});

/** An app with the real problem handlers and request metrics, on the routes whose operations are counted. */
async function measuredApp(metrics: Metrics) {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  installProblemHandlers(app);
  installRequestMetrics(app, metrics);
  app.addSchema(Problem);
  app.post('/v1/admin/fund', async (request, reply) => {
    if (request.headers['x-refuse']) throw new VaultError('officer_signature_required', 'sign it');
    // As runIdempotent replays a stored answer for a repeated Idempotency-Key.
    if (request.headers['x-replay']) reply.header('idempotency-replayed', 'true');
    return { ok: true };
  });
  app.post('/v1/meters/:meterId/:op', async (request, reply) => {
    // A module refusal is an answer, not a throw: the module spent the refused request's challenge.
    const spent = async () => ({ status: 409, body: { code: 'item_scanned', detail: 'the item was scanned' } });
    if ((request.params as { op: string }).op === 'refund') return refuseSigned(reply, new VaultError('item_scanned', 'scanned'), spent);
    return { ok: true };
  });
  app.get('/v1/admin/log', async () => ({ ok: true }));
  await app.ready();
  return app;
}

describe('request metrics', () => {
  it('counts the operations by outcome (ok or the problem code), each once, and times every route by its pattern', async () => {
    const metrics = createMetrics();
    const app = await measuredApp(metrics);
    await app.inject({ method: 'POST', url: '/v1/admin/fund', payload: {} });
    await app.inject({ method: 'POST', url: '/v1/admin/fund', payload: {}, headers: { 'x-refuse': '1' } });
    await app.inject({ method: 'POST', url: '/v1/admin/fund', payload: {}, headers: { 'x-replay': '1' } });
    await app.inject({ method: 'POST', url: '/v1/meters/m-1/print', payload: {} });
    await app.inject({ method: 'POST', url: '/v1/meters/m-2/print', payload: {} });
    await app.inject({ method: 'POST', url: '/v1/meters/m-1/refund', payload: {} });
    await app.inject({ method: 'POST', url: '/v1/meters/m-1/reboot', payload: {} });
    await app.inject({ method: 'GET', url: '/v1/admin/log' });
    await app.inject({ method: 'GET', url: '/no/such/route/42' });
    const text = await metrics.registry.metrics();
    expect(sample(text, 'vaultmeter_operations_total{op="fund",outcome="ok"}')).toBe(1);
    expect(sample(text, 'vaultmeter_operations_total{op="fund",outcome="officer_signature_required"}')).toBe(1);
    expect(sample(text, 'vaultmeter_operations_total{op="print",outcome="ok"}')).toBe(2);
    expect(sample(text, 'vaultmeter_operations_total{op="refund",outcome="item_scanned"}')).toBe(1);
    // Only the counted operations, and only the meter commands there are.
    expect(text).not.toMatch(/vaultmeter_operations_total\{op="(reboot|log)"/);
    const count = (labels: string) => sample(text, `vaultmeter_http_request_duration_seconds_count{${labels}}`);
    expect(count('method="POST",route="/v1/meters/:meterId/:op",status_code="200"')).toBe(3);
    expect(count('method="POST",route="/v1/admin/fund",status_code="200"')).toBe(2);
    expect(count('method="GET",route="unmatched",status_code="404"')).toBe(1);
    expect(text).not.toContain('m-1');
    await app.close();
  });
});
