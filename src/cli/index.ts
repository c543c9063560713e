// The operator and customer command line (Node only): one file per command under commands/.
export { buildProgram } from './program.js';
export { Profile, diskProfiles, clientHome, profileExists, endSession, type PrinterProfile, type SessionFile } from './profile.js';
export { carrierFieldsOf, labelFor, mailerIdFromEnv, testLabel, type LabelExtras, type PrinterChoice } from './labels.js';
export { readItemFile, barcodesIn } from './scan.js';
export { decodeBarcodes } from './barcode-reader.js';
export { emit, reportError, DEFAULT_SERVER } from './output.js';
export { progressLine } from './progress.js';
