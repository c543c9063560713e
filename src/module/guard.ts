import { MAX_BATCH_OPS, MAX_LOG_EXTRA_BYTES, MAX_UNPROVEN_METERS } from '../constants.js';
import type { ModuleCrypto } from '../crypto/index.js';
import { chainRecords, type ChainedRecord, type RecordDraft } from '../ledger/index.js';
import { signHeadAsModule } from '../ledger/index.js';
import { GENESIS_HASH } from '../ledger/index.js';
import { fail, VaultError } from '../errors.js';
import { checkDeclaredEffects, EffectError, effectsOf, EFFECTS_VERSION, type EffectArgs, type EffectResult, type LedgerEffect } from '../ledger/index.js';
import { checkpointToJson, decodeCheckpointRecord, genesis, wireIsAuthentic, type Checkpoint } from './checkpoint.js';
import { registersOf, type MeterEngine, type RegistersBefore } from './engine.js';
import { LogVault } from './log-vault.js';
import { OfficerDesk } from './officer-desk.js';
import { ReportDesk } from './report-desk.js';
import { BankDesk } from './bank-desk.js';
import type * as M from './messages.js';
import { validateBatchOp } from './op-args.js';
import type { LogPosition, Ring, RingEffect } from './ring.js';
import type { Journal } from './journal.js';
import type { RateStore } from './rate-store.js';
import type { OfficerRemovals } from './officer-removals.js';
import { sealTaxId } from './tax-id.js';
import type { MeterPackage } from '../meter/index.js';

/** What a package-writing op did, for the ring: amounts and registers after. */
interface Effect {
  meterId: string;
  type: string;
  amountMills: bigint;
  arMills: bigint;
  drMills: bigint;
  packageVersion: bigint;
}

function commandEffect(r: M.CommandResult): Effect {
  const res = r.response;
  const amount = res.status !== 'ok' ? '0' : res.op === 'print' ? res.result.amountMills : res.op === 'refund' ? res.result.refundedMills : '0';
  return {
    meterId: r.package.meterId,
    type: res.status === 'ok' ? res.op : `${res.op}:${res.status}`,
    amountMills: BigInt(amount ?? '0'),
    arMills: BigInt(res.arMills),
    drMills: BigInt(res.drMills),
    packageVersion: BigInt(r.package.version),
  };
}

/** A package op's answer before the guard adds its checkpoint, log record and head. */
type ActResult<K extends M.PackageOp> = K extends M.PackageOp ? Omit<M.ResultOf<K>, 'checkpoint' | 'logRecord' | 'logHead'> : never;

/** What an actor hands back: the op's answer, its ring effect, and its log record before chaining. */
interface Acted<K extends M.PackageOp = M.PackageOp> {
  result: ActResult<K>;
  effect: Effect;
  draft: RecordDraft;
}

/** The args a package op acts on: the batch's ops carry no checkpoint of their own. */
type ActArgs<K extends M.PackageOp> = Omit<M.ArgsOf<K>, 'checkpoint'>;
/** A package op and its args, as one value: `switch (op)` narrows `args`. */
type ActCall = { readonly [K in M.PackageOp]: { readonly op: K; readonly args: ActArgs<K> } }[M.PackageOp];

/** The server's detail for the log record (who acted, which customer): bounded JSON, or nothing. */
function logExtra(args: { logExtra?: unknown }): unknown {
  if (args.logExtra === undefined) return undefined;
  const text = JSON.stringify(args.logExtra);
  if (text === undefined || Buffer.byteLength(text, 'utf8') > MAX_LOG_EXTRA_BYTES)
    fail('invalid_request', `log detail must be JSON of at most ${MAX_LOG_EXTRA_BYTES} bytes`);
  return args.logExtra;
}

/** Beside a log op's: the one kind of effect a package op may carry declared (a registration's claim, a care act's approval). */
const DECLARED_WITH: Partial<Record<M.ModuleOp, LedgerEffect['kind']>> = { registerBegin: 'customer_claimed', care: 'approval_granted' };

/** Effects the server declares: only for a log op or as DECLARED_WITH says, and only of server-declared kinds. */
function declaredEffects(op: M.ModuleOp, args: { effects?: unknown }): LedgerEffect[] {
  try {
    const declared = checkDeclaredEffects(args.effects);
    if (declared.length && op !== 'log' && !declared.every((d) => d.kind === DECLARED_WITH[op])) {
      fail('invalid_request', `a ${op} op carries no declared effects but ${DECLARED_WITH[op] ?? 'none'}`);
    }
    return declared;
  } catch (e) {
    if (e instanceof EffectError) fail('invalid_request', e.message);
    throw e;
  }
}

/** The ring's view of a package op: its type, amount and registers after. */
function ringEffect(type: string, pkg: M.SealedRef, after: { arMills: bigint; drMills: bigint }, amountMills = 0n): Effect {
  return { meterId: pkg.meterId, type, amountMills, arMills: after.arMills, drMills: after.drMills, packageVersion: BigInt(pkg.version) };
}

/** A credit adjustment is value put in, as a funding is: the ring's funded total counts it (see ring.ts). */
function careRingType(r: M.CustomerCareResult): string {
  if (r.act !== 'adjust_balance') return r.act;
  return r.amountMills.startsWith('-') ? 'adjust_debit' : 'adjust_credit';
}

/** The record's amount: unsigned (a checkpoint amount is), its direction in the type. */
function careRingAmount(r: M.CustomerCareResult): bigint {
  const a = BigInt(r.amountMills);
  return a < 0n ? -a : a;
}

/** An operator action or other change without a package: sealed and chained like the rest. */
function logAct(args: { readonly action: string; readonly meterId?: string }, extra: unknown): Acted {
  const action =
    typeof args.action === 'string' && /^[a-z_]{1,40}$/.test(args.action)
      ? args.action
      : fail('invalid_request', 'a log action is 1 to 40 letters or underscores');
  const meterId = typeof args.meterId === 'string' ? args.meterId : '';
  const effect = { meterId, type: `log:${action}`, amountMills: 0n, arMills: 0n, drMills: 0n, packageVersion: 0n };
  return { result: {}, effect, draft: draftOf(effect, null, { op: 'log', action, extra }) };
}

/** A log record for an effect: registers after from the effect, before from the package handed in (zero for a new meter). */
function draftOf(effect: Effect, before: RegistersBefore | null, body: object): RecordDraft {
  return {
    type: effect.type,
    meterId: effect.meterId,
    versionBefore: before?.version ?? 0n,
    versionAfter: effect.packageVersion,
    arBeforeMills: before?.arMills ?? 0n,
    drBeforeMills: before?.drMills ?? 0n,
    arAfterMills: effect.arMills,
    drAfterMills: effect.drMills,
    body,
  };
}

/**
 * The checkpoint discipline around the engine (the patent's cross-verification): a package op runs
 * only when the database's checkpoint for this module is the ring's newest entry; each op appends
 * an entry, in the module's own state file, before its answer leaves the module. Ops run one at a
 * time, so the ring is a total order of this module's transactions.
 */
export class GuardedModule {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly vault: LogVault;
  private readonly desk: OfficerDesk;
  private readonly bank: BankDesk;
  private readonly reports: ReportDesk;

  constructor(
    private readonly engine: MeterEngine,
    private readonly ring: Ring,
    private readonly journal: Journal,
    private readonly crypto: ModuleCrypto,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
    private readonly rates: RateStore,
    private readonly removals: OfficerRemovals,
  ) {
    this.vault = new LogVault(crypto, { now, logHeadSeq: () => this.ring.head.logSeq });
    this.desk = new OfficerDesk(crypto, now);
    this.bank = new BankDesk(crypto);
    this.reports = new ReportDesk(crypto, { now, logHeadSeq: () => this.ring.head.logSeq });
  }

  /** Every op, one entry each: the vault ops run beside the serial queue, the rest in it. */
  private readonly ops: M.OpTable = {
    info: async () => this.info(),
    openLog: async (a) => this.vault.openLog(a),
    beginBackup: async (a) => this.vault.beginBackup(a),
    sealBackupChunk: async (a) => this.vault.sealBackupChunk(a),
    openBackupChunk: async (a) => this.vault.openBackupChunk(a),
    signBackup: async (a) => this.vault.signBackup(a),
    beginReport: (a) => this.reports.begin(a),
    reportPrevious: (a) => this.reports.previous(a),
    reportRecords: (a) => this.reports.records(a),
    finishReport: (a) => this.reports.finish(a),
    reportPart: (a) => this.reports.part(a),
    certifyOfficer: async (a) => this.desk.certify(a),
    removeOfficer: (a) => this.serially(() => this.removals.remove(this.desk, a.user, a.authorization, this.now())),
    removedOfficers: async () => ({ officers: this.removals.list() }),
    halt: (a) => this.serially(async () => this.haltHere(a.reason)),
    clearHalt: (a) => this.serially(() => this.clearHaltHere(a.authorization)),
    installRates: (a) => this.serially(() => this.rates.install(this.desk, a.bundle, a.authorization)),
    rates: async (a) => ({ bundles: this.rates.list(a.sha256) }),
    sealBankAccount: (a) => this.bank.sealBankAccount(a),
    sealTaxId: (a) => sealTaxId(this.crypto, a),
    buildAchFile: (a) => this.bank.buildAchFile(a),
    recover: (a) => this.serially(() => this.recover(a.checkpoint, a.log)),
    confirm: (a) => this.serially(() => this.confirm(a.checkpoint)),
    journal: (a) => this.serially(() => this.readJournal(a.after)),
    journalOfMeter: (a) => this.serially(() => this.journalOfMeter(a.meterId, a.afterVersion)),
    journalShipped: (a) => this.serially(() => this.journalShipped(a.at)),
    reseed: (a) => this.serially(() => this.reseed(a.checkpoint, a.log, a.authorization)),
    batch: (a) => this.serially(() => this.batch(a)),
    provision: (a) => this.serially(() => this.run('provision', a)),
    registerBegin: (a) => this.serially(() => this.run('registerBegin', a)),
    registerComplete: (a) => this.serially(() => this.run('registerComplete', a)),
    challenge: (a) => this.serially(() => this.run('challenge', a)),
    command: (a) => this.serially(() => this.run('command', a)),
    fund: (a) => this.serially(() => this.run('fund', a)),
    unlock: (a) => this.serially(() => this.run('unlock', a)),
    debit: (a) => this.serially(() => this.run('debit', a)),
    revoke: (a) => this.serially(() => this.run('revoke', a)),
    care: (a) => this.serially(() => this.run('care', a)),
    audit: (a) => this.serially(() => this.run('audit', a)),
    log: (a) => this.serially(() => this.run('log', a)),
  };

  /** Run one op on args already checked at the process boundary (op-args.ts). */
  dispatch<K extends M.ModuleOp>(op: K, args: M.ArgsOf<K>): Promise<M.ResultOf<K>> {
    const handler = Object.hasOwn(this.ops, op) ? (this.ops[op] as (a: M.ArgsOf<K>) => Promise<M.ResultOf<K>>) : undefined;
    return handler ? handler(args) : Promise.reject(new VaultError('invalid_request', `unknown module op ${String(op)}`));
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }

  private info(): M.ModuleStatus {
    const inh = this.ring.inhibited;
    const halt = this.ring.halted;
    return {
      ...this.engine.info(),
      checkpoint: this.ring.headWire(),
      inhibited: inh ? { at: new Date(inh.atMs).toISOString(), reason: inh.reason } : null,
      halted: halt ? { at: new Date(halt.atMs).toISOString(), reason: halt.reason } : null,
      ring: this.ring.entries.map(checkpointToJson),
    };
  }

  /** Package ops run only on a module neither inhibited nor halted: both are held here, not in the database. */
  private inService(): void {
    if (this.ring.inhibited) fail('module_inhibited', `module ${this.ring.serial} is inhibited: ${this.ring.inhibited.reason}`);
    if (this.ring.halted) fail('system_halted', `module ${this.ring.serial} holds the halt: ${this.ring.halted.reason}`);
    if (this.journal.full) {
      this.log(`ALARM: the journal holds ${this.journal.records} records (${this.journal.bytes} bytes) not confirmed off-site: refusing transactions`);
      fail('journal_full', `module ${this.ring.serial}: the journal is full until the shipper confirms the log off-site`);
    }
  }

  private async haltHere(reason: string): Promise<{ halted: true }> {
    if (typeof reason !== 'string' || reason.length === 0 || reason.length > 500) fail('invalid_request', 'a halt has a reason of 1 to 500 characters');
    await this.ring.halt(reason, this.now());
    this.log(`HALTED: ${reason}`);
    return { halted: true };
  }

  private async clearHaltHere(authorization: unknown): Promise<{ authorizedBy: readonly string[] }> {
    const authorizedBy = this.desk.dualControl(authorization, 'clear_halt', {}).map((o) => o.user);
    await this.ring.clearHalt();
    this.log(`halt cleared on the word of ${authorizedBy.join(' and ')}`);
    return { authorizedBy };
  }

  private async run<K extends M.PackageOp>(op: K, args: M.ArgsOf<K>): Promise<M.ResultOf<K>> {
    this.inService();
    await this.verify(args.checkpoint);
    const { result, effect, draft } = await this.act(op, args);
    const atMs = this.now();
    const { records, head } = await this.chain([draft], atMs);
    const checkpoint = await this.durably(records, () => this.ring.append({ ...effect, atMs, logSeq: BigInt(head.seq), logHead: head.hash }));
    return { ...result, checkpoint, logRecord: records[0]!, logHead: head } as M.ResultOf<K>;
  }

  /** Chain this op's records after the ring head's log position, and sign the new head. */
  private async chain(drafts: readonly RecordDraft[], atMs: number): Promise<{ records: ChainedRecord[]; head: M.SignedHeadWire }> {
    const from = { seq: this.ring.head.logSeq, hash: this.ring.head.logHead };
    const { records, head } = await chainRecords(this.crypto, this.ring.serial, from, atMs, drafts);
    const signed = await signHeadAsModule(this.crypto, { logId: this.ring.serial, seq: head.seq, hash: head.hash });
    return { records, head: { ...signed, seq: signed.seq.toString() } };
  }

  /**
   * Group commit: several package ops (for distinct meters) in one dispatch, checked against the
   * stored checkpoint once and recorded as one ring entry (one file write). An op that fails is
   * answered on its own and leaves no trace in the ring.
   */
  private async batch(args: M.BatchArgs): Promise<M.BatchResult> {
    this.inService();
    if (!Array.isArray(args.ops) || args.ops.length === 0 || args.ops.length > MAX_BATCH_OPS)
      fail('invalid_request', `a batch holds 1 to ${MAX_BATCH_OPS} ops`);
    await this.verify(args.checkpoint);
    const results: ({ ok: true; result: Record<string, unknown> } | Extract<M.BatchItemResult, { ok: false }>)[] = [];
    const effects: RingEffect[] = [];
    const drafts: RecordDraft[] = [];
    const meters = new Set<string>();
    for (const raw of args.ops) {
      const op = raw.op;
      try {
        const one = validateBatchOp(raw);
        const meterId = notYetActedOn(meters, one.args);
        const { result, effect, draft } = await this.act(one.op, one.args);
        if (meterId !== undefined) meters.add(meterId);
        effects.push(effect);
        drafts.push(draft);
        results.push({ ok: true, result: result as Record<string, unknown> });
      } catch (e) {
        if (!(e instanceof VaultError)) this.log(`internal error in batched ${op}: ${(e as Error).stack ?? String(e)}`);
        const err = e instanceof VaultError ? { code: e.code, message: e.message, extra: e.extra } : { code: 'internal', message: 'internal error' };
        results.push({ ok: false, error: err });
      }
    }
    if (effects.length === 0) return { results: results as M.BatchItemResult[], checkpoint: this.ring.headWire() };
    const atMs = this.now();
    const { records, head } = await this.chain(drafts, atMs);
    const checkpoint = await this.durably(records, () => this.ring.appendBatch(effects, atMs, { seq: BigInt(head.seq), hash: head.hash }));
    let next = 0;
    const withRecords: M.BatchItemResult[] = results.map((r) => (r.ok ? { ...r, logRecord: records[next++]! } : r));
    return { results: withRecords, checkpoint, logHead: head };
  }

  /**
   * The records go to the journal (synced), then the ring names them. A ring write that fails takes
   * them back out of the journal: their answers never leave, and the journal must end at the ring head.
   */
  private async durably(records: readonly ChainedRecord[], ringWrite: () => Promise<M.CheckpointWire>): Promise<M.CheckpointWire> {
    await this.journal.append(records);
    try {
      return await ringWrite();
    } catch (e) {
      await this.journal.cutAfter(this.ring.head.logSeq);
      throw e;
    }
  }

  private async verify(db: M.CheckpointWire | null): Promise<void> {
    const m = await this.ring.match(db);
    if (m.kind === 'head') return this.journal.confirm(this.ring.head.logSeq);
    if (m.kind === 'forged') fail('checkpoint_forged', `the stored checkpoint of module ${this.ring.serial} fails its MAC`);
    if (m.kind === 'foreign') fail('checkpoint_foreign', `the stored checkpoint of module ${this.ring.serial} is module ${m.serial}'s`);
    fail('checkpoint_mismatch', `the stored checkpoint of module ${this.ring.serial} is not its latest`);
  }

  /**
   * One package op on the engine, then the ledger effects its record carries: derived from what
   * the op did, plus what the server declared. Each op opens its package once (see `actOn`).
   */
  private async act<K extends M.PackageOp>(opName: K, opArgs: ActArgs<K>): Promise<Acted<K>> {
    const declared = declaredEffects(opName, opArgs as { effects?: unknown });
    const acted = (await this.actOn({ op: opName, args: opArgs } as ActCall)) as Acted<K>;
    const effects = effectsOf(opName, { ...(opArgs as EffectArgs), effects: declared }, acted.result as EffectResult);
    return { ...acted, draft: { ...acted.draft, body: { ...acted.draft.body, effectsVersion: EFFECTS_VERSION, effects } } };
  }

  /** A customer care act: a credit adjustment counts as funded in the ring (see careRingType). */
  private async careAct(args: ActArgs<'care'>, extra: unknown): Promise<Acted> {
    const pkg = await this.openFresh(args.pkg);
    const before = registersOf(pkg);
    const r = await this.engine.care(args, pkg);
    const effect = ringEffect(careRingType(r), r.package, { arMills: BigInt(r.arMills), drMills: BigInt(r.drMills) }, careRingAmount(r));
    const body = { op: 'care', act: args.act, amountMills: args.amountMills, reason: args.reason, authorization: args.authorization, extra };
    return { result: r, effect, draft: draftOf(effect, before, body) };
  }

  /**
   * `switch` over a typed union, so every op has exactly one case (see `never` below) and `args`
   * has that op's type in it. The engine op takes the package opened, and its registers are the
   * log record's "before". The bodies hold no package, certificate or item: the effects carry them.
   */
  private async actOn(call: ActCall): Promise<Acted> {
    const { op, args } = call;
    const e = this.engine;
    const extra = logExtra(args);
    switch (op) {
      case 'provision': {
        const r = await e.provision(args);
        const effect = ringEffect('provision', r.package, { arMills: 0n, drMills: 0n });
        return { result: r, effect, draft: draftOf(effect, null, { op, extra }) };
      }
      case 'registerBegin': {
        const pkg = await this.openFresh(args.pkg);
        const before = registersOf(pkg);
        const r = await e.registerBegin(args, pkg);
        const effect = ringEffect('registerBegin', r.package, before);
        return { result: r, effect, draft: draftOf(effect, before, { op, extra }) };
      }
      case 'registerComplete':
      case 'challenge':
      case 'command': {
        const pkg = await this.openFresh(args.pkg);
        const before = registersOf(pkg);
        const r =
          op === 'registerComplete' ? await e.registerComplete(args, pkg) : op === 'challenge' ? await e.challenge(args, pkg) : await e.command(args, pkg);
        const effect = commandEffect(r);
        const { status, op: commandOp, result } = r.response;
        return { result: r, effect, draft: draftOf(effect, before, { op, response: { op: commandOp, status, result }, error: r.error?.code, extra }) };
      }
      case 'fund': {
        const pkg = await this.openFresh(args.pkg);
        const before = registersOf(pkg);
        const r = await e.fund(args, pkg);
        const effect = ringEffect('fund', r.package, { arMills: BigInt(r.arMills), drMills: BigInt(r.drMills) }, BigInt(args.amountMills));
        return { result: r, effect, draft: draftOf(effect, before, { op, amountMills: args.amountMills, authorization: args.authorization, extra }) };
      }
      case 'debit': {
        const pkg = await this.openFresh(args.pkg);
        const before = registersOf(pkg);
        const r = await e.debit(args, pkg);
        // A settlement is a funding: the ring's funded total counts it (see ring.ts).
        const type = r.outcome === 'settled' ? 'settle' : 'return';
        const effect = ringEffect(type, r.package, { arMills: BigInt(r.arMills), drMills: BigInt(r.drMills) }, type === 'settle' ? BigInt(r.amountMills) : 0n);
        const body = { op, requestId: args.requestId, action: args.action, returnCode: args.returnCode, outcome: r.outcome, amountMills: r.amountMills, extra };
        return { result: r, effect, draft: draftOf(effect, before, body) };
      }
      case 'unlock':
      case 'revoke': {
        const pkg = await this.openFresh(args.pkg);
        const before = registersOf(pkg);
        const r = op === 'unlock' ? await e.unlock(args, pkg) : await e.revoke(args, pkg);
        const effect = ringEffect(op, r.package, before);
        return { result: r, effect, draft: draftOf(effect, before, { op, authorization: args.authorization, extra }) };
      }
      case 'care':
        return this.careAct(args, extra);
      case 'audit': {
        const pkg = await this.openFresh(args.pkg);
        const before = registersOf(pkg);
        const r = await e.audit(args, pkg);
        const effect = ringEffect('audit', r.package, { arMills: BigInt(r.fields.arMills!), drMills: BigInt(r.fields.drMills!) });
        return { result: r, effect, draft: draftOf(effect, before, { op, extra }) };
      }
      case 'log':
        return logAct(args, extra);
      default: {
        const unknown: never = op;
        return fail('invalid_request', `unknown module op ${String(unknown)}`);
      }
    }
  }

  /**
   * Auto-recover checkpoint. The database holds this module's log up to `log` (after the server rolled
   * it forward from the shipped log and from this journal): the ring entry that ends exactly there
   * becomes the head. Only entries whose commit was never confirmed may be dropped: a failed commit,
   * whose answers never left. A database that still lacks confirmed records is refused
   * (`database_stale`); one whose checkpoint is not in the ring, and whose log the journal cannot
   * complete, inhibits the module.
   */
  private async recover(db: M.CheckpointWire | null, log?: { seq: string; hash: string }): Promise<M.RecoverResult> {
    if (this.ring.inhibited) fail('module_inhibited', `module ${this.ring.serial} is inhibited: ${this.ring.inhibited.reason}`);
    const m = await this.ring.match(db);
    if (m.kind === 'forged') fail('checkpoint_forged', `the stored checkpoint of module ${this.ring.serial} fails its MAC; refusing to recover into it`);
    if (m.kind === 'foreign') fail('checkpoint_foreign', `the stored checkpoint of module ${this.ring.serial} is module ${m.serial}'s`);
    if (m.kind === 'head') {
      await this.journal.confirm(this.ring.head.logSeq);
      return { outcome: 'current', discarded: [] };
    }
    const at = log ? this.ring.entries.findIndex((e) => e.logSeq.toString() === log.seq && e.logHead === log.hash) : -1;
    // The database's log went past its checkpoint (records put back from the shipped log or the journal).
    if (at >= 0 && at > (m.kind === 'older' ? m.index : -1)) return this.rollForwardTo(at, 'rolled_forward');
    if (m.kind === 'older') return this.rollForwardTo(m.index, 'recovered');
    const position = log ? positionOf(log) : null;
    if (position && this.journal.holds(position) && position.seq < this.journal.confirmedSeq) this.stale(position.seq);
    const reason = `the stored checkpoint is not in the ring (newest seq ${this.ring.head.seq}, oldest seq ${this.ring.entries[0]!.seq}), and the journal cannot complete the database's log`;
    await this.ring.inhibit(reason, this.now());
    this.log(`INHIBITED: ${reason}`);
    // The meters this module proves further along than the database may be: the server holds them at once.
    return { outcome: 'inhibited', discarded: [], reason, unproven: this.unprovenMeters(position?.seq ?? 0n) };
  }

  private stale(dbSeq: bigint): never {
    return fail(
      'database_stale',
      `the database's log of module ${this.ring.serial} ends at record ${dbSeq}, but the module saw records up to ${this.journal.confirmedSeq} committed: roll it forward from the journal first`,
      { logSeq: dbSeq.toString(), confirmedSeq: this.journal.confirmedSeq.toString() },
    );
  }

  /** The database holds this module's log up to ring entry `index`: drop what came after, if it never committed. */
  private async rollForwardTo(index: number, outcome: 'recovered' | 'rolled_forward'): Promise<M.RecoverResult> {
    const entry = this.ring.entries[index]!;
    if (entry.logSeq < this.journal.confirmedSeq) this.stale(entry.logSeq);
    const discarded = this.ring.entries.slice(index + 1).flatMap((e) => this.ring.transactionsOf(e));
    if (discarded.length) {
      await this.journal.cutAfter(entry.logSeq);
      await this.ring.rollbackTo(index);
    }
    await this.journal.confirm(entry.logSeq);
    this.log(
      `recovered at checkpoint seq ${entry.seq} (log record ${entry.logSeq})${discarded.length ? `; ${discarded.length} transaction(s) of a failed commit discarded` : ''}`,
    );
    return { outcome, discarded, checkpoint: this.ring.headWire() };
  }

  /** The server's word that a checkpoint it stored committed: from then on, its records are never discarded. */
  private async confirm(db: M.CheckpointWire): Promise<{ confirmedSeq: string }> {
    const m = await this.ring.match(db);
    if (m.kind !== 'head' && m.kind !== 'older') fail('checkpoint_mismatch', `module ${this.ring.serial}: that checkpoint is not in the ring`);
    await this.journal.confirm(m.kind === 'head' ? this.ring.head.logSeq : this.ring.entries[m.index]!.logSeq);
    return { confirmedSeq: this.journal.confirmedSeq.toString() };
  }

  /** A page of committed records after the database's log position, for a roll-forward, with the module's signed head. */
  private async readJournal(after: { seq: string; hash: string }): Promise<M.JournalResult> {
    const page = await this.journal.readAfter(positionOf(after), this.journal.confirmedSeq);
    const last = page.records[page.records.length - 1];
    if (!last) return { records: [], complete: true };
    const signed = await signHeadAsModule(this.crypto, { logId: this.ring.serial, seq: BigInt(last.seq), hash: last.hash });
    return { records: page.records, complete: page.complete, head: { ...signed, seq: signed.seq.toString() } };
  }

  /** The committed records of one meter after `afterVersion`: a package row put back is rolled forward from them. */
  private async journalOfMeter(meterId: string, afterVersion: string): Promise<{ records: M.LogRecordWire[] }> {
    if (!/^\d{1,18}$/.test(afterVersion)) fail('invalid_request', 'bad package version');
    const records = await this.journal.meterRecordsAfter(meterId, BigInt(afterVersion));
    return { records: records.filter((r) => BigInt(r.seq) <= this.journal.confirmedSeq) };
  }

  /** The shipper has the log off-site up to `at`: the journal lets go of it. */
  private async journalShipped(at: { seq: string; hash: string }): Promise<M.JournalShippedResult> {
    const dropped = await this.journal.truncateShipped(positionOf(at));
    return { dropped, records: this.journal.records, bytes: this.journal.bytes };
  }

  /** Open a package and refuse it when this module's journal shows the meter at a later version: a row put back. */
  private async openFresh(ref: M.SealedRef): Promise<MeterPackage> {
    const pkg = await this.engine.open(ref);
    const mark = this.journal.markOf(ref.meterId);
    if (mark && pkg.version < mark.version) {
      this.log(`refused meter ${ref.meterId}: package version ${pkg.version}, the journal shows version ${mark.version} (log record ${mark.logSeq})`);
      fail('package_stale', `meter ${ref.meterId}: the stored package is version ${pkg.version}; this module's journal shows version ${mark.version}`, {
        meterId: ref.meterId,
        version: pkg.version.toString(),
        knownVersion: mark.version.toString(),
      });
    }
    return pkg;
  }

  /**
   * Return to service: restart the ring from the database's authentic checkpoint of this module, or
   * from genesis. `log` is where the module's log stands in the database (its last record); the
   * chain continues from there, and a checkpoint must agree with it. A database that lacks committed
   * records the journal holds is refused: it is rolled forward first. One the journal cannot
   * complete gets a fresh journal; the old one is kept as evidence, and the meters it shows are
   * returned with their last proven registers, for the server to suspend.
   */
  private async reseed(db: M.CheckpointWire | null, log?: { seq: string; hash: string }, authorization?: unknown): Promise<M.ReseedResult> {
    // Re-seeding rewinds the ring: on a module with history, only two security officers may order it.
    if (!this.ring.isNew) this.desk.dualControl(authorization, 'reinstate_module', { module: this.ring.serial });
    const at = log && /^\d{1,18}$/.test(log.seq) && /^[0-9a-f]{64}$/.test(log.hash) ? { seq: BigInt(log.seq), hash: log.hash } : undefined;
    if (log && !at) fail('invalid_request', 'a log position is a sequence number and a 64-digit hex hash');
    let entry: Checkpoint;
    if (db === null) entry = genesis(this.ring.serial, this.now(), at);
    else {
      if (!(await wireIsAuthentic(this.crypto, db))) fail('checkpoint_forged', 'refusing to re-seed from a checkpoint that fails its MAC');
      const decoded = decodeCheckpointRecord(Buffer.from(db.record, 'hex'));
      if (!decoded || decoded.moduleSerial !== this.ring.serial) fail('checkpoint_foreign', "the checkpoint is not this module's");
      const logAt =
        at ?? (decoded.logSeq === 0n ? { seq: 0n, hash: GENESIS_HASH } : fail('invalid_request', 're-seeding needs the log position the checkpoint names'));
      if (logAt.seq !== decoded.logSeq) fail('checkpoint_mismatch', `the checkpoint names log record ${decoded.logSeq}, the log ends at ${logAt.seq}`);
      entry = { ...decoded, logHead: logAt.hash };
    }
    const gap = await this.journalForReseed({ seq: entry.logSeq, hash: entry.logHead });
    await this.ring.reseed(entry);
    this.log(`re-seeded the ring at seq ${entry.seq} (log record ${entry.logSeq})`);
    return { checkpoint: this.ring.headWire(), ...gap };
  }

  /** Every meter the journal knows, with the last registers it proves (the server keeps those the database lacks). */
  private unprovenMeters(dbLogSeq: bigint): M.UnprovenMeter[] {
    // A meter last changed at or before the database's log head is in the database's log: only later ones can be missing.
    const after = this.journal.marks().filter(([, m]) => m.logSeq > dbLogSeq);
    if (after.length > MAX_UNPROVEN_METERS)
      this.log(`ALARM: ${after.length} meters changed after the database's log head; naming the newest ${MAX_UNPROVEN_METERS}`);
    return after
      .sort(([, a], [, b]) => (a.logSeq > b.logSeq ? -1 : a.logSeq < b.logSeq ? 1 : 0))
      .slice(0, MAX_UNPROVEN_METERS)
      .map(([meterId, m]) => ({
        meterId,
        version: m.version.toString(),
        arMills: m.arMills.toString(),
        drMills: m.drMills.toString(),
        logSeq: m.logSeq.toString(),
      }));
  }

  /** Make the journal end where the re-seeded ring will: cut a failed commit, or set it aside as evidence. */
  private async journalForReseed(at: LogPosition): Promise<Pick<M.ReseedResult, 'unproven' | 'evidence'>> {
    if (this.journal.holds(at)) {
      if (at.seq < this.journal.confirmedSeq) this.stale(at.seq);
      await this.journal.cutAfter(at.seq);
      return {};
    }
    const unproven = this.unprovenMeters(at.seq);
    const evidence = await this.journal.setAside(at, this.now());
    if (unproven.length)
      this.log(`ALARM: the database cannot be completed from the journal; ${unproven.length} meter(s) unproven, journal kept as ${evidence}`);
    return { unproven, evidence };
  }
}

/** A batch changes a meter at most once: a second op would open the package the first one replaced. */
function notYetActedOn(meters: ReadonlySet<string>, args: object): string | undefined {
  const meterId = 'pkg' in args ? (args.pkg as M.SealedRef).meterId : undefined;
  if (meterId !== undefined && meters.has(meterId)) fail('invalid_request', `a batch changes meter ${meterId} at most once`);
  return meterId;
}

function positionOf(p: { seq: string; hash: string }): LogPosition {
  if (typeof p !== 'object' || p === null || !/^\d{1,18}$/.test(p.seq) || !/^[0-9a-f]{64}$/.test(p.hash))
    fail('invalid_request', 'a log position is a sequence number and a 64-digit hex hash');
  return { seq: BigInt(p.seq), hash: p.hash };
}
