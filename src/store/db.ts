import pg from 'pg';
import { DB_POOL_SIZE, DB_STATEMENT_TIMEOUT_MS } from '../constants.js';

// bigint columns come back as strings by default; money must never pass through a float.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => BigInt(v));

export type Db = pg.Pool;
export type Tx = pg.PoolClient;

export function createDb(url: string, max = DB_POOL_SIZE): Db {
  return new pg.Pool({ connectionString: url, max, statement_timeout: DB_STATEMENT_TIMEOUT_MS });
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
