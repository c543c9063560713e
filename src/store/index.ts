export { createDb, inTransaction, type Db, type Tx } from './db.js';
export { startEmbedded, type EmbeddedDatabase } from './embedded.js';
export { migrate, ensureAppRole, appUrlFrom, APP_ROLE } from './migrate.js';
export * as repo from './repo.js';
export { deferWrites, discardDeferred, flushWrites } from './write-behind.js';
