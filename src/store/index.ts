export { createDb, inTransaction, type Db, type Tx } from './db.js';
export { startEmbedded, type EmbeddedDatabase } from './embedded.js';
export { migrate, ensureAppRole, appUrlFrom, APP_ROLE } from './migrate.js';
export * as repo from './repo.js';
export { deferWrites, deferredOf, discardDeferred, flushWrites, insertLogRecords, packBytes, type LogRecordWrite } from './write-behind.js';
export * as txlogRepo from './txlog-repo.js';
