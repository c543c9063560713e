import { VaultError } from '../../errors.js';
import type { PackageOp } from '../../module/index.js';
import type { MeterRow } from '../../store/index.js';
import type { ServiceContext } from '../context.js';
import type { ArgsOf, BatchScope, ResultOf } from './command.js';
import { runModuleCommand } from './module-commit.js';
import { meterOf, sealedRef } from './packages.js';

export type MeterOp = Exclude<PackageOp, 'provision' | 'log'>;

/** A module op on one stored meter: its arguments besides the package, and its answer. */
export interface MeterOpSpec<K extends MeterOp, R> {
  /** Reads and checks inside the batch's transaction (a throw refuses this op alone). */
  readonly args: (meter: MeterRow, scope: BatchScope) => Promise<Omit<ArgsOf<K>, 'pkg'>> | Omit<ArgsOf<K>, 'pkg'>;
  readonly answer: (scope: BatchScope, result: ResultOf<K>, meter: MeterRow) => Promise<R> | R;
}

/**
 * Read the meter in the batch's transaction, hand its sealed package to the module; the batch
 * stores the new package (compare-and-set on the version) with the op's other ledger effects.
 * Every meter command goes through here.
 */
export function onMeter<K extends MeterOp, R>(ctx: ServiceContext, op: K, meterId: string, spec: MeterOpSpec<K, R>): Promise<R> {
  return runModuleCommand<K, R>(ctx, {
    op,
    key: meterId,
    meterId,
    async prepare(scope) {
      const meter = meterOf(scope, meterId);
      // No op, not even a refusal or an audit, runs on a package the database cannot prove.
      if (meter.status === 'unproven')
        throw new VaultError('meter_unproven', `the database lacks transactions of meter ${meterId} that a module or its client witnessed`, { meterId });
      return { ...(await spec.args(meter, scope)), pkg: sealedRef(meter) } as ArgsOf<K>;
    },
    answer: (scope, result) => spec.answer(scope, result, meterOf(scope, meterId)),
  });
}
