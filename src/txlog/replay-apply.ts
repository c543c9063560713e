import type pg from 'pg';
import { fail } from '../errors.js';
import { checkEffect, EffectError, EFFECTS_VERSION, type LedgerEffect } from '../ledger/index.js';
import { applyEffect, BatchWriter, type LogRecordWrite } from '../store/index.js';
import type { LogHeader } from '../ledger/index.js';

// What replay does with opened records: apply the ledger effects each body carries, with the same
// applier the live commit used, in replay mode (idempotent: a newer package version wins, rows
// already there are skipped), so an interrupted replay can simply run again.

export interface OpenedRecord {
  readonly header: LogHeader;
  readonly row: LogRecordWrite;
  readonly body: Readonly<Record<string, unknown>>;
}

/** The effects a record body carries, checked against their schemas before anything is written. */
export function effectsOfBody(r: OpenedRecord): LedgerEffect[] {
  const { body, header } = r;
  const where = `record ${header.logId}#${header.seq}`;
  if (body.effectsVersion !== EFFECTS_VERSION)
    fail('log_record_invalid', `${where} carries ledger effects of version ${String(body.effectsVersion)}; this build reads version ${EFFECTS_VERSION}`);
  if (!Array.isArray(body.effects)) fail('log_record_invalid', `${where} has no ledger effects`);
  try {
    return body.effects.map(checkEffect);
  } catch (e) {
    if (e instanceof EffectError) fail('log_record_invalid', `${where}: ${e.message}`);
    throw e;
  }
}

/** Apply opened records (in log order) in the caller's transaction. */
export async function applyRecords(db: pg.ClientBase, records: readonly OpenedRecord[]): Promise<void> {
  const writer = new BatchWriter('replay');
  writer.records.push(...records.map((r) => r.row));
  for (const r of records) {
    for (const effect of effectsOfBody(r)) applyEffect(writer, effect, { atMs: r.header.atMs });
  }
  await writer.flush(db);
}
