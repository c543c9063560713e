import type { ModuleOps, PackageOp } from '../../module/index.js';
import type { BatchWriter, MeterRow, Tx } from '../../store/index.js';

export type ArgsOf<K extends PackageOp> = Omit<ModuleOps[K][0], 'checkpoint'>;
export type ResultOf<K extends PackageOp> = Omit<ModuleOps[K][1], 'checkpoint' | 'logRecord' | 'logHead'>;

/** What one op of a batch may use inside the batch's transaction. */
export interface BatchScope {
  readonly tx: Tx;
  /** The meters of the batch, read with one SELECT. */
  readonly meters: ReadonlyMap<string, MeterRow>;
  /** The batch's writes: the ledger effects (applied by the batcher) and the op's own non-ledger rows. */
  readonly writer: BatchWriter;
}

/**
 * One package op for a module, as a typed value: its module op, the key that keeps two ops on one
 * meter out of a batch, how to build its arguments inside the batch's transaction (reads and
 * checks; a throw refuses the op alone), and how to answer once its ledger effects are applied.
 */
export interface ModuleCommand<K extends PackageOp, R> {
  readonly op: K;
  /** A meter id, an item id: ops with the same key never share a batch. */
  readonly key: string | null;
  /** A meter to read with the batch (for `scope.meters`). */
  readonly meterId?: string;
  prepare(scope: BatchScope): Promise<ArgsOf<K>> | ArgsOf<K>;
  /** Non-ledger writes (sessions, remembered answers) and the answer; the ledger is written already. */
  answer(scope: BatchScope, result: ResultOf<K>, args: ArgsOf<K>): Promise<R> | R;
}

/** Any command, as the batcher holds it. */
export type AnyCommand = ModuleCommand<PackageOp, unknown>;
