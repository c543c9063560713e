// The installation's processes: home and config, init, start, serve, ship, backups and recovery.
export { homeDir, isInitialised, paths, readConfig, writeConfig, type InstallationConfig } from './home.js';
export { initInstallation, createDevPassphrase, freePort, type InitOptions, type InitResult } from './init.js';
export { startSystem, loadPassphrase, type StartOptions, type RunningSystem } from './start.js';
export { runApiServer } from './serve.js';
export { runShipper } from './ship.js';
export { backupNow, backupTarget, backupDue, backupScheduleFromEnv, moduleSockets, readBackupHome, type BackupSchedule } from './backups.js';
export { recoverInstallation, type RecoverOptions, type RecoveryReport } from './recover.js';
export {
  readOfficerCredential,
  signStatement,
  newStatement,
  writeOfficerCredential,
  OfficerCredentialError,
  type OfficerCredential,
} from './officer-credential.js';
export type { BootstrapOfficer } from './bootstrap-officers.js';
export { BUNDLED_RATES_DIR, BUNDLED_ZONES_FILE, initRatesDir, readRateBundle, readRateBundles } from './rate-files.js';
export { stagingRunInstallation } from './staging.js';
