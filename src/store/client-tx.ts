import type pg from 'pg';

/**
 * One transaction on a lone client (not the pool): BEGIN, the work, COMMIT, or ROLLBACK on failure.
 * `asyncCommit` turns synchronous_commit off for it (a replayed batch lost in a crash is replayed again).
 */
export async function inClientTransaction<T>(client: pg.ClientBase, work: () => Promise<T>, opts: { asyncCommit?: boolean } = {}): Promise<T> {
  await client.query('BEGIN');
  try {
    if (opts.asyncCommit) await client.query('SET LOCAL synchronous_commit = off');
    const out = await work();
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}
