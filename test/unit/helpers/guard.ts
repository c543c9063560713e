import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleCrypto } from '../../../src/crypto/module-crypto.js';
import { GuardedModule } from '../../../src/module/guard.js';
import type { MeterEngine } from '../../../src/module/engine.js';
import type { Keystore } from '../../../src/module/keystore.js';
import type { CheckpointWire, ModuleOp } from '../../../src/module/messages.js';
import { Ring } from '../../../src/module/ring.js';
import { Journal } from '../../../src/module/journal.js';
import { RateStore, ratesDirOf } from '../../../src/module/rate-store.js';
import { OfficerRemovals, removalsFileOf } from '../../../src/module/officer-removals.js';
import { Clock, makeEngine, TODAY } from './engine.js';
import type { LooseJson } from '../../helpers/loose-json.js';

/**
 * A module as the socket shell builds it (engine, ring file in a temp dir, guard), with a fixed
 * clock and a captured log. `db` plays the database's copy of the module's checkpoint.
 */
export class GuardHarness {
  readonly logs: string[] = [];
  db: CheckpointWire | null = null;
  guard!: GuardedModule;
  ring!: Ring;
  journal: Journal | null = null;

  private constructor(
    readonly dir: string,
    readonly ringPath: string,
    readonly engine: MeterEngine,
    readonly clock: Clock,
    readonly keystore: Keystore,
    readonly capacity: number,
    readonly crypto: ModuleCrypto,
  ) {}

  /** `crypto` replaces the software backend (a counting wrapper, say). */
  static async create(capacity = 3, clock = new Clock(), crypto?: ModuleCrypto): Promise<GuardHarness> {
    const dir = await mkdtemp(join(tmpdir(), 'vm-guard-'));
    const made = await makeEngine(clock, 30, undefined, crypto);
    const h = new GuardHarness(dir, join(dir, 'state', 'module.ring'), made.engine, clock, made.keystore, capacity, made.crypto);
    await h.reload();
    return h;
  }

  /** The checkpoint side of the module's crypto: MACs checkpoints as the module does. */
  get key(): ModuleCrypto {
    return this.crypto;
  }

  get serial(): string {
    return this.keystore.identity.serial;
  }

  /** What a module restart does: load the ring from its file and wrap the engine again. */
  async reload(): Promise<void> {
    this.ring = await Ring.load(this.ringPath, this.key, this.serial, this.capacity, this.clock.now());
    await this.journal?.close();
    const head = { seq: this.ring.head.logSeq, hash: this.ring.head.logHead };
    this.journal = await Journal.load(`${this.ringPath}.journal`, this.serial, head, this.ring.isNew ? this.clock.now() : null);
    const log = (line: string) => this.logs.push(line);
    const rates = await RateStore.load(ratesDirOf(this.ringPath), this.crypto.caCertPem, log);
    const removals = await OfficerRemovals.load(removalsFileOf(this.ringPath), this.crypto.caCertPem, log);
    this.guard = new GuardedModule(this.engine, this.ring, this.journal, this.crypto, this.clock.now, log, rates, removals);
  }

  /** Dispatch with an explicit checkpoint; the database copy is not touched. */
  dispatch<T = LooseJson>(op: ModuleOp, args: object, checkpoint: CheckpointWire | null): Promise<T> {
    return this.guard.dispatch(op, { ...args, checkpoint } as never) as Promise<T>;
  }

  /** Dispatch with the database's checkpoint, store the new one and confirm the commit, as the server does. */
  async call<T = LooseJson>(op: ModuleOp, args: object): Promise<T> {
    const r = (await this.dispatch<{ checkpoint: CheckpointWire }>(op, args, this.db)) as { checkpoint: CheckpointWire };
    this.db = r.checkpoint;
    await this.guard.dispatch('confirm', { checkpoint: r.checkpoint });
    return r as T;
  }

  async cleanup(): Promise<void> {
    await this.journal?.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export function printParams(amountMills: bigint, date = TODAY): Record<string, string> {
  return {
    amountMills: amountMills.toString(),
    date,
    originZip: '20260',
    destination: '100011234',
    rateCategory: 'FCM-LTR',
    weightTenthOz: '10',
  };
}
