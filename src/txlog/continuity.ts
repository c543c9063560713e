import { inTransaction, repo, txlogRepo, type Db } from '../store/index.js';
import { decodeHeader, type LogHeader } from '../ledger/index.js';

// The real-time audit verifier (the patent's Audit File Server): every package change of a meter
// must start from the version and registers the previous change left, whichever module logged it.
// A package rolled back in the database shows up as a record that starts from an older version, or
// from other registers: the meter is suspended, and the audit trail says where.

export interface ContinuityBreak {
  readonly meterId: string;
  readonly logId: string;
  readonly seq: string;
  readonly reason: string;
}

/** A package change as the verifier is told of it: which meter, which record, the version it led to. */
export interface ChangeRef {
  readonly meterId: string;
  readonly logId: string;
  readonly seq: bigint;
  readonly versionAfter: bigint;
}

/**
 * Check newly shipped changes: no two records may lead to the same package version of a meter (a
 * fork), and each meter's records past its last verified change must follow on from it. Each
 * meter that breaks is suspended.
 */
export async function checkContinuity(db: Db, changes: readonly ChangeRef[]): Promise<ContinuityBreak[]> {
  if (changes.length === 0) return [];
  const forks = await findForks(db, changes);
  for (const b of forks) await suspend(db, b);
  const forked = new Set(forks.map((b) => b.meterId));
  const breaks = await walkMeters(
    db,
    [...new Set(changes.map((c) => c.meterId))].filter((m) => !forked.has(m)),
  );
  return [...forks, ...breaks];
}

async function findForks(db: Db, changes: readonly ChangeRef[]): Promise<ContinuityBreak[]> {
  const forks = await txlogRepo.forkedChanges(
    db,
    changes.map((c) => c.meterId),
    changes.map((c) => c.versionAfter.toString()),
  );
  return forks.map((x) => ({
    meterId: x.meterId,
    logId: x.logId,
    seq: x.seq,
    reason: `two changes both lead to package version ${x.versionAfter} (a fork: the package was rolled back in the database)`,
  }));
}

/** Check the records of these meters past their last verified change; suspend each meter that breaks. */
async function walkMeters(db: Db, meterIds: readonly string[]): Promise<ContinuityBreak[]> {
  if (meterIds.length === 0) return [];
  const rows = await txlogRepo.changesPastContinuity(db, meterIds);
  const byMeter = new Map<string, { logId: string; seq: string; h: LogHeader }[]>();
  for (const row of rows) {
    const h = decodeHeader(row.header);
    if (!h) continue; // the shipped-log verifier reports malformed records
    const list = byMeter.get(row.meterId) ?? [];
    list.push({ logId: row.logId, seq: row.seq, h });
    byMeter.set(row.meterId, list);
  }
  const known = await txlogRepo.continuityOf(db, [...byMeter.keys()]);
  const advanced: txlogRepo.ContinuityRow[] = [];
  const breaks: ContinuityBreak[] = [];
  for (const [meterId, records] of byMeter) {
    const outcome = walk(meterId, known.get(meterId) ?? null, records);
    if (outcome.last) advanced.push(outcome.last);
    if (outcome.broken) breaks.push(outcome.broken);
  }
  await txlogRepo.saveContinuity(db, advanced);
  for (const b of breaks) await suspend(db, b);
  return breaks;
}

interface Walked {
  last: txlogRepo.ContinuityRow | null;
  broken: ContinuityBreak | null;
}

/** Follow one meter's changes in version order from where the verifier left it. A gap just waits. */
function walk(meterId: string, from: txlogRepo.ContinuityRow | null, records: readonly { logId: string; seq: string; h: LogHeader }[]): Walked {
  let at = from;
  let last: txlogRepo.ContinuityRow | null = null;
  for (const { logId, seq, h } of records) {
    const version = at?.versionAfter ?? 0n;
    const ar = at?.arMills ?? 0n;
    const dr = at?.drMills ?? 0n;
    if (h.versionAfter === version) {
      return { last, broken: { meterId, logId, seq, reason: `two changes both lead to package version ${version} (a fork: the package was rolled back)` } };
    }
    if (h.versionBefore > version) break; // the change in between is not committed (or not visible) yet
    if (h.versionBefore < version) {
      return {
        last,
        broken: {
          meterId,
          logId,
          seq,
          reason: `the change starts from package version ${h.versionBefore}, but version ${version} was already reached (rolled back)`,
        },
      };
    }
    if (h.arBeforeMills !== ar || h.drBeforeMills !== dr) {
      const why = `registers before (ar ${h.arBeforeMills}, dr ${h.drBeforeMills}) differ from those after the previous change (ar ${ar}, dr ${dr})`;
      return { last, broken: { meterId, logId, seq, reason: why } };
    }
    at = { meterId, logId, seq: BigInt(seq), versionAfter: h.versionAfter, arMills: h.arAfterMills, drMills: h.drAfterMills };
    last = at;
  }
  return { last, broken: null };
}

async function suspend(db: Db, b: ContinuityBreak): Promise<void> {
  await inTransaction(db, async (tx) => {
    await repo.suspendMeter(tx, b.meterId, `register continuity broken at ${b.logId}#${b.seq}: ${b.reason}`);
    await repo.recordAudit(tx, {
      kind: 'continuity_break',
      meterId: b.meterId,
      moduleSerial: b.logId,
      detail: { logId: b.logId, seq: b.seq, reason: b.reason },
    });
  });
}
