import { fail } from '../errors.js';
import { MODULE_OPS, PACKAGE_OPS, type ArgsOf, type BatchOp, type ModuleOp, type PackageOp } from './messages.js';

// The module's process boundary: a frame's args are checked against its op's shape before any
// handler sees them, so handlers work on typed values. Shapes only: the engine still checks the
// contents (hex lengths, amounts, MACs) and answers with its own codes.

type Check = (v: unknown) => boolean;
type Shape = Readonly<Record<string, Check>>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str: Check = (v) => typeof v === 'string';
const optional =
  (c: Check): Check =>
  (v) =>
    v === undefined || c(v);
const any: Check = () => true;
/** A field the module computes itself: a caller that sends one is refused, not quietly ignored. */
const absent: Check = (v) => v === undefined;
const ref: Check = (v) => isObject(v) && str(v.meterId) && str(v.version) && str(v.sealed);
const logPosition: Check = optional((v) => isObject(v) && str(v.seq) && str(v.hash));
const records: Check = (v) => Array.isArray(v) && v.every((r) => isObject(r));
const strings =
  (...fields: readonly string[]): Check =>
  (v) =>
    isObject(v) && fields.every((f) => str(v[f]));
const ACH_HEADER_FIELDS = [
  'immediateDestination',
  'immediateOrigin',
  'destinationName',
  'originName',
  'companyName',
  'companyId',
  'entryDescription',
  'odfi',
  'effectiveDate',
  'fileIdModifier',
  'createdAt',
] as const;
const ACH_ENTRY_FIELDS = [
  'username',
  'meterId',
  'requestId',
  'debitAuthorization',
  'bankAccountId',
  'sealedBase64',
  'routing',
  'accountType',
  'holderName',
  'individualId',
  'amountMills',
  'traceNumber',
] as const;
const achEntry = strings(...ACH_ENTRY_FIELDS);
const chunk: Shape = { backupId: str, index: (v) => typeof v === 'number', last: (v) => typeof v === 'boolean', data: str };

/**
 * Every package op carries the stored checkpoint (checked by the ring itself), optional log detail,
 * the acting officer, and ledger effects the server declares (checked against their schemas by the guard).
 */
const guarded = (shape: Shape): Shape => ({ ...shape, checkpoint: any, logExtra: any, effects: any, actor: optional(str) });

/** Per op, without the guarded fields: a batch's ops have the same shapes. */
const PACKAGE_SHAPES: { readonly [K in PackageOp]: Shape } = {
  provision: { licensingZip: str },
  registerBegin: { pkg: ref, clientNonce: str, sandbox: optional((v) => typeof v === 'boolean'), member: optional(str) },
  registerComplete: { pkg: ref, clientPublicKey: str, sealedSecrets: str, member: optional(str) },
  challenge: { pkg: ref, clientNonce: str, member: optional(str) },
  command: {
    pkg: ref,
    op: str,
    challenge: str,
    arMills: str,
    drMills: str,
    params: any,
    mac: str,
    member: optional(str),
    itemBytes: optional(str),
    refusal: optional(isObject),
  },
  fund: { pkg: ref, amountMills: str, authorization: any },
  unlock: { pkg: ref, authorization: any },
  debit: {
    pkg: ref,
    requestId: str,
    action: (v) => v === 'settle' || v === 'return' || v === 'cancel',
    returnCode: optional(str),
    paymentIntentId: optional(str),
  },
  revoke: { pkg: ref, reason: str, authorization: any },
  care: { pkg: ref, act: str, amountMills: optional(str), reason: str, authorization: any },
  audit: { pkg: ref },
  log: { action: str, meterId: optional(str) },
};

const SHAPES: { readonly [K in ModuleOp]: Shape } = {
  info: {},
  provision: guarded(PACKAGE_SHAPES.provision),
  registerBegin: guarded(PACKAGE_SHAPES.registerBegin),
  registerComplete: guarded(PACKAGE_SHAPES.registerComplete),
  challenge: guarded(PACKAGE_SHAPES.challenge),
  command: guarded(PACKAGE_SHAPES.command),
  fund: guarded(PACKAGE_SHAPES.fund),
  unlock: guarded(PACKAGE_SHAPES.unlock),
  debit: guarded(PACKAGE_SHAPES.debit),
  revoke: guarded(PACKAGE_SHAPES.revoke),
  care: guarded(PACKAGE_SHAPES.care),
  audit: guarded(PACKAGE_SHAPES.audit),
  log: guarded(PACKAGE_SHAPES.log),
  recover: { checkpoint: any, log: logPosition },
  reseed: { checkpoint: any, log: logPosition, authorization: any },
  batch: { checkpoint: any, ops: Array.isArray },
  installRates: { bundle: isObject, authorization: any },
  rates: { sha256: optional(str) },
  sealBankAccount: { username: str, meterId: str, bankAccountId: str, routing: str, accountNumber: str },
  sealTaxId: { meterId: str, licenseNumber: str, taxId: str },
  buildAchFile: { header: strings(...ACH_HEADER_FIELDS), entries: (v) => Array.isArray(v) && v.every(achEntry) },
  openLog: { records },
  sealBackupChunk: chunk,
  openBackupChunk: chunk,
  certifyOfficer: { user: str, role: str, publicKey: str, authorization: any },
  removeOfficer: { user: str, authorization: any },
  removedOfficers: {},
  halt: { reason: str },
  confirm: { checkpoint: isObject },
  journal: { after: (v) => isObject(v) && str(v.seq) && str(v.hash) },
  journalOfMeter: { meterId: str, afterVersion: str },
  journalShipped: { at: (v) => isObject(v) && str(v.seq) && str(v.hash) },
  clearHalt: { authorization: any },
  beginBackup: { backupId: str, home: str },
  beginReport: { reportId: str, day: str, issue: Number.isSafeInteger, previous: (v) => typeof v === 'boolean' },
  reportPrevious: { reportId: str, text: str, last: (v) => typeof v === 'boolean' },
  reportRecords: { reportId: str, records: (v) => Array.isArray(v) && v.every((r) => isObject(r) && str(r.header) && str(r.body)) },
  finishReport: { reportId: str },
  reportPart: { reportId: str, kind: str, offset: Number.isSafeInteger },
  signBackup: {
    backupId: str,
    tables: (v) => Array.isArray(v) && v.every(str),
    sha256: absent,
    createdAt: absent,
    logPosition: absent,
    chunks: absent,
  },
};

function check(what: string, shape: Shape, raw: unknown): void {
  if (!isObject(raw)) fail('invalid_request', `${what}: the arguments must be an object`);
  for (const [field, ok] of Object.entries(shape)) {
    if (!ok(raw[field]))
      fail(
        'invalid_request',
        ok === absent ? `${what}: ${field} is the module's to compute, not the caller's` : `${what}: ${field} is missing or of the wrong type`,
      );
  }
}

export function isModuleOp(op: unknown): op is ModuleOp {
  return typeof op === 'string' && (MODULE_OPS as readonly string[]).includes(op);
}

/** A frame's args as its op's type, or invalid_request. */
export function validateArgs<K extends ModuleOp>(op: K, raw: unknown): ArgsOf<K> {
  check(op, SHAPES[op], raw ?? {});
  return (raw ?? {}) as ArgsOf<K>;
}

/** One op of a batch as a typed value, or invalid_request (answered for that op alone). */
export function validateBatchOp(raw: { readonly op: unknown; readonly args: unknown }): BatchOp {
  const op = raw.op;
  if (typeof op !== 'string' || !(PACKAGE_OPS as readonly string[]).includes(op)) fail('invalid_request', `${String(op)} cannot be batched`);
  check(op, PACKAGE_SHAPES[op as PackageOp], raw.args);
  return raw as BatchOp;
}
