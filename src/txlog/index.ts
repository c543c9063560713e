export { cutNextSegment, segmentBytes, segmentOf, type CutPolicy } from './segment-cutter.js';
export { Shipper, putOnce, ShippedLogConflict, AUDIT_POSITION, SHIPPED_CHANNEL, COMMITTED_CHANNEL, type ShipperOptions, type PassReport } from './shipper.js';
export { checkContinuity, type ContinuityBreak, type ChangeRef } from './continuity.js';
export { parseTarget, DirectoryTarget, S3Target } from './targets/index.js';
export { createBackup, pruneBackups, backupTables, type BackupResult } from './backup.js';
export { verifiedBackup, restoreSnapshot } from './restore.js';
export { replayLog, adoptShippedSegments, type ReplayProgress, type ReplayReport } from './replay.js';
export { rollForward, type RollForwardDeps } from './roll-forward.js';
export { ShippedWaiter } from './shipped-wait.js';
