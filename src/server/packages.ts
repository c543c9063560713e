import { fail } from '../errors.js';
import type { SealedRef } from '../module/index.js';
import { repo, type Db, type Tx } from '../store/index.js';

/** The sealed package of a stored meter, as a module takes it. */
export function sealedRef(meter: repo.MeterRow): SealedRef {
  return { meterId: meter.meterId, version: meter.packageVersion.toString(), sealed: meter.package.toString('base64') };
}

/** Store a module's new package, only if nobody else wrote the meter since we read it. */
export async function savePackage(q: Db | Tx, meter: repo.MeterRow, next: SealedRef): Promise<void> {
  const ok = await repo.updatePackage(q, meter.meterId, meter.packageVersion, Buffer.from(next.sealed, 'base64'), BigInt(next.version));
  if (!ok) fail('conflict', 'the meter changed concurrently; nothing was applied, retry');
}
