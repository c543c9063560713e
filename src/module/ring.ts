import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { existsSync } from 'node:fs';
import type { ModuleCrypto } from '../crypto/index.js';
import { decodeCanonical } from '../protocol/index.js';
import { writeFileAtomic } from '../platform/index.js';
import {
  checkpointFromJson,
  checkpointToJson,
  encodeCheckpoint,
  genesis,
  toWire,
  wireIsAuthentic,
  type Checkpoint,
  type CheckpointCrypto,
  type CheckpointWire,
} from './checkpoint.js';

// The module ring: the last N checkpoints, in the module's own state file (never the database),
// sealed (through the crypto port) under a key derived from the domain checkpoint key and the module serial.
// Every write goes to a temporary file, is fsynced, then renamed: a crash leaves the last good ring.
// One writer at a time: the caller serializes the mutating methods (GuardedModule runs ops one by one).

const FORMAT = 'vaultmeter-ring/1';
/** Ring entry types that download value: an officer's funding and an ACH settlement. */
const FUNDING_TYPES: ReadonlySet<string> = new Set(['fund', 'settle', 'adjust_credit']);
export const MIN_RING_SIZE = 3;
export const MAX_RING_SIZE = 5;

export type RingMatch =
  | { readonly kind: 'head' }
  | { readonly kind: 'older'; readonly index: number }
  | { readonly kind: 'none' }
  | { readonly kind: 'forged' }
  | { readonly kind: 'foreign'; readonly serial: string };

export interface Inhibition {
  readonly atMs: number;
  readonly reason: string;
}

interface RingState {
  entries: Checkpoint[];
  inhibited: Inhibition | null;
  /** The system halt as this module holds it: set by the server, cleared only on two security officers' statement. */
  halted?: Inhibition | null;
  /** For an entry that checkpoints a whole batch (group commit): each transaction in it, by entry seq. */
  batchOps?: Record<string, Record<string, string | number>[]>;
}

/** One transaction as the ring records it (the module adds seq, serial, time and running totals). */
export type RingEffect = Omit<Checkpoint, 'seq' | 'moduleSerial' | 'fundedMills' | 'printedMills' | 'refundedMills' | 'atMs' | 'logSeq' | 'logHead'>;

type LogFields = Pick<Checkpoint, 'logSeq' | 'logHead'>;

/** Where the module's log stands after an entry: its last record's number and hash. */
export interface LogPosition {
  readonly seq: bigint;
  readonly hash: string;
}

/** What the ring needs of the crypto port: checkpoint MACs and its own file's seal. */
export type RingCrypto = CheckpointCrypto & Pick<ModuleCrypto, 'sealRing' | 'openRing'>;

export class Ring {
  /** The head's wire form, MAC'd once when the head changes: the hot path reads it for free. */
  private headWireCache!: CheckpointWire;

  private constructor(
    private readonly path: string,
    private readonly crypto: RingCrypto,
    readonly serial: string,
    readonly capacity: number,
    private state: RingState,
  ) {}

  static async load(path: string, crypto: RingCrypto, serial: string, capacity: number, nowMs: number): Promise<Ring> {
    if (capacity < MIN_RING_SIZE || capacity > MAX_RING_SIZE) throw new Error(`ring size must be ${MIN_RING_SIZE} to ${MAX_RING_SIZE}`);
    if (!existsSync(path)) {
      const fresh: RingState = { entries: [genesis(serial, nowMs)], inhibited: null };
      const ring = new Ring(path, crypto, serial, capacity, fresh);
      await mkdir(dirname(path), { recursive: true });
      await ring.persist(fresh);
      return ring;
    }
    const file = JSON.parse(await readFile(path, 'utf8')) as { format: string; serial: string; sealed: string };
    if (file.format !== FORMAT || file.serial !== serial) throw new Error(`${path} is not the ring of module ${serial}`);
    const body = await crypto.openRing(Buffer.from(file.sealed, 'base64'), Buffer.from(`${FORMAT}|${serial}`));
    if (!body) throw new Error(`the ring file ${path} fails authentication: refusing to start`);
    const d = JSON.parse(body.toString('utf8')) as {
      entries: Record<string, string | number>[];
      inhibited: Inhibition | null;
      halted?: Inhibition | null;
      batchOps?: RingState['batchOps'];
    };
    // A ring written under a larger size keeps only the newest `capacity` entries: N bounds how far recovery may roll back.
    const ring = new Ring(path, crypto, serial, capacity, {
      entries: d.entries.map(checkpointFromJson).slice(-capacity),
      inhibited: d.inhibited,
      halted: d.halted ?? null,
      batchOps: d.batchOps ?? {},
    });
    ring.headWireCache = await toWire(crypto, ring.head);
    return ring;
  }

  get head(): Checkpoint {
    return this.state.entries[this.state.entries.length - 1]!;
  }

  /** Nothing has happened on this ring yet: a module just created or restored from the vault. */
  get isNew(): boolean {
    return this.state.entries.length === 1 && this.head.type === 'genesis' && this.state.inhibited === null && !this.state.halted;
  }

  get entries(): readonly Checkpoint[] {
    return this.state.entries;
  }

  get inhibited(): Inhibition | null {
    return this.state.inhibited;
  }

  get halted(): Inhibition | null {
    return this.state.halted ?? null;
  }

  /** Hold the system halt; halting is always safe, so any caller may set it (the first reason stays). */
  async halt(reason: string, nowMs: number): Promise<void> {
    if (!this.state.halted) await this.persist({ ...this.state, halted: { atMs: nowMs, reason } });
  }

  /** Only after the module has checked two security officers' statement. */
  async clearHalt(): Promise<void> {
    if (this.state.halted) await this.persist({ ...this.state, halted: null });
  }

  headWire(): CheckpointWire {
    return this.headWireCache;
  }

  /** Where does the database's checkpoint for this module sit in the ring? null means "none stored yet". */
  async match(db: CheckpointWire | null): Promise<RingMatch> {
    if (db === null) return this.head.seq === 0n && this.head.type === 'genesis' ? { kind: 'head' } : { kind: 'none' };
    if (!(await wireIsAuthentic(this.crypto, db))) return { kind: 'forged' };
    const record = Buffer.from(db.record, 'hex');
    const fields = decodeCanonical('vaultmeter/checkpoint/v1', record);
    if (fields && fields.moduleSerial !== this.serial) return { kind: 'foreign', serial: fields.moduleSerial ?? '?' };
    const entries = this.state.entries;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (encodeCheckpoint(entries[i]!).equals(record)) return i === entries.length - 1 ? { kind: 'head' } : { kind: 'older', index: i };
    }
    return { kind: 'none' };
  }

  /** Record one transaction; returns the checkpoint the database must now hold. */
  async append(
    next: Omit<Checkpoint, 'seq' | 'moduleSerial' | 'fundedMills' | 'printedMills' | 'refundedMills' | 'logSeq' | 'logHead'> & Partial<LogFields>,
  ): Promise<CheckpointWire> {
    const h = this.head;
    const entry: Checkpoint = {
      logSeq: h.logSeq,
      logHead: h.logHead,
      ...next,
      seq: h.seq + 1n,
      moduleSerial: this.serial,
      fundedMills: h.fundedMills + (FUNDING_TYPES.has(next.type) ? next.amountMills : 0n),
      printedMills: h.printedMills + (next.type === 'print' ? next.amountMills : 0n),
      refundedMills: h.refundedMills + (next.type === 'refund' ? next.amountMills : 0n),
    };
    await this.persist({ ...this.state, entries: [...this.state.entries, entry].slice(-this.capacity) });
    return this.headWireCache;
  }

  /**
   * Group commit: one checkpoint for a whole batch, so the chain stays exact per batch and a batch
   * that fails to commit is rolled back as a unit. A batch of one is an ordinary entry.
   */
  async appendBatch(effects: readonly RingEffect[], atMs: number, log: LogPosition): Promise<CheckpointWire> {
    if (effects.length === 1) return this.append({ ...effects[0]!, atMs, logSeq: log.seq, logHead: log.hash });
    const h = this.head;
    const sum = (type: string) => effects.filter((e) => e.type === type).reduce((t, e) => t + e.amountMills, 0n);
    const entry: Checkpoint = {
      seq: h.seq + 1n,
      moduleSerial: this.serial,
      meterId: '',
      type: `batch:${effects.length}`,
      amountMills: effects.reduce((t, e) => t + e.amountMills, 0n),
      arMills: 0n,
      drMills: 0n,
      packageVersion: 0n,
      atMs,
      fundedMills: h.fundedMills + [...FUNDING_TYPES].reduce((t, type) => t + sum(type), 0n),
      printedMills: h.printedMills + sum('print'),
      refundedMills: h.refundedMills + sum('refund'),
      logSeq: log.seq,
      logHead: log.hash,
    };
    const ops = effects.map((e) => checkpointToJson({ ...entry, ...e, seq: entry.seq }));
    await this.persist({
      ...this.state,
      entries: [...this.state.entries, entry].slice(-this.capacity),
      batchOps: { ...this.state.batchOps, [entry.seq.toString()]: ops },
    });
    return this.headWireCache;
  }

  /** The transactions an entry stands for: itself, or each transaction of its batch. */
  transactionsOf(entry: Checkpoint): Record<string, string | number>[] {
    return this.state.batchOps?.[entry.seq.toString()] ?? [checkpointToJson(entry)];
  }

  /** Auto-recovery: drop the entries newer than `index`; returns them for the audit trail. */
  async rollbackTo(index: number): Promise<Checkpoint[]> {
    const discarded = this.state.entries.slice(index + 1);
    await this.persist({ ...this.state, entries: this.state.entries.slice(0, index + 1) });
    return discarded;
  }

  async inhibit(reason: string, nowMs: number): Promise<void> {
    await this.persist({ ...this.state, inhibited: { atMs: nowMs, reason } });
  }

  /** Return to service after an investigation: the ring restarts from the database's (authentic) checkpoint. */
  async reseed(entry: Checkpoint): Promise<void> {
    await this.persist({ entries: [entry], inhibited: null, halted: this.state.halted ?? null });
  }

  /** Write `next` durably, then adopt it: a failed write leaves the ring in memory as it is on disk. */
  private async persist(next: RingState): Promise<void> {
    // Keep batch details only for the entries still in the ring.
    const kept = new Set(next.entries.map((e) => e.seq.toString()));
    const batchOps = Object.fromEntries(Object.entries(next.batchOps ?? {}).filter(([seq]) => kept.has(seq)));
    next = { ...next, batchOps };
    const body = JSON.stringify({ entries: next.entries.map(checkpointToJson), inhibited: next.inhibited, halted: next.halted ?? null, batchOps });
    const sealed = await this.crypto.sealRing(Buffer.from(body), Buffer.from(`${FORMAT}|${this.serial}`));
    const headWire = await toWire(this.crypto, next.entries[next.entries.length - 1]!);
    // The module's directory exists (it holds the keystore); the hot path skips the mkdir.
    await writeFileAtomic(this.path, JSON.stringify({ format: FORMAT, serial: this.serial, sealed: sealed.toString('base64') }), 0o600, false);
    this.state = next;
    this.headWireCache = headWire;
  }
}
