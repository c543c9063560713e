import { MAX_BATCH_OPS, MAX_LOG_EXTRA_BYTES } from '../constants.js';
import type { ModuleCrypto } from '../crypto/index.js';
import { chainRecords, type ChainedRecord, type RecordDraft } from '../ledger/index.js';
import { signHeadAsModule } from '../ledger/index.js';
import { GENESIS_HASH } from '../ledger/index.js';
import { fail, VaultError } from '../errors.js';
import { checkDeclaredEffects, EffectError, effectsOf, EFFECTS_VERSION, type EffectArgs, type EffectResult, type LedgerEffect } from '../ledger/index.js';
import { checkpointToJson, decodeCheckpointRecord, genesis, wireIsAuthentic } from './checkpoint.js';
import { registersOf, type MeterEngine, type RegistersBefore } from './engine.js';
import { LogVault } from './log-vault.js';
import { OfficerDesk } from './officer-desk.js';
import type * as M from './messages.js';
import { validateBatchOp } from './op-args.js';
import type { Ring, RingEffect } from './ring.js';

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

/** Effects the server declares: only for a log op or a registration's claim, and only of server-declared kinds. */
function declaredEffects(op: M.ModuleOp, args: { effects?: unknown }): LedgerEffect[] {
  try {
    const declared = checkDeclaredEffects(args.effects);
    if (declared.length && op !== 'log' && !(op === 'registerBegin' && declared.every((d) => d.kind === 'customer_claimed'))) {
      fail('invalid_request', `a ${op} op carries no declared effects but a registration's claim`);
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

  constructor(
    private readonly engine: MeterEngine,
    private readonly ring: Ring,
    private readonly crypto: ModuleCrypto,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {
    this.vault = new LogVault(crypto, { now, logHeadSeq: () => this.ring.head.logSeq });
    this.desk = new OfficerDesk(crypto, now);
  }

  /** Every op, one entry each: the vault ops run beside the serial queue, the rest in it. */
  private readonly ops: M.OpTable = {
    info: async () => this.info(),
    openLog: async (a) => this.vault.openLog(a),
    beginBackup: async (a) => this.vault.beginBackup(a),
    sealBackupChunk: async (a) => this.vault.sealBackupChunk(a),
    openBackupChunk: async (a) => this.vault.openBackupChunk(a),
    signBackup: async (a) => this.vault.signBackup(a),
    certifyOfficer: async (a) => this.desk.certify(a),
    halt: (a) => this.serially(async () => this.haltHere(a.reason)),
    clearHalt: (a) => this.serially(() => this.clearHaltHere(a.authorization)),
    recover: (a) => this.serially(() => this.recover(a.checkpoint, a.log)),
    reseed: (a) => this.serially(() => this.reseed(a.checkpoint, a.log, a.authorization)),
    batch: (a) => this.serially(() => this.batch(a)),
    provision: (a) => this.serially(() => this.run('provision', a)),
    registerBegin: (a) => this.serially(() => this.run('registerBegin', a)),
    registerComplete: (a) => this.serially(() => this.run('registerComplete', a)),
    challenge: (a) => this.serially(() => this.run('challenge', a)),
    command: (a) => this.serially(() => this.run('command', a)),
    fund: (a) => this.serially(() => this.run('fund', a)),
    unlock: (a) => this.serially(() => this.run('unlock', a)),
    revoke: (a) => this.serially(() => this.run('revoke', a)),
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
    const checkpoint = await this.ring.append({ ...effect, atMs, logSeq: BigInt(head.seq), logHead: head.hash });
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
    for (const raw of args.ops) {
      const op = raw.op;
      try {
        const one = validateBatchOp(raw);
        const { result, effect, draft } = await this.act(one.op, one.args);
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
    const checkpoint = await this.ring.appendBatch(effects, atMs, { seq: BigInt(head.seq), hash: head.hash });
    let next = 0;
    const withRecords: M.BatchItemResult[] = results.map((r) => (r.ok ? { ...r, logRecord: records[next++]! } : r));
    return { results: withRecords, checkpoint, logHead: head };
  }

  private async verify(db: M.CheckpointWire | null): Promise<void> {
    const m = await this.ring.match(db);
    if (m.kind === 'head') return;
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
        const pkg = await e.open(args.pkg);
        const before = registersOf(pkg);
        const r = await e.registerBegin(args, pkg);
        const effect = ringEffect('registerBegin', r.package, before);
        return { result: r, effect, draft: draftOf(effect, before, { op, extra }) };
      }
      case 'registerComplete':
      case 'challenge':
      case 'command': {
        const pkg = await e.open(args.pkg);
        const before = registersOf(pkg);
        const r =
          op === 'registerComplete' ? await e.registerComplete(args, pkg) : op === 'challenge' ? await e.challenge(args, pkg) : await e.command(args, pkg);
        const effect = commandEffect(r);
        const { status, op: commandOp, result } = r.response;
        return { result: r, effect, draft: draftOf(effect, before, { op, response: { op: commandOp, status, result }, error: r.error?.code, extra }) };
      }
      case 'fund': {
        const pkg = await e.open(args.pkg);
        const before = registersOf(pkg);
        const r = await e.fund(args, pkg);
        const effect = ringEffect('fund', r.package, { arMills: BigInt(r.arMills), drMills: BigInt(r.drMills) }, BigInt(args.amountMills));
        return { result: r, effect, draft: draftOf(effect, before, { op, amountMills: args.amountMills, authorization: args.authorization, extra }) };
      }
      case 'unlock':
      case 'revoke': {
        const pkg = await e.open(args.pkg);
        const before = registersOf(pkg);
        const r = op === 'unlock' ? await e.unlock(args, pkg) : await e.revoke(args, pkg);
        const effect = ringEffect(op, r.package, before);
        return { result: r, effect, draft: draftOf(effect, before, { op, authorization: args.authorization, extra }) };
      }
      case 'audit': {
        const pkg = await e.open(args.pkg);
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
   * Auto-recover checkpoint: roll the ring back to the database's entry, or inhibit when it is not in
   * the ring. When the database was rolled forward from the shipped log (after a failover to a
   * standby that missed the last commits), `log` says where this module's log now ends there: the
   * ring entry that ends at exactly that record (by this module's own chain hash) becomes the head.
   */
  private async recover(db: M.CheckpointWire | null, log?: { seq: string; hash: string }): Promise<M.RecoverResult> {
    if (this.ring.inhibited) fail('module_inhibited', `module ${this.ring.serial} is inhibited: ${this.ring.inhibited.reason}`);
    const m = await this.ring.match(db);
    const at =
      log && m.kind !== 'head' && m.kind !== 'forged' && m.kind !== 'foreign'
        ? this.ring.entries.findIndex((e) => e.logSeq.toString() === log.seq && e.logHead === log.hash)
        : -1;
    // Only when the database's log went past its checkpoint (records put back from the shipped log).
    if (at >= 0 && at > (m.kind === 'older' ? m.index : -1)) return this.rollForwardTo(at);
    switch (m.kind) {
      case 'head':
        return { outcome: 'current', discarded: [] };
      case 'older': {
        const discarded = this.ring.entries.slice(m.index + 1).flatMap((e) => this.ring.transactionsOf(e));
        await this.ring.rollbackTo(m.index);
        this.log(`auto-recovered to checkpoint seq ${this.ring.head.seq}; discarded ${discarded.length} transaction(s)`);
        return { outcome: 'recovered', discarded };
      }
      case 'none': {
        const reason = `the stored checkpoint is not in the ring (newest seq ${this.ring.head.seq}, oldest seq ${this.ring.entries[0]!.seq})`;
        await this.ring.inhibit(reason, this.now());
        this.log(`INHIBITED: ${reason}`);
        return { outcome: 'inhibited', discarded: [], reason };
      }
      case 'forged':
        return fail('checkpoint_forged', `the stored checkpoint of module ${this.ring.serial} fails its MAC; refusing to recover into it`);
      case 'foreign':
        return fail('checkpoint_foreign', `the stored checkpoint of module ${this.ring.serial} is module ${m.serial}'s`);
    }
  }

  /** The database now holds this module's log up to ring entry `index`: that entry is the checkpoint to store. */
  private async rollForwardTo(index: number): Promise<M.RecoverResult> {
    const discarded = this.ring.entries.slice(index + 1).flatMap((e) => this.ring.transactionsOf(e));
    if (discarded.length) await this.ring.rollbackTo(index);
    this.log(
      `the database was rolled forward to log record ${this.ring.head.logSeq}; checkpoint seq ${this.ring.head.seq}${discarded.length ? `; ${discarded.length} unshipped transaction(s) discarded` : ''}`,
    );
    return { outcome: 'rolled_forward', discarded, checkpoint: this.ring.headWire() };
  }

  /**
   * Return to service: restart the ring from the database's authentic checkpoint of this module, or
   * from genesis. `log` is where the module's log stands in the database (its last record); the
   * chain continues from there, and a checkpoint must agree with it.
   */
  private async reseed(db: M.CheckpointWire | null, log?: { seq: string; hash: string }, authorization?: unknown): Promise<{ checkpoint: M.CheckpointWire }> {
    // Re-seeding rewinds the ring: on a module with history, only two security officers may order it.
    if (!this.ring.isNew) this.desk.dualControl(authorization, 'reinstate_module', { module: this.ring.serial });
    const at = log && /^\d{1,18}$/.test(log.seq) && /^[0-9a-f]{64}$/.test(log.hash) ? { seq: BigInt(log.seq), hash: log.hash } : undefined;
    if (log && !at) fail('invalid_request', 'a log position is a sequence number and a 64-digit hex hash');
    if (db === null) {
      await this.ring.reseed(genesis(this.ring.serial, this.now(), at));
      return { checkpoint: this.ring.headWire() };
    }
    if (!(await wireIsAuthentic(this.crypto, db))) fail('checkpoint_forged', 'refusing to re-seed from a checkpoint that fails its MAC');
    const entry = decodeCheckpointRecord(Buffer.from(db.record, 'hex'));
    if (!entry || entry.moduleSerial !== this.ring.serial) fail('checkpoint_foreign', "the checkpoint is not this module's");
    const logAt =
      at ?? (entry.logSeq === 0n ? { seq: 0n, hash: GENESIS_HASH } : fail('invalid_request', 're-seeding needs the log position the checkpoint names'));
    if (logAt.seq !== entry.logSeq) fail('checkpoint_mismatch', `the checkpoint names log record ${entry.logSeq}, the log ends at ${logAt.seq}`);
    await this.ring.reseed({ ...entry, logHead: logAt.hash });
    this.log(`re-seeded the ring from the database at seq ${entry.seq}`);
    return { checkpoint: this.ring.headWire() };
  }
}
