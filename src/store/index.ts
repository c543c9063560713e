export { createDb, inTransaction, type Db, type Tx } from './db.js';
export { startEmbedded, type EmbeddedDatabase } from './embedded.js';
export { migrate, ensureAppRole, appUrlFrom, APP_ROLE } from './migrate.js';
export * as repo from './repo.js';
export type { MeterRow } from './repo.js';
export { BatchWriter, type WriteMode } from './batch-writer.js';
export { applyEffect, APPLIERS, LEDGER_AUDIT_KINDS } from './apply-effect.js';
export { insertLogRecords, packBytes, type LogRecordWrite } from './txlog-rows.js';
export * as txlogRepo from './txlog-repo.js';
