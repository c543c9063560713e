import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, MeterClient, type PrintedItem } from '../../src/sdk/index.js';
import { diskProfiles } from '../../src/cli/index.js';
import { fundAs, post, printParams } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';
import { postmasterPid, shippedTo, until, vaultmeterPids } from './wait.js';

const PW = 'correct horse battery';
const CUSTOMERS = 3;
const FUNDED = 1_000_000n;
const PRINT = { ...printParams('100'), amountMills: 100n, weightTenthOz: 10 };

// The system stays up on its own: a dropped database connection, a killed PostgreSQL and a killed
// API server each end with service back, no acknowledged item lost, and the registers exact.
describe('staying up', () => {
  let sys: TestSystem;
  const clients: MeterClient[] = [];
  const acknowledged: PrintedItem[] = [];
  const refusals = new Map<string, number>();

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '0', VAULTMETER_SHIP_INTERVAL_MS: '100', VAULTMETER_SEGMENT_MAX_AGE_MS: '0' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    for (let i = 0; i < CUSTOMERS; i++) {
      const c = await MeterClient.register(diskProfiles, sys.url, `up${i}`, PW);
      await fundAs(sys.url, sys.officer, `up${i}`, FUNDED.toString());
      clients.push(c);
    }
  });
  afterAll(async () => sys?.stop());

  /** Every client prints until `done()`; each failure must be a typed refusal, never a 500 or a crash. */
  async function printWhile(done: () => boolean): Promise<void> {
    await Promise.all(
      clients.map(async (c) => {
        while (!done()) {
          try {
            acknowledged.push(await c.print(PRINT));
          } catch (e) {
            expect(e).toBeInstanceOf(ApiError);
            const code = (e as ApiError).code;
            expect((e as ApiError).status === 0 || (e as ApiError).status === 503 || code === 'conflict', `${code}: ${(e as Error).message}`).toBe(true);
            refusals.set(code, (refusals.get(code) ?? 0) + 1);
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      }),
    );
  }

  /** Service is back when a print goes through; returns how long that took. */
  async function printsAgain(fromMs: number): Promise<number> {
    await until(
      'a print to succeed',
      async () =>
        (await clients[0]!.print(PRINT).then(
          (item) => acknowledged.push(item),
          () => 0,
        )) > 0,
      60_000,
      100,
    );
    return Date.now() - fromMs;
  }

  it('drops of every app-role connection cost nothing: the same API server and shipper go on', async () => {
    const home = sys.env.VAULTMETER_HOME!;
    const [api, shipper] = [await vaultmeterPids(home, 'serve'), await vaultmeterPids(home, 'ship')];
    expect(api).toHaveLength(1);
    expect(shipper).toHaveLength(1);
    const owner = await sys.ownerDb();
    let terminations = 0;
    const killer = (async () => {
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 300));
        const r = await owner.query("SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE usename = 'vaultmeter_app'");
        terminations += r.rows[0].n;
      }
    })();
    let stop = false;
    await Promise.all([printWhile(() => stop), killer.then(() => (stop = true))]);
    await owner.end();
    expect(terminations).toBeGreaterThan(5);
    await printsAgain(Date.now());
    expect(await vaultmeterPids(home, 'serve')).toEqual(api);
    expect(await vaultmeterPids(home, 'ship')).toEqual(shipper);
  });

  it('PostgreSQL killed: meter commands answer 503 database_unavailable with Retry-After, then resume by themselves', async () => {
    const home = sys.env.VAULTMETER_HOME!;
    const api = await vaultmeterPids(home, 'serve');
    const shipper = await vaultmeterPids(home, 'ship');
    const pid = (await postmasterPid(home))!;
    expect(pid).toBeGreaterThan(0);
    const killedAtMs = Date.now();
    process.kill(pid, 'SIGKILL');
    const down = await until(
      'a 503 while the database is down',
      async () => {
        const a = await post(sys.url, '/v1/verify', { itemBase64: acknowledged[0]!.itemBytes.toString('base64') });
        return a.status === 503 ? a : null;
      },
      30_000,
      200,
    );
    expect(down.json.code).toBe('database_unavailable');
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    const backMs = await printsAgain(killedAtMs);
    console.log(`PostgreSQL killed: prints again after ${backMs} ms`);
    expect(await postmasterPid(home)).not.toBe(pid);
    // Neither the API server nor the shipper had to be restarted: the shipper re-elected itself.
    expect(await vaultmeterPids(home, 'serve')).toEqual(api);
    expect(await vaultmeterPids(home, 'ship')).toEqual(shipper);
  });

  it('the API server killed: the supervisor starts another on the same address', async () => {
    const home = sys.env.VAULTMETER_HOME!;
    const [api] = await vaultmeterPids(home, 'serve');
    const killedAtMs = Date.now();
    process.kill(api!, 'SIGKILL');
    const backMs = await printsAgain(killedAtMs);
    console.log(`API server killed: prints again after ${backMs} ms`);
    const now = await vaultmeterPids(home, 'serve');
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(api);
  });

  it('under load through a killed PostgreSQL, every acknowledged item is kept byte for byte and the registers are exact', async () => {
    const home = sys.env.VAULTMETER_HOME!;
    let stop = false;
    const load = printWhile(() => stop);
    await new Promise((r) => setTimeout(r, 500));
    process.kill((await postmasterPid(home))!, 'SIGKILL');
    const atKill = acknowledged.length;
    // The load's own clients (one request at a time each) show that service is back.
    await until('the load to print again', async () => acknowledged.length >= atKill + 3 * CUSTOMERS, 60_000, 100);
    stop = true;
    await load;
    console.log(`acknowledged ${acknowledged.length} items; refusals: ${JSON.stringify(Object.fromEntries(refusals))}`);
    const db = await sys.ownerDb();
    try {
      const rows = await db.query<{ item_id: string; item_bytes: Buffer }>('SELECT item_id, item_bytes FROM postal.items WHERE item_id = ANY($1)', [
        acknowledged.map((i) => i.itemId),
      ]);
      const kept = new Map(rows.rows.map((r) => [r.item_id, r.item_bytes]));
      for (const item of acknowledged) expect(kept.get(item.itemId)?.equals(item.itemBytes), item.itemId).toBe(true);
      for (const c of clients) {
        const b = await c.balance();
        const sum = await db.query('SELECT coalesce(sum(amount_mills), 0)::bigint AS total FROM postal.items WHERE meter_id = $1', [c.meterId]);
        expect(b.arMills).toBe(BigInt(sum.rows[0].total));
        expect(b.arMills + b.drMills).toBe(FUNDED);
      }
      // The shipper (re-elected on a new connection) takes everything off-site.
      const targets = await db.query<{ target: string }>('SELECT DISTINCT target FROM postal.txlog_shipped');
      expect(targets.rows.length).toBeGreaterThan(0);
      for (const { target } of targets.rows) await until(`the log shipped to ${target}`, () => shippedTo(db, target), 60_000, 200);
    } finally {
      await db.end();
    }
    const verdict = await post(sys.url, '/v1/verify', { itemBase64: acknowledged[acknowledged.length - 1]!.itemBytes.toString('base64') });
    expect(verdict.json.valid).toBe(true);
  });
});
