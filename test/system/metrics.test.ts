import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { freePort } from '../../src/runtime/init.js';
import { MeterClient } from '../../src/sdk/index.js';
import { documentedMetrics, scrapedMetrics } from '../helpers/metrics-docs.js';
import { fundAs, officerHeaders, post } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';
import { until } from './wait.js';

const PW = 'correct horse battery';
const postage = () => ({
  amountMills: 730n,
  originZip: '90807',
  destination: '10001',
  date: new Date().toISOString().slice(0, 10),
  rateCategory: 'FCM-LETTER',
  weightTenthOz: 10,
});

/** The samples of a scrape: series (name and labels, as printed) to value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

// The metrics of a running system: every layer that feeds them (routes, the batcher, the pool, the
// database gauges), through the officer-only /metrics and the loopback scrape listener.
describe('metrics', () => {
  let sys: TestSystem;
  let db: pg.Client;
  let metricsPort: number;

  const scrape = async () => {
    const res = await fetch(`${sys.url}/metrics`, { headers: officerHeaders(sys.officer) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };
  const value = (text: string, series: string) => samples(text).get(series) ?? 0;
  const ops = (text: string, op: string, outcome: string) => value(text, `vaultmeter_operations_total{op="${op}",outcome="${outcome}"}`);

  beforeAll(async () => {
    metricsPort = await freePort(0);
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '0', VAULTMETER_METRICS_PORT: String(metricsPort) });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    db = await sys.ownerDb();
  });
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  it('refuses /metrics without officer credentials, and with a wrong password', async () => {
    const none = await fetch(`${sys.url}/metrics`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'unauthorized' });
    const wrong = await fetch(`${sys.url}/metrics`, { headers: officerHeaders({ user: sys.officer.user, password: 'not the password' }) });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'invalid_credentials' });
  });

  it('counts items, funds, refunds and verifications by outcome, and the batches they went in', async () => {
    const before = await scrape();
    const ivy = await MeterClient.register(diskProfiles, sys.url, 'ivy', PW);
    expect((await fundAs(sys.url, sys.officer, 'ivy', '100000')).status).toBe(200);
    // Unsigned: refused before any module sees it.
    expect((await post(sys.url, '/v1/admin/fund', { user: 'ivy', amountMills: '1' }, officerHeaders(sys.officer))).status).toBe(401);
    await ivy.balance();
    const kept = await ivy.print(postage());
    const refunded = await ivy.print(postage());
    await ivy.refund(refunded.itemId);
    const verdict = await post(sys.url, '/v1/verify', { itemBase64: kept.itemBytes.toString('base64') });
    expect(verdict.json).toMatchObject({ valid: true, status: 'valid' });
    // Scanned by that verification, the item cannot be refunded: an error outcome.
    await expect(ivy.refund(kept.itemId)).rejects.toMatchObject({ code: 'item_scanned' });

    const after = await scrape();
    const moved = (op: string, outcome: string) => ops(after, op, outcome) - ops(before, op, outcome);
    expect(moved('fund', 'ok')).toBe(1);
    expect(moved('fund', 'officer_signature_required')).toBe(1);
    expect(moved('print', 'ok')).toBe(2);
    expect(moved('refund', 'ok')).toBe(1);
    expect(moved('refund', 'item_scanned')).toBe(1);
    expect(moved('verify', 'ok')).toBe(1);
    expect(value(after, 'vaultmeter_verification_verdicts_total{status="valid"}')).toBe(1);
    // Every module dispatch is one observation: the registration, the funding, five meter commands at least.
    const batches = [...samples(after)].filter(([s]) => s.startsWith('vaultmeter_batch_size_count{')).reduce((n, [, v]) => n + v, 0);
    expect(batches).toBeGreaterThanOrEqual(7);
    expect(
      value(after, 'vaultmeter_http_request_duration_seconds_count{method="POST",route="/v1/meters/:meterId/:op",status_code="200"}'),
    ).toBeGreaterThanOrEqual(4);
    expect(after).not.toContain(ivy.meterId);
  });

  it('shows the shipping lag per module log and target, the halt, the modules and the pool, read from the database', async () => {
    const text = await scrape();
    const logs = (await db.query<{ log_id: string }>('SELECT DISTINCT log_id FROM postal.txlog ORDER BY log_id')).rows.map((r) => r.log_id);
    expect(logs.length).toBeGreaterThan(0);
    const lag = [...samples(text)].filter(([s]) => s.startsWith('vaultmeter_shipping_lag_records{'));
    for (const log of logs) expect(lag.filter(([s]) => s.includes(`log="${log}"`)).length, `lag of log ${log}`).toBe(1);
    for (const [, records] of lag) expect(records).toBeGreaterThanOrEqual(0);
    const modules = (await db.query<{ serial: string }>('SELECT serial FROM postal.modules')).rows;
    for (const m of modules) expect(samples(text).get(`vaultmeter_module_inhibited{module="${m.serial}"}`)).toBe(0);
    expect(value(text, 'vaultmeter_database_up')).toBe(1);
    expect(value(text, 'vaultmeter_halted')).toBe(0);
    expect(value(text, 'vaultmeter_db_pool_connections')).toBeGreaterThan(0);
    expect(value(text, 'process_start_time_seconds')).toBeGreaterThan(Date.now() / 1000 - 3600);
  });

  it('exposes exactly the documented metrics', async () => {
    const scraped = scrapedMetrics(await scrape());
    const documented = documentedMetrics();
    expect([...scraped].filter((n) => !documented.has(n))).toEqual([]);
    expect([...documented.keys()].filter((n) => !scraped.has(n))).toEqual([]);
  });

  it('serves the same metrics without credentials on the loopback scrape listener, and nothing else there', async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('vaultmeter_operations_total{op="print",outcome="ok"} 2');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/health`)).status).toBe(404);
  });

  it('counts the database connections the pool loses', async () => {
    const before = value(await scrape(), 'vaultmeter_db_connection_errors_total');
    // Idle pool connections (and the shipper's) cut by the server: each is an error event on its client.
    const cut = await db.query("SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE usename = 'vaultmeter_app'");
    expect(cut.rows[0].n).toBeGreaterThan(0);
    const after = await until('a lost connection counted', async () => {
      const n = value(await scrape(), 'vaultmeter_db_connection_errors_total');
      return n > before ? n : null;
    });
    expect(after).toBeGreaterThan(before);
  });
});
