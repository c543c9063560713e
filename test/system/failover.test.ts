import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { MeterClient, type PrintedItem } from '../../src/sdk/index.js';
import { diskProfiles } from '../../src/cli/index.js';
import { decodeHeader } from '../../src/ledger/index.js';
import { fundAs } from './api-client.js';
import { auditEvents } from './db-snapshot.js';
import { startSystem, type TestSystem } from './harness.js';
import { pgClusterAvailable, startPgCluster, type PgCluster } from './pg-cluster.js';

const PW = 'correct horse battery';
const today = () => new Date().toISOString().slice(0, 10);
const printRequest = (amount: bigint) => ({
  amountMills: amount,
  originZip: '90807',
  destination: '10001',
  date: today(),
  rateCategory: 'FCM-LETTER',
  weightTenthOz: 10,
});

// The failover drill (issue 4, point 8): Vaultmeter on a PostgreSQL primary with an asynchronous
// streaming standby (Debian's PostgreSQL 15: the embedded binaries lack pg_basebackup). The standby
// stops receiving; more items are printed (durability `shipped`: each answer waits until its log
// record is off-site); the primary dies and the standby is promoted. On restart against the
// promoted standby, the modules' rings are ahead of its checkpoints: the missing transactions are
// rolled forward from the shipped log, not discarded.
describe.skipIf(!pgClusterAvailable())('failover to an asynchronous standby that missed the last commits', () => {
  let cluster: PgCluster | null = null;
  let sys: TestSystem | null = null;
  let after: TestSystem | null = null;
  afterAll(async () => {
    await after?.stop();
    await sys?.stop();
    await cluster?.stop();
  });

  it('rolls the missing transactions forward from the shipped log', async () => {
    cluster = await startPgCluster({ synchronous: false });
    const base = { DATABASE_URL: cluster.ownerUrl, VAULTMETER_DURABILITY: 'shipped', VAULTMETER_POOL_SIZE: '0', VAULTMETER_BACKUP_INTERVAL_MS: '0' };
    sys = await startSystem(base);
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    const users = ['fo0', 'fo1', 'fo2'];
    const clients: MeterClient[] = [];
    for (const u of users) {
      const c = await MeterClient.register(diskProfiles, sys.url, u, PW);
      expect((await fundAs(sys.url, sys.officer, u, '100000')).status).toBe(200);
      await c.balance();
      clients.push(c);
    }
    for (const c of clients) await c.print(printRequest(100n));
    await cluster.waitForReplay();
    await cluster.detachStandby();

    // The standby no longer receives: these commits live only on the primary and in the shipped log.
    const missed: PrintedItem[] = [];
    for (let i = 0; i < 5; i++) for (const c of clients) missed.push(await c.print(printRequest(200n + BigInt(i))));
    const before = new Map<string, { ar: bigint; dr: bigint }>();
    for (const c of clients) {
      const b = await c.balance();
      before.set(c.meterId, { ar: b.arMills, dr: b.drMills });
    }
    const standby = await cluster.connect('standby');
    const seen = Number((await standby.query('SELECT count(*) FROM postal.items WHERE item_id = ANY($1)', [missed.map((m) => m.itemId)])).rows[0].count);
    await standby.end();
    expect(seen).toBe(0);

    const env = sys.env;
    const officer = sys.officer;
    await sys.stop(true);
    await cluster.stopPrimary('immediate');
    await cluster.promoteStandby();

    after = await startSystem({ ...base, DATABASE_URL: cluster.standbyUrl, VAULTMETER_HOME: env.VAULTMETER_HOME, PORT: new URL(sys.url).port });
    const db = await after.ownerDb();
    try {
      const kinds = (await auditEvents(db)).map((e) => e.kind);
      expect(kinds).toContain('log_rolled_forward');
      expect(kinds).toContain('checkpoint_rolled_forward');
      expect(kinds).not.toContain('transaction_discarded');
      expect(kinds).not.toContain('module_inhibited');
      const found = Number((await db.query('SELECT count(*) FROM postal.items WHERE item_id = ANY($1)', [missed.map((m) => m.itemId)])).rows[0].count);
      expect(found).toBe(missed.length);
      for (const c of clients) {
        const head = (await db.query('SELECT header FROM postal.txlog WHERE meter_id = $1 ORDER BY version_after DESC LIMIT 1', [c.meterId])).rows[0];
        const h = decodeHeader(head.header)!;
        expect({ ar: h.arAfterMills, dr: h.drAfterMills }).toEqual(before.get(c.meterId));
      }
    } finally {
      await db.end();
    }
    // The customers carry on where they were: same challenge, same registers, no rollback warning.
    for (const c of clients) {
      const again = await MeterClient.login(diskProfiles, users[clients.indexOf(c)]!, PW);
      const item = await again.print(printRequest(300n));
      expect(item.arMills).toBe(before.get(c.meterId)!.ar + 300n);
    }
    expect((await fundAs(after.url, officer, 'fo0', '1000')).status).toBe(200);
    await rm(env.VAULTMETER_HOME!, { recursive: true, force: true }).catch(() => {});
  }, 300_000);
});
