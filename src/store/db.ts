import pg from 'pg';
import { DB_POOL_SIZE, DB_STATEMENT_TIMEOUT_MS } from '../constants.js';

// bigint columns come back as strings by default; money must never pass through a float.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => BigInt(v));

export type Db = pg.Pool;
export type Tx = pg.PoolClient;

export interface DbOptions {
  /** `remote_apply`: a commit returns only once a synchronous standby has applied it (`replica` durability). */
  readonly synchronousCommit?: 'on' | 'remote_apply';
}

export function createDb(url: string, max = DB_POOL_SIZE, o: DbOptions = {}): Db {
  const options = o.synchronousCommit ? `-c synchronous_commit=${o.synchronousCommit}` : undefined;
  return new pg.Pool({ connectionString: url, max, statement_timeout: DB_STATEMENT_TIMEOUT_MS, ...(options ? { options } : {}) });
}

/** Run `fn` in one transaction; commit only if it returns, roll back on any throw. */
export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const tx = await db.connect();
  try {
    await tx.query('BEGIN');
    const out = await fn(tx);
    await tx.query('COMMIT');
    return out;
  } catch (e) {
    await tx.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    tx.release();
  }
}
