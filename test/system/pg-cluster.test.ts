import { afterAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { pgClusterAvailable, startPgCluster, type PgCluster, type PgClusterOptions } from './pg-cluster.js';

const count = async (c: pg.Client, table = 't') => Number((await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);
const ids = async (c: pg.Client) => (await c.query('SELECT id FROM t ORDER BY id')).rows.map((r) => Number(r.id));

// A real primary and hot standby (Debian PostgreSQL 15), as production runs it: the helper itself,
// and the failover cases the recovery design has to survive.
describe.skipIf(!pgClusterAvailable())('PostgreSQL primary + streaming standby', () => {
  const clusters: PgCluster[] = [];
  const clients: pg.Client[] = [];
  const start = async (opts?: PgClusterOptions) => {
    const c = await startPgCluster(opts);
    clusters.push(c);
    return c;
  };
  const connect = async (c: PgCluster, which: 'primary' | 'standby') => {
    const client = await c.connect(which);
    client.on('error', () => {}); // the server may be stopped under it
    clients.push(client);
    return client;
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    const results = await Promise.allSettled(clusters.map((c) => c.stop()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });

  it('an asynchronous standby that missed the last commits is promoted without them', async () => {
    const cluster = await start();
    const primary = await connect(cluster, 'primary');
    await primary.query('CREATE TABLE t (id int PRIMARY KEY, note text NOT NULL)');
    await primary.query("INSERT INTO t SELECT g, 'before' FROM generate_series(1, 5) g");
    await cluster.waitForReplay();

    const standby = await connect(cluster, 'standby');
    expect(await ids(standby)).toEqual([1, 2, 3, 4, 5]);
    expect((await standby.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(true);
    await expect(standby.query("INSERT INTO t VALUES (99, 'x')")).rejects.toThrow(/read-only transaction/);

    // Pausing replay alone is not enough: the standby still receives the WAL and replays it all when
    // promoted (next test). Cut streaming as well, so the next commits never leave the primary.
    await cluster.detachStandby();
    await cluster.pauseReplay();
    await primary.query('SET synchronous_commit = off');
    for (let i = 6; i <= 8; i++) await primary.query("INSERT INTO t VALUES ($1, 'after')", [i]);
    expect(await count(primary)).toBe(8);
    await cluster.stopPrimary('immediate');

    await cluster.promoteStandby();
    expect((await standby.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(false);
    expect(await ids(standby)).toEqual([1, 2, 3, 4, 5]);
    await standby.query("INSERT INTO t VALUES (6, 'written on the promoted standby')");
    expect((await standby.query('SELECT note FROM t WHERE id = 6')).rows[0].note).toBe('written on the promoted standby');
  });

  it('pausing replay does not lose commits the standby already received: promotion replays them', async () => {
    const cluster = await start();
    const primary = await connect(cluster, 'primary');
    await primary.query('CREATE TABLE t (id int PRIMARY KEY)');
    await primary.query('INSERT INTO t SELECT generate_series(1, 3)');
    await cluster.waitForReplay();
    const standby = await connect(cluster, 'standby');

    await cluster.pauseReplay();
    await primary.query('INSERT INTO t SELECT generate_series(4, 6)');
    const { lsn } = (await primary.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0];
    // Received (flushed by the WAL receiver) but not applied.
    await expect
      .poll(async () => (await standby.query('SELECT pg_last_wal_receive_lsn() >= $1::pg_lsn AS ok', [lsn])).rows[0].ok, { timeout: 10_000 })
      .toBe(true);
    expect(await count(standby)).toBe(3);
    await cluster.stopPrimary('immediate');

    await cluster.promoteStandby();
    expect(await ids(standby)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('synchronous standby: with remote_apply a committed row is visible on the standby at once', async () => {
    const cluster = await start({ synchronous: true });
    const primary = await connect(cluster, 'primary');
    const standby = await connect(cluster, 'standby');
    const sync = await primary.query('SELECT application_name, sync_state FROM pg_stat_replication');
    expect(sync.rows).toEqual([{ application_name: cluster.standbyName, sync_state: 'sync' }]);

    await primary.query('SET synchronous_commit = remote_apply');
    await primary.query('CREATE TABLE t (id int PRIMARY KEY)');
    for (let i = 1; i <= 20; i++) {
      await primary.query('INSERT INTO t VALUES ($1)', [i]);
      // No waiting: the commit returned only after the standby applied it.
      expect(await count(standby)).toBe(i);
    }

    // And a synchronous standby, promoted after the primary crashes, has every acknowledged commit.
    await cluster.stopPrimary('immediate');
    await cluster.promoteStandby();
    expect(await count(standby)).toBe(20);
    await standby.query('INSERT INTO t VALUES (21)');
  });
});
