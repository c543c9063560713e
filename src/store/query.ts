import type pg from 'pg';
import type { Db, Tx } from './db.js';

/** Anything a repository can run a statement on: the pool, a transaction, a lone client. */
export type Q = Db | Tx | pg.Client | pg.ClientBase;

/** What a batch writer sends its statements through: a transaction's client. */
export interface SqlRunner {
  query(sql: string, params: unknown[]): Promise<{ rowCount: number | null; rows: unknown[] }>;
}
