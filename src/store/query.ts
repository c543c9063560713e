import type pg from 'pg';
import type { Db, Tx } from './db.js';

/** Anything a repository can run a statement on: the pool, a transaction, a lone client. */
export type Q = Db | Tx | pg.Client | pg.ClientBase;
