import { fail } from '../../errors.js';
import type { SealedRef } from '../../module/index.js';
import type { MeterRow } from '../../store/index.js';
import type { BatchScope } from './command.js';

/** The sealed package of a stored meter, as a module takes it. */
export function sealedRef(meter: MeterRow): SealedRef {
  return { meterId: meter.meterId, version: meter.packageVersion.toString(), sealed: meter.package.toString('base64') };
}

/** The batch's row for a meter the command named. */
export function meterOf(scope: BatchScope, meterId: string): MeterRow {
  return scope.meters.get(meterId) ?? fail('not_found', 'no such meter');
}
