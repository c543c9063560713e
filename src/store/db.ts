import pg from 'pg';
import { DB_CONNECT_TIMEOUT_MS, DB_POOL_SIZE, DB_STATEMENT_TIMEOUT_MS } from '../constants.js';
import { databaseUnavailable, isConnectionError } from './connection-errors.js';

// bigint columns come back as strings by default; money must never pass through a float.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => BigInt(v));

export type Db = pg.Pool;
export type Tx = pg.PoolClient;

export interface DbOptions {
  /** `remote_apply`: a commit returns only once a synchronous standby has applied it (`replica` durability). */
  readonly synchronousCommit?: 'on' | 'remote_apply';
  /** Told of every connection the database dropped (default: a line on stderr). */
  readonly onConnectionError?: (e: Error) => void;
}

const logLost = (e: Error) => process.stderr.write(`[db] a database connection was lost: ${e.message}\n`);

/**
 * A pool that survives the database going away: a dropped connection is an error event on its
 * client, which without a listener would kill the process. Idle or checked out, the client is
 * dropped from the pool and the next request opens a new connection; a connection that cannot be
 * opened fails fast (DB_CONNECT_TIMEOUT_MS) as `database_unavailable`.
 */
export function createDb(url: string, max = DB_POOL_SIZE, o: DbOptions = {}): Db {
  const options = o.synchronousCommit ? `-c synchronous_commit=${o.synchronousCommit}` : undefined;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    statement_timeout: DB_STATEMENT_TIMEOUT_MS,
    connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS,
    ...(options ? { options } : {}),
  });
  const onLost = o.onConnectionError ?? logLost;
  pool.on('error', onLost); // an idle client lost; the pool has already removed it
  pool.on('connect', (client) => client.on('error', onLost)); // a checked-out client lost; its release removes it
  return pool;
}

/**
 * Run `fn` in one transaction; commit only if it returns, roll back on any throw. A lost
 * connection fails as `database_unavailable`, and the connection is not returned to the pool.
 */
export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const tx = await db.connect().catch((e: unknown) => {
    throw isConnectionError(e) ? databaseUnavailable(e) : e;
  });
  let broken = false;
  let committing = false;
  try {
    await tx.query('BEGIN');
    const out = await fn(tx);
    committing = true;
    await tx.query('COMMIT');
    return out;
  } catch (e) {
    broken = isConnectionError(e);
    if (broken) throw databaseUnavailable(e, { committing });
    await tx.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    tx.release(broken);
  }
}
