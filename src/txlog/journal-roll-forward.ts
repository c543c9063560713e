import type pg from 'pg';
import { MAX_JOURNAL_PAGES_PER_RUN } from '../constants.js';
import { VaultError } from '../errors.js';
import { GENESIS_HASH } from '../ledger/index.js';
import type { ModulePool } from '../module/index.js';
import { inClientTransaction, repo, txlogRepo } from '../store/index.js';
import { openRecords } from './open-records.js';
import { applyRecords } from './replay-apply.js';

/**
 * Put back what each module's journal holds beyond the database's log: the transactions the module
 * saw committed that a database put back to an older copy lost, before the shipper took them
 * off-site. Page by page, each page one transaction (replay mode: an interrupted run just runs
 * again). A module that is down, or whose journal does not reach the database's log, is skipped:
 * its recovery then refuses to run on the stale state. Returns records put back per log.
 */
export async function rollForwardFromJournals(db: pg.ClientBase, modules: ModulePool): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of modules.modules) {
    const serial = modules.serialOf(m);
    try {
      const n = await rollForwardOne(db, m, serial);
      if (n > 0) out[serial] = n;
    } catch (e) {
      if (!(e instanceof VaultError)) throw e;
      await repo.recordAudit(db, { kind: 'journal_roll_forward_failed', moduleSerial: serial, detail: { code: e.code, reason: e.message } });
    }
  }
  return out;
}

async function rollForwardOne(db: pg.ClientBase, m: ModulePool['modules'][number], serial: string): Promise<number> {
  let total = 0;
  for (let page = 0; page < MAX_JOURNAL_PAGES_PER_RUN; page++) {
    const head = (await txlogRepo.logHead(db, serial)) ?? { seq: 0n, hash: GENESIS_HASH };
    const r = await m.call('journal', { after: { seq: head.seq.toString(), hash: head.hash } });
    if (r.records.length === 0) break;
    const last = r.records[r.records.length - 1]!;
    const signature = r.head && r.head.seq === last.seq && r.head.hash === last.hash ? Buffer.from(r.head.signature, 'hex') : null;
    const opened = await openRecords(
      m,
      r.records.map((rec) => ({ logId: serial, ...rec, headSignature: rec === last ? signature : null })),
    );
    await inClientTransaction(db, () => applyRecords(db, opened));
    total += opened.length;
    if (r.complete) break;
  }
  return total;
}
