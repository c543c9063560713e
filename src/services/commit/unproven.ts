import type { UnprovenMeter } from '../../module/index.js';
import { repo, type Tx } from '../../store/index.js';

/**
 * A module proves these meters further along than the database may hold them, and neither its
 * journal nor the shipped log could put the difference back. Each meter the database holds at an
 * older version is held as `unproven` (never run on stale registers; its items stay valid), and
 * the gap is reported per meter: the last registers the module proves, and where its evidence is.
 */
export async function holdUnproven(tx: Tx, serial: string, unproven: readonly UnprovenMeter[], evidence?: string): Promise<string[]> {
  const held: string[] = [];
  for (const u of unproven) {
    const row = await repo.getMeter(tx, u.meterId);
    if (!row || BigInt(row.packageVersion) >= BigInt(u.version)) continue; // the database has what the module proves
    await repo.markUnproven(tx, u.meterId, `module ${serial} proves version ${u.version} (log record ${u.logSeq}); the database holds ${row.packageVersion}`);
    await repo.recordAudit(tx, {
      kind: 'meter_unproven',
      moduleSerial: serial,
      meterId: u.meterId,
      detail: { ...u, storedVersion: String(row.packageVersion), ...(evidence ? { evidence } : {}) },
    });
    held.push(u.meterId);
  }
  return held;
}
