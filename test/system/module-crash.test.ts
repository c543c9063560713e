import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, MeterClient } from '../../src/sdk/index.js';
import { diskProfiles } from '../../src/cli/index.js';
import { fundAs } from './api-client.js';
import { auditEvents } from './db-snapshot.js';
import { startSystem, type TestSystem } from './harness.js';
import { modulePids } from './wait.js';

const PW = 'correct horse battery';
const CUSTOMERS = 4;
const PRINTS_EACH = 25;
const FUNDED = 100_000n;

// kill -9 a module while prints are in flight: after the supervisor restarts it, every ring is
// consistent with the database, and no value is lost or doubled.
describe('a module killed mid-command', () => {
  let sys: TestSystem;
  const clients: MeterClient[] = [];
  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '0' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    for (let i = 0; i < CUSTOMERS; i++) {
      const c = await MeterClient.register(diskProfiles, sys.url, `crash${i}`, PW);
      await fundAs(sys.url, sys.officer, `crash${i}`, FUNDED.toString());
      await c.balance();
      clients.push(c);
    }
  });
  afterAll(async () => sys?.stop());

  it('keeps rings and registers exact', async () => {
    const before = await modulePids(sys.env.VAULTMETER_HOME!);
    expect(before).toHaveLength(2);
    let failures = 0;
    let printed = 0;
    const loops = clients.map(async (c) => {
      for (let i = 0; i < PRINTS_EACH; i++) {
        await c
          .print({
            amountMills: 100n,
            originZip: '90807',
            destination: '10001',
            date: new Date().toISOString().slice(0, 10),
            rateCategory: 'FCM-LETTER',
            weightTenthOz: 10,
          })
          .then(() => printed++)
          .catch((e: unknown) => {
            expect(e).toBeInstanceOf(ApiError);
            failures++;
          });
      }
    });
    while (printed < 10) await new Promise((r) => setTimeout(r, 5));
    process.kill(before[0]!, 'SIGKILL');
    expect(printed + failures).toBeLessThan(CUSTOMERS * PRINTS_EACH); // really mid-stream
    await Promise.all(loops);

    // The supervisor restarts the module.
    for (let i = 0; i < 50 && (await modulePids(sys.env.VAULTMETER_HOME!)).length < 2; i++) await new Promise((r) => setTimeout(r, 200));
    const after = await modulePids(sys.env.VAULTMETER_HOME!);
    expect(after).toHaveLength(2);
    expect(after).not.toContain(before[0]);

    const db = await sys.ownerDb();
    try {
      for (const [i, c] of clients.entries()) {
        // No rollback is visible to the client: its own record of ar is never ahead of the meter.
        const fresh = await MeterClient.login(diskProfiles, `crash${i}`, PW);
        for (let k = 0; k < 3; k++) await fresh.balance(); // reaches both modules; they recover if needed
        const b = await fresh.balance();
        const items = await db.query('SELECT count(*)::int AS n, coalesce(sum(amount_mills), 0)::bigint AS total FROM postal.items WHERE meter_id = $1', [
          c.meterId,
        ]);
        expect(b.arMills).toBe(BigInt(items.rows[0].total));
        expect(b.controlTotalMills).toBe(FUNDED);
        expect(b.arMills + b.drMills).toBe(FUNDED);
        const serials = await db.query('SELECT item_serial FROM postal.items WHERE meter_id = $1 ORDER BY item_serial', [c.meterId]);
        expect(serials.rows.map((r) => Number(r.item_serial))).toEqual(serials.rows.map((_r, k) => k + 1));
      }
      const modules = await db.query('SELECT state FROM postal.modules');
      expect(modules.rows.every((m) => m.state === 'active')).toBe(true);
      expect(await auditEvents(db, 'module_inhibited')).toHaveLength(0);
      // Whatever the killed module had recorded but not committed was discarded, and logged.
      const discarded = await auditEvents(db, 'transaction_discarded');
      expect(discarded.length).toBeLessThanOrEqual(1);
      expect(printed + failures).toBe(CUSTOMERS * PRINTS_EACH);
    } finally {
      await db.end();
    }
  });
});
