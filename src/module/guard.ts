import { MAX_BATCH_OPS } from '../constants.js';
import { fail, VaultError } from '../errors.js';
import { checkpointToJson, decodeCheckpointRecord, genesis, wireIsAuthentic } from './checkpoint.js';
import type { MeterEngine } from './engine.js';
import type * as M from './messages.js';
import { PACKAGE_OPS } from './messages.js';
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

/**
 * The checkpoint discipline around the engine (the patent's cross-verification): a package op runs
 * only when the database's checkpoint for this module is the ring's newest entry; each op appends
 * an entry, in the module's own state file, before its answer leaves the module. Ops run one at a
 * time, so the ring is a total order of this module's transactions.
 */
export class GuardedModule {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly engine: MeterEngine,
    private readonly ring: Ring,
    private readonly checkpointKey: Buffer,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  dispatch(op: M.ModuleOp, args: any): Promise<unknown> {
    if (op === 'info') return Promise.resolve(this.info());
    return this.serially(() => this.run(op, args));
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }

  private info(): M.ModuleStatus {
    const inh = this.ring.inhibited;
    return {
      ...this.engine.info(),
      checkpoint: this.ring.headWire(),
      inhibited: inh ? { at: new Date(inh.atMs).toISOString(), reason: inh.reason } : null,
      ring: this.ring.entries.map(checkpointToJson),
    };
  }

  private async run(op: M.ModuleOp, args: any): Promise<unknown> {
    if (op === 'recover') return this.recover(args.checkpoint);
    if (op === 'reseed') return this.reseed(args.checkpoint);
    if (op === 'batch') return this.batch(args);
    if (this.ring.inhibited) fail('module_inhibited', `module ${this.ring.serial} is inhibited: ${this.ring.inhibited.reason}`);
    this.verify(args.checkpoint);
    const { result, effect } = await this.act(op, args);
    const checkpoint = await this.ring.append({ ...effect, atMs: this.now() });
    return { ...result, checkpoint };
  }

  /**
   * Group commit: several package ops (for distinct meters) in one dispatch, checked against the
   * stored checkpoint once and recorded as one ring entry (one file write). An op that fails is
   * answered on its own and leaves no trace in the ring.
   */
  private async batch(args: M.BatchArgs): Promise<M.BatchResult> {
    if (this.ring.inhibited) fail('module_inhibited', `module ${this.ring.serial} is inhibited: ${this.ring.inhibited.reason}`);
    if (!Array.isArray(args.ops) || args.ops.length === 0 || args.ops.length > MAX_BATCH_OPS) fail('invalid_request', `a batch holds 1 to ${MAX_BATCH_OPS} ops`);
    this.verify(args.checkpoint);
    const results: M.BatchItemResult[] = [];
    const effects: RingEffect[] = [];
    for (const { op, args: opArgs } of args.ops) {
      try {
        if (!(PACKAGE_OPS as readonly string[]).includes(op)) fail('invalid_request', `${op} cannot be batched`);
        const { result, effect } = await this.act(op, opArgs);
        effects.push(effect);
        results.push({ ok: true, result });
      } catch (e) {
        if (!(e instanceof VaultError)) this.log(`internal error in batched ${op}: ${(e as Error).stack ?? String(e)}`);
        const err = e instanceof VaultError ? { code: e.code, message: e.message, extra: e.extra } : { code: 'internal', message: 'internal error' };
        results.push({ ok: false, error: err });
      }
    }
    const checkpoint = effects.length ? await this.ring.appendBatch(effects, this.now()) : this.ring.headWire();
    return { results, checkpoint };
  }

  private verify(db: M.CheckpointWire | null): void {
    const m = this.ring.match(db);
    if (m.kind === 'head') return;
    if (m.kind === 'forged') fail('checkpoint_forged', `the stored checkpoint of module ${this.ring.serial} fails its MAC`);
    if (m.kind === 'foreign') fail('checkpoint_foreign', `the stored checkpoint of module ${this.ring.serial} is module ${m.serial}'s`);
    fail('checkpoint_mismatch', `the stored checkpoint of module ${this.ring.serial} is not its latest`);
  }

  private async act(op: M.ModuleOp, args: any): Promise<{ result: any; effect: Omit<Effect, never> }> {
    const e = this.engine;
    switch (op) {
      case 'provision': {
        const r = await e.provision(args);
        return { result: r, effect: { meterId: r.meterId, type: 'provision', amountMills: 0n, arMills: 0n, drMills: 0n, packageVersion: BigInt(r.package.version) } };
      }
      case 'registerBegin': {
        const r = e.registerBegin(args);
        return { result: r, effect: { meterId: r.package.meterId, type: 'registerBegin', amountMills: 0n, arMills: 0n, drMills: 0n, packageVersion: BigInt(r.package.version) } };
      }
      case 'registerComplete': {
        const r = await e.registerComplete(args);
        return { result: r, effect: commandEffect(r) };
      }
      case 'challenge': {
        const r = e.challenge(args);
        return { result: r, effect: commandEffect(r) };
      }
      case 'command': {
        const r = await e.command(args);
        return { result: r, effect: commandEffect(r) };
      }
      case 'fund': {
        const r = e.fund(args);
        const effect = { meterId: r.package.meterId, type: 'fund', amountMills: BigInt(args.amountMills), arMills: BigInt(r.arMills), drMills: BigInt(r.drMills), packageVersion: BigInt(r.package.version) };
        return { result: r, effect };
      }
      case 'audit': {
        const r = e.audit(args);
        const effect = { meterId: r.package.meterId, type: 'audit', amountMills: 0n, arMills: BigInt(r.fields.arMills!), drMills: BigInt(r.fields.drMills!), packageVersion: BigInt(r.package.version) };
        return { result: r, effect };
      }
      default:
        return fail('invalid_request', `unknown module op ${op}`);
    }
  }

  /** Auto-recover checkpoint: roll the ring back to the database's entry, or inhibit when it is not in the ring. */
  private async recover(db: M.CheckpointWire | null): Promise<M.RecoverResult> {
    if (this.ring.inhibited) fail('module_inhibited', `module ${this.ring.serial} is inhibited: ${this.ring.inhibited.reason}`);
    const m = this.ring.match(db);
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

  /** Return to service: restart the ring from the database's authentic checkpoint of this module. */
  private async reseed(db: M.CheckpointWire | null): Promise<{ checkpoint: M.CheckpointWire }> {
    if (db === null) {
      await this.ring.reseed(genesis(this.ring.serial, this.now()));
      return { checkpoint: this.ring.headWire() };
    }
    if (!wireIsAuthentic(this.checkpointKey, db)) fail('checkpoint_forged', 'refusing to re-seed from a checkpoint that fails its MAC');
    const entry = decodeCheckpointRecord(Buffer.from(db.record, 'hex'));
    if (!entry || entry.moduleSerial !== this.ring.serial) fail('checkpoint_foreign', 'the checkpoint is not this module\'s');
    await this.ring.reseed(entry);
    this.log(`re-seeded the ring from the database at seq ${entry.seq}`);
    return { checkpoint: this.ring.headWire() };
  }
}
