import { MAX_REPAIR_RECORDS } from '../constants.js';
import { applyEffect, BatchWriter, inTransaction, repo, txlogRepo, type Db } from '../store/index.js';
import type { ModulePool } from '../module/index.js';
import type { StalePackage } from '../services/index.js';
import { openRecords } from './open-records.js';
import { effectsOfBody } from './replay-apply.js';

export interface MeterRepairDeps {
  readonly db: Db;
  readonly modules: ModulePool;
  /** The whole-database roll-forward (shipped log, then the modules' journals). */
  readonly rollForward: () => Promise<number>;
}

/**
 * A meter's package row was refused as older than the log (or a module's journal) shows it reached:
 * a row put back. Re-apply the meter's newer records from the database's own log; if the log lacks
 * them too, roll the whole database forward first. Never "fix up" anything else: the records are
 * the module's, opened and checked by a module, applied in replay mode. Leaves an audit event.
 */
export async function repairMeter(deps: MeterRepairDeps, stale: StalePackage): Promise<number> {
  let applied = await fromOwnLog(deps, stale.meterId);
  let rolled = 0;
  if (applied === 0) {
    rolled = await deps.rollForward();
    applied = await fromOwnLog(deps, stale.meterId);
  }
  await repo.recordAudit(deps.db, { kind: 'package_refused', meterId: stale.meterId, detail: { ...stale, reapplied: applied, rolledForward: rolled } });
  if (applied + rolled === 0) await holdUnprovable(deps, stale);
  return applied + rolled;
}

/**
 * The meter is proven further along than the database (by a module's journal, a repeated item
 * serial, or its client's own record), and nothing could put it back: the meter is held
 * (`unproven`), with the evidence in the audit trail. It never runs on these registers.
 */
async function holdUnprovable(deps: MeterRepairDeps, stale: StalePackage): Promise<void> {
  const by = stale.clientArMills !== undefined ? `the client's record (${stale.clientArMills} mills printed)` : `version ${stale.knownVersion}`;
  await inTransaction(deps.db, async (tx) => {
    await repo.markUnproven(tx, stale.meterId, `the database holds version ${stale.version}; ${by} shows it went further`);
    await repo.recordAudit(tx, {
      kind: 'meter_unproven',
      meterId: stale.meterId,
      detail: { ...stale, evidence: stale.clientArMills !== undefined ? 'client' : 'log' },
    });
  });
}

async function fromOwnLog(deps: MeterRepairDeps, meterId: string): Promise<number> {
  return inTransaction(deps.db, async (tx) => {
    const row = await repo.getMeter(tx, meterId);
    const rows = await txlogRepo.meterRecordsAfter(tx, meterId, row ? BigInt(row.packageVersion) : 0n, MAX_REPAIR_RECORDS);
    if (rows.length === 0) return 0;
    const opened = await openRecords(
      deps.modules.anyConnected(),
      rows.map((r) => ({ logId: r.logId, header: r.header.toString('hex'), body: r.body.toString('base64'), hash: r.hash.toString('hex') })),
    );
    // The log rows are there already: only their ledger effects are applied again.
    const writer = new BatchWriter('replay');
    for (const r of opened) for (const effect of effectsOfBody(r)) applyEffect(writer, effect, { atMs: r.header.atMs });
    await writer.flush(tx);
    return opened.length;
  });
}
