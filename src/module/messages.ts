import type { LedgerEffect, ReportKind } from '../ledger/index.js';
// The module's framed protocol: one JSON message per frame, bytes as base64 or hex strings, money as
// strings of integer mills. Shared by the module process and the API server's module client.

/** A sealed package as stored in postal.meters. */
export interface SealedRef {
  readonly meterId: string;
  readonly version: string;
  /** base64 */
  readonly sealed: string;
}

export type { ResponseWire } from '../protocol/index.js';
import type { ResponseWire } from '../protocol/index.js';

export interface MacdResponse {
  readonly response: ResponseWire;
  /** hex */
  readonly responseMac: string;
}

export interface ModuleInfo {
  readonly serial: string;
  readonly certPem: string;
  readonly caCertPem: string;
}

export interface ProvisionArgs {
  readonly licensingZip: string;
}
export interface ProvisionResult {
  readonly meterId: string;
  readonly certSerialHex: string;
  readonly certificatePem: string;
  readonly package: SealedRef;
}

export interface RegisterBeginArgs {
  readonly pkg: SealedRef;
  readonly clientNonce: string;
  /** Test mode asked for: the client's sealed request at registerComplete must say the same. */
  readonly sandbox?: boolean;
  /** A member accepting an invitation to this meter's account, in place of the owner registering. */
  readonly member?: string;
}
export interface RegisterBeginResult {
  readonly package: SealedRef;
  readonly ephemeralPublicKey: string;
  readonly proofSignature: string;
  readonly moduleSerial: string;
  readonly moduleCertPem: string;
  readonly meterCertSerialHex: string;
}

export interface RegisterCompleteArgs {
  readonly pkg: SealedRef;
  readonly clientPublicKey: string;
  readonly sealedSecrets: string;
  /** A member accepting an invitation (see RegisterBeginArgs.member). */
  readonly member?: string;
}

export interface ChallengeArgs {
  readonly pkg: SealedRef;
  readonly clientNonce: string;
  /** A member of the account asks, with its own credentials; absent: the owner. */
  readonly member?: string;
}

export interface CommandArgs {
  readonly pkg: SealedRef;
  readonly op: string;
  readonly challenge: string;
  readonly arMills: string;
  readonly drMills: string;
  readonly params: Record<string, string>;
  readonly mac: string;
  /** A member of the account speaks (its MAC key, its challenge, its role); absent: the owner. */
  readonly member?: string;
  /** base64 item bytes, for a refund: the module checks their signature itself. */
  readonly itemBytes?: string;
  /** A refusal the API server decided: checked like any command (MAC, challenge), then refused; see refusal.ts. */
  readonly refusal?: { readonly code: string; readonly message: string };
}

export interface CommandResult extends MacdResponse {
  readonly package: SealedRef;
  /** base64, for a print */
  readonly item?: string;
  /** Set when the command was authenticated but refused; the package still rotates the challenge. */
  readonly error?: { readonly code: string; readonly message: string; readonly extra?: Record<string, unknown> };
}

export interface FundArgs {
  readonly pkg: SealedRef;
  readonly amountMills: string;
  /** The acting officer's signed statement (protocol/officer-statement.ts); the engine checks it. */
  readonly authorization?: unknown;
  /** Must be the officer who signed. */
  readonly actor?: string;
}
export interface FundResult {
  readonly package: SealedRef;
  readonly arMills: string;
  readonly drMills: string;
  readonly controlTotalMills: string;
}

/** An ACH debit settles (value download after the hold) or is returned by the bank (R01, R02, ...). */
export interface DebitArgs {
  readonly pkg: SealedRef;
  readonly requestId: string;
  /** `cancel`: a card payment failed before settlement (a pending card debit only; nothing is owed). */
  readonly action: 'settle' | 'return' | 'cancel';
  /** R01 to R99 for the bank's return; card_* (card_declined, card_disputed, card_refunded, ...) for a card payment. */
  readonly returnCode?: string;
  /** The card processor's payment (a Stripe PaymentIntent id), for the ledger; the module does not interpret it. */
  readonly paymentIntentId?: string;
}
/** `cancelled`: returned (or a card payment failed) before settlement; `owed`: returned after, the meter is suspended. */
export type DebitOutcome = 'settled' | 'cancelled' | 'owed';
export interface DebitResult {
  readonly package: SealedRef;
  readonly outcome: DebitOutcome;
  readonly amountMills: string;
  readonly owedMills: string;
  readonly state: string;
  readonly arMills: string;
  readonly drMills: string;
}

export interface UnlockArgs {
  readonly pkg: SealedRef;
  /** A security officer's `unlock_meter` statement {meterId}. */
  readonly authorization?: unknown;
  readonly actor?: string;
}
export interface RevokeArgs {
  readonly pkg: SealedRef;
  readonly reason: string;
  /** A security officer's `revoke_meter` statement {meterId, reason}. */
  readonly authorization?: unknown;
  readonly actor?: string;
}
/** Customer care's dual-control acts on a meter (src/module/care-desk.ts). */
export type CareAct = 'reset_password' | 'adjust_balance' | 'close_account';
export interface CustomerCareArgs {
  readonly pkg: SealedRef;
  readonly act: string;
  /** adjust_balance: the signed change in mills ("-1500" takes value out). */
  readonly amountMills?: string;
  readonly reason: string;
  /** Two officers' statement {meterId, reason[, amountMills]}, at least one a security officer. */
  readonly authorization?: unknown;
  readonly actor?: string;
}
export interface CustomerCareResult {
  readonly package: SealedRef;
  readonly act: CareAct;
  readonly state: string;
  readonly arMills: string;
  readonly drMills: string;
  /** adjust_balance: the signed change; close_account: the refund the customer is owed; else "0". */
  readonly amountMills: string;
  /** What the customer still owes for returned debits, after a closure nets the balance against it. */
  readonly owedMills: string;
  /** The officers whose signatures the module checked. */
  readonly officers: readonly string[];
  /** close_account: the whole balance taken out of dr (the refund plus what was netted against the debt). */
  readonly balanceMills?: string;
  /** reset_password: the module-drawn password, sealed to the client MAC key under this nonce. */
  readonly resetNonce?: string;
  readonly sealedPassword?: string;
}
export interface CareResult {
  readonly package: SealedRef;
  readonly state: string;
}

export interface CertifyOfficerArgs {
  readonly user: string;
  readonly role: string;
  /** base64 SPKI of the officer's P-256 key */
  readonly publicKey: string;
  /** Two security officers' signatures over `certify_officer` {user, role, publicKey: SHA-256 of the SPKI, hex}. */
  readonly authorization: unknown;
}
export interface CertifyOfficerResult {
  readonly certificatePem: string;
  readonly authorizedBy: readonly string[];
}

export interface SealTaxIdArgs {
  readonly meterId: string;
  readonly licenseNumber: string;
  readonly taxId: string;
}
export interface SealTaxIdResult {
  readonly sealedBase64: string;
  readonly last4: string;
}

export interface RemovedOfficer {
  readonly user: string;
  readonly removedAt: string;
}

export interface AuditArgs {
  readonly pkg: SealedRef;
}
export interface AuditResult {
  readonly package: SealedRef;
  /** base64 canonical report bytes */
  readonly report: string;
  /** hex DER ECDSA signature by the module identity key */
  readonly signature: string;
  readonly moduleCertPem: string;
  readonly fields: Record<string, string>;
}

/** A log record as a module hands it out: its number and hash, hex header, base64 sealed body. */
export interface LogRecordWire {
  readonly seq: string;
  readonly hash: string;
  readonly header: string;
  readonly body: string;
}

/** The module's signature over its log's head after a dispatch. */
export interface SignedHeadWire {
  readonly logId: string;
  readonly seq: string;
  readonly hash: string;
  readonly signature: string;
}

/** An operator action (or any change without a package) for the module to seal into its log. */
export interface LogArgs {
  readonly action: string;
  readonly meterId?: string;
}

export interface OpenLogArgs {
  readonly records: readonly { readonly header: string; readonly body: string; readonly hash?: string; readonly logId?: string }[];
}
export interface OpenLogResult {
  readonly bodies: readonly Record<string, unknown>[];
}

export interface BackupChunkArgs {
  readonly backupId: string;
  readonly index: number;
  readonly last: boolean;
  /** base64: plain bytes to seal, or sealed bytes to open */
  readonly data: string;
}

export interface BeginBackupArgs {
  readonly backupId: string;
  /** base64 of the backup's home line (with its newline): its digest covers it first */
  readonly home: string;
}

/** Begin a day's provider reports; `previous`: the previous day's inventory follows (reportPrevious), else every log starts at its first record. */
export interface BeginReportArgs {
  readonly reportId: string;
  readonly day: string;
  readonly issue: number;
  readonly previous: boolean;
}
export interface ReportPreviousArgs {
  readonly reportId: string;
  readonly text: string;
  readonly last: boolean;
}
export interface ReportRecordsArgs {
  readonly reportId: string;
  /** hex header, base64 body: each log's records in sequence order */
  readonly records: readonly { readonly header: string; readonly body: string }[];
}
export interface FinishReportArgs {
  readonly reportId: string;
}
export interface FinishReportResult {
  readonly reports: readonly { readonly kind: ReportKind; readonly chars: number; readonly sha256: string }[];
}
export interface ReportPartArgs {
  readonly reportId: string;
  readonly kind: ReportKind;
  readonly offset: number;
}
export interface ReportPartResult {
  readonly text: string;
  /** where the next piece starts, null after the last */
  readonly next: number | null;
}

export interface SignBackupArgs {
  readonly backupId: string;
  /** Every table the snapshot covers, with rows or without: the module counts the rows itself. */
  readonly tables: readonly string[];
}

/** What a backup's signature covers: the module computed all of it while sealing the backup. */
export interface BackupManifestFields {
  readonly backupId: string;
  /** hex SHA-256 of the home line and the chunk frames */
  readonly sha256: string;
  readonly createdAt: string;
  /** log id -> last sequence number the backup covers */
  readonly logPosition: Readonly<Record<string, string>>;
  /** table -> rows, and how many sealed chunks: signed too, so neither can be edited */
  readonly tables: Readonly<Record<string, number>>;
  readonly chunks: number;
}

export interface SignBackupResult extends BackupManifestFields {
  readonly signature: string;
  readonly signer: string;
}

/** A checkpoint as stored in postal.modules: the encoded record and its MAC, hex. */
export interface CheckpointWire {
  readonly record: string;
  readonly mac: string;
}

/** Every op that writes a package is checked against, and advances, the module's checkpoint. */
type Guarded<A, R> = [
  A & {
    readonly checkpoint: CheckpointWire | null;
    readonly logExtra?: unknown;
    /** Ledger effects the API server declares (a log op, a registration's claim); the guard checks them. */
    readonly effects?: readonly LedgerEffect[];
    /** The officer who acts (fund, audit): it goes into the op's ledger effect. */
    readonly actor?: string;
  },
  R & { readonly checkpoint: CheckpointWire; readonly logRecord: LogRecordWire; readonly logHead: SignedHeadWire },
];

export interface ModuleStatus extends ModuleInfo {
  readonly checkpoint: CheckpointWire;
  readonly inhibited: { readonly at: string; readonly reason: string } | null;
  readonly halted: { readonly at: string; readonly reason: string } | null;
  readonly ring: Record<string, string | number>[];
}

export interface RecoverResult {
  readonly outcome: 'current' | 'recovered' | 'inhibited' | 'rolled_forward';
  /** For rolled_forward: the checkpoint the database must now store. */
  readonly checkpoint?: CheckpointWire;
  /** The ring entries newer than the database's checkpoint, dropped by the recovery. */
  readonly discarded: Record<string, string | number>[];
  readonly reason?: string;
  /** For inhibited: the meters the module's journal shows, with their last registers (those the database lacks are held). */
  readonly unproven?: UnprovenMeter[];
}

export interface LogPositionWire {
  readonly seq: string;
  readonly hash: string;
}

export interface JournalResult {
  readonly records: LogRecordWire[];
  /** No committed record left after the last one. */
  readonly complete: boolean;
  /** The module's signature over the page's last record. */
  readonly head?: SignedHeadWire;
}

export interface JournalShippedResult {
  readonly dropped: number;
  /** What the journal still holds. */
  readonly records: number;
  readonly bytes: number;
}

/** A meter the module's set-aside journal shows, with the last registers it proves. */
export interface UnprovenMeter {
  readonly meterId: string;
  readonly version: string;
  readonly arMills: string;
  readonly drMills: string;
  readonly logSeq: string;
}

export interface ReseedResult {
  readonly checkpoint: CheckpointWire;
  /** When the journal could not complete the database: the meters it showed, to be suspended. */
  readonly unproven?: UnprovenMeter[];
  /** Where the module kept that journal. */
  readonly evidence?: string;
}

export interface BatchArgs {
  readonly checkpoint: CheckpointWire | null;
  /** Untyped on the wire (the server builds them generically); the module checks each as a BatchOp. */
  readonly ops: readonly { readonly op: PackageOp; readonly args: Record<string, unknown> }[];
}

/** One op of a batch: an op name and that op's arguments (without a checkpoint: the batch has one). */
export type BatchOp = { readonly [K in PackageOp]: { readonly op: K; readonly args: Omit<ArgsOf<K>, 'checkpoint'> } }[PackageOp];

export type BatchItemResult =
  | { readonly ok: true; readonly result: Record<string, unknown>; readonly logRecord: LogRecordWire }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string; readonly extra?: Record<string, unknown> } };

export interface BatchResult {
  readonly results: readonly BatchItemResult[];
  /** The stored checkpoint must become this when the batch commits (the head, unchanged, if every op failed). */
  readonly checkpoint: CheckpointWire;
  /** Absent when no op of the batch succeeded. */
  readonly logHead?: SignedHeadWire;
}

export interface InstalledRates {
  readonly tableId: string;
  readonly effective: string;
  readonly sha256: string;
  /** False when the module already held exactly this bundle. */
  readonly installed: boolean;
  readonly authorizedBy: readonly string[];
}

export interface RateBundleWire {
  readonly sha256: string;
  readonly tableId: string;
  readonly effective: string;
  /** Only when asked for by its sha256. */
  readonly bundle?: unknown;
}

/** A customer's bank account number to seal: the module checks it and answers only the sealed blob and the last four. */
export interface SealBankAccountArgs {
  readonly username: string;
  /** The customer's meter: bound into the seal, so only that meter's funding requests open it. */
  readonly meterId: string;
  /** uuid */
  readonly bankAccountId: string;
  /** 9 digits; bound into the seal with the user name and the account id */
  readonly routing: string;
  readonly accountNumber: string;
}
export interface SealBankAccountResult {
  /** base64 of the envelope, as membership.bank_accounts.sealed holds it */
  readonly sealedBase64: string;
  readonly last4: string;
}

/** The file and batch headers of a one-batch PPD debit file (payments/nacha-build.ts has the layout). */
export interface AchFileHeaderWire {
  /** 9-digit routing number of the bank receiving the file */
  readonly immediateDestination: string;
  /** 1 to 10 characters: usually the company id or ' ' + a routing number */
  readonly immediateOrigin: string;
  readonly destinationName: string;
  readonly originName: string;
  readonly companyName: string;
  readonly companyId: string;
  readonly entryDescription: string;
  /** 9-digit routing number of the originating bank; trace numbers start with its first 8 digits */
  readonly odfi: string;
  /** YYMMDD or YYYY-MM-DD */
  readonly effectiveDate: string;
  /** A-Z or 0-9 */
  readonly fileIdModifier: string;
  /** ISO 8601: the caller's clock (the file header's creation date and time, UTC) */
  readonly createdAt: string;
}

/** One debit: a stored bank account (its sealed number, opened only inside the module) and the amount. */
export interface AchEntryWire {
  readonly username: string;
  /** The meter whose customer asked for this debit, and the request: the module checks both. */
  readonly meterId: string;
  readonly requestId: string;
  /** base64: the module's seal over the request's terms, issued when the customer's MAC'd fund_request was accepted. */
  readonly debitAuthorization: string;
  readonly bankAccountId: string;
  readonly sealedBase64: string;
  readonly routing: string;
  readonly accountType: 'checking' | 'savings';
  readonly holderName: string;
  /** up to 15 characters (e.g. the funding request) */
  readonly individualId: string;
  /** integer mills, whole cents */
  readonly amountMills: string;
  /** 15 digits starting with the ODFI's first 8 */
  readonly traceNumber: string;
}

export interface BuildAchFileArgs {
  readonly header: AchFileHeaderWire;
  readonly entries: readonly AchEntryWire[];
}
export interface BuildAchFileResult {
  /** the NACHA file, 94-character records, LF line endings */
  readonly text: string;
  /** SHA-256 of the text's UTF-8 bytes */
  readonly sha256Hex: string;
  readonly entryCount: number;
  readonly totalMills: string;
  /** hex DER ECDSA by the module identity key ('ach-file') over achFileStatement(...) */
  readonly signatureDerHex: string;
  /** the signing module's serial */
  readonly signer: string;
}

export interface ModuleOps {
  info: [Record<string, never>, ModuleStatus];
  provision: Guarded<ProvisionArgs, ProvisionResult>;
  registerBegin: Guarded<RegisterBeginArgs, RegisterBeginResult>;
  registerComplete: Guarded<RegisterCompleteArgs, CommandResult>;
  challenge: Guarded<ChallengeArgs, CommandResult>;
  command: Guarded<CommandArgs, CommandResult>;
  fund: Guarded<FundArgs, FundResult>;
  unlock: Guarded<UnlockArgs, CareResult>;
  debit: Guarded<DebitArgs, DebitResult>;
  revoke: Guarded<RevokeArgs, CareResult>;
  care: Guarded<CustomerCareArgs, CustomerCareResult>;
  audit: Guarded<AuditArgs, AuditResult>;
  log: Guarded<LogArgs, Record<string, never>>;
  recover: [{ readonly checkpoint: CheckpointWire | null; readonly log?: { readonly seq: string; readonly hash: string } }, RecoverResult];
  /** `log`: with no checkpoint, continue this module's log after this record (a module restored from the vault). */
  /** `authorization`: two security officers' `reinstate_module` statement, unless the ring is new (a restored module). */
  reseed: [
    { readonly checkpoint: CheckpointWire | null; readonly log?: { readonly seq: string; readonly hash: string }; readonly authorization?: unknown },
    ReseedResult,
  ];
  /** The server committed this checkpoint (sent before any answer of its batch is released). */
  confirm: [{ readonly checkpoint: CheckpointWire }, { readonly confirmedSeq: string }];
  /** A page of the journal's committed records after the database's log position (a roll-forward). */
  journal: [{ readonly after: LogPositionWire }, JournalResult];
  /** One meter's committed records in the journal, newer than a package version (a row put back). */
  journalOfMeter: [{ readonly meterId: string; readonly afterVersion: string }, { readonly records: LogRecordWire[] }];
  /** The shipper has this module's log off-site up to `at`: the journal drops what it held up to there. */
  journalShipped: [{ readonly at: LogPositionWire }, JournalShippedResult];
  batch: [BatchArgs, BatchResult];
  openLog: [OpenLogArgs, OpenLogResult];
  beginBackup: [BeginBackupArgs, Record<string, never>];
  sealBackupChunk: [BackupChunkArgs, { readonly sealed: string }];
  openBackupChunk: [BackupChunkArgs, { readonly data: string }];
  signBackup: [SignBackupArgs, SignBackupResult];
  /** Provider reports: a module folds the day's log records (which it opens itself) into four signed reports. */
  beginReport: [BeginReportArgs, Record<string, never>];
  reportPrevious: [ReportPreviousArgs, Record<string, never>];
  /** `ended`: the logs on which a record of the next day was seen. */
  reportRecords: [ReportRecordsArgs, { readonly ended: readonly string[] }];
  finishReport: [FinishReportArgs, FinishReportResult];
  reportPart: [ReportPartArgs, ReportPartResult];
  certifyOfficer: [CertifyOfficerArgs, CertifyOfficerResult];
  /** Two security officers' `remove_officer` statement: the module refuses the name's signatures for good (`removed`: false when it had already). */
  removeOfficer: [
    { readonly user: string; readonly authorization: unknown },
    RemovedOfficer & { readonly removed: boolean; readonly authorizedBy: readonly string[] },
  ];
  /** The officers this module refuses. */
  removedOfficers: [Record<string, never>, { readonly officers: readonly RemovedOfficer[] }];
  /** Hold the system halt: package ops are refused (`system_halted`) until it is cleared. */
  halt: [{ readonly reason: string }, { readonly halted: true }];
  /** Two security officers' `clear_halt` statement, checked and spent; then the module's halt is cleared. */
  clearHalt: [{ readonly authorization: unknown }, { readonly authorizedBy: readonly string[] }];
  /** Two security officers' `install_rates` statement over a rate bundle's SHA-256: the module keeps the bundle and prices postage with it. */
  installRates: [{ readonly bundle: unknown; readonly authorization: unknown }, InstalledRates];
  /** The rate bundles the module prices with: a summary of each, or with `sha256`, that one bundle as installed. */
  rates: [{ readonly sha256?: string }, { readonly bundles: readonly RateBundleWire[] }];
  /** Seal a customer's bank account number (no ledger effect of its own: the server declares `bank_account_added` with the blob). */
  sealBankAccount: [SealBankAccountArgs, SealBankAccountResult];
  /** Seal a licensed customer's tax id (no ledger effect of its own: the server declares `license_issued` with the blob). */
  sealTaxId: [SealTaxIdArgs, SealTaxIdResult];
  /** Open each entry's sealed account number, build a PPD debit file, validate it, and sign it. */
  buildAchFile: [BuildAchFileArgs, BuildAchFileResult];
}

export type ModuleOp = keyof ModuleOps;
export type ArgsOf<K extends ModuleOp> = ModuleOps[K][0];
export type ResultOf<K extends ModuleOp> = ModuleOps[K][1];
/** One handler per op: adding an op is one entry in ModuleOps and one in each table that must know it. */
export type OpTable = { readonly [K in ModuleOp]: (args: ArgsOf<K>) => Promise<ResultOf<K>> };
export const PACKAGE_OPS = [
  'provision',
  'registerBegin',
  'registerComplete',
  'challenge',
  'command',
  'fund',
  'debit',
  'unlock',
  'revoke',
  'care',
  'audit',
  'log',
] as const;
export type PackageOp = (typeof PACKAGE_OPS)[number];
/** Ops with the log key that leave the ring alone: they run beside the serial queue. */
export const VAULT_OPS = ['openLog', 'beginBackup', 'sealBackupChunk', 'openBackupChunk', 'signBackup'] as const;
/** Ops that make provider reports from log records: they leave the ring alone and run beside the serial queue. */
export const REPORT_OPS = ['beginReport', 'reportPrevious', 'reportRecords', 'finishReport', 'reportPart'] as const;
/** Ops with the package key's customer-field subkey that leave the ring alone: they run beside the serial queue. */
export const BANK_OPS = ['sealBankAccount', 'buildAchFile', 'sealTaxId'] as const;
export const MODULE_OPS: readonly ModuleOp[] = [
  'info',
  ...PACKAGE_OPS,
  'recover',
  'reseed',
  'batch',
  ...VAULT_OPS,
  ...REPORT_OPS,
  'certifyOfficer',
  'removeOfficer',
  'removedOfficers',
  'halt',
  'clearHalt',
  'installRates',
  'rates',
  ...BANK_OPS,
  'confirm',
  'journal',
  'journalOfMeter',
  'journalShipped',
];

/** Client meter commands that travel through `command`. */
export const CLIENT_OPS = ['login', 'balance', 'print', 'refund', 'withdraw', 'password', 'fund_request', 'api_key', 'test_fund'] as const;
export type ClientOp = (typeof CLIENT_OPS)[number];
