import { afterAll, beforeAll, expect, it } from 'vitest';
import { MeterClient } from '../../src/sdk/index.js';
import { diskProfiles } from '../../src/cli/index.js';
import { fundAs } from './api-client.js';
import { auditEvents, restoreSnapshot, takeSnapshot } from './db-snapshot.js';
import { startSystem, type TestSystem } from './harness.js';

let sys: TestSystem;
beforeAll(async () => {
  sys = await startSystem({ VAULTMETER_POOL_SIZE: '0' });
  process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
});
afterAll(async () => sys?.stop());
const req = (a: bigint) => ({ amountMills: a, originZip: '90807', destination: '10001', date: new Date().toISOString().slice(0, 10), rateCategory: 'FCM-LETTER', weightTenthOz: 10 });
it('debug', async () => {
  const client = await MeterClient.register(diskProfiles, sys.url, 'erin', 'correct horse battery');
  await fundAs(sys.url, sys.officer, 'erin', '50000');
  await client.balance();
  const db = await sys.ownerDb();
  await takeSnapshot(db, 'snap1');
  await client.print(req(101n));
  await client.print(req(102n));
  await restoreSnapshot(db, 'snap1');
  const r = await client.balance().catch((e) => e);
  console.log('BALANCE', r);
  console.log(JSON.stringify((await auditEvents(db)).slice(-10), (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 1));
  await db.end();
  expect(1).toBe(1);
});
