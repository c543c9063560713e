import type { UnprovenMeter } from '../../module/index.js';
import { repo, type Tx } from '../../store/index.js';

/**
 * A module proves these meters further along than the database may hold them, and neither its
 * journal nor the shipped log could put the difference back. Each meter the database holds at an
 * older version is held as `unproven` (never run on stale registers; its items stay valid), in one
 * statement, and the gap is reported per meter: the last registers the module proves, and where
 * its evidence is. Returns the meters held.
 */
export async function holdUnproven(tx: Tx, serial: string, unproven: readonly UnprovenMeter[], evidence?: string): Promise<string[]> {
  if (unproven.length === 0) return [];
  const held = await repo.markUnprovenBehind(
    tx,
    unproven.map((u) => ({ meterId: u.meterId, version: BigInt(u.version) })),
    `module ${serial} proves a later version than the database holds`,
  );
  const byId = new Map(unproven.map((u) => [u.meterId, u]));
  for (const { meterId, storedVersion } of held) {
    const detail = { ...byId.get(meterId)!, storedVersion: storedVersion.toString(), ...(evidence ? { evidence } : {}) };
    await repo.recordAudit(tx, { kind: 'meter_unproven', moduleSerial: serial, meterId, detail });
  }
  return held.map((h) => h.meterId);
}
