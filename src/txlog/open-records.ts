import { REPLAY_MODULE_BATCH } from '../constants.js';
import { fail } from '../errors.js';
import { decodeHeader } from '../ledger/index.js';
import type { ModuleConnection } from '../module/index.js';
import type { OpenedRecord } from './replay-apply.js';

/** A log record as a module or the database hands it over: header hex, body base64, hash hex. */
export interface RawRecord {
  readonly logId: string;
  readonly header: string;
  readonly body: string;
  readonly hash: string;
  /** The module's signature over the log's head, on the record it ends at (if any). */
  readonly headSignature?: Buffer | null;
}

/** Have a module check and open each record (its hash, then its seal), a call per REPLAY_MODULE_BATCH. */
export async function openRecords(module: ModuleConnection, records: readonly RawRecord[]): Promise<OpenedRecord[]> {
  const out: OpenedRecord[] = [];
  for (let i = 0; i < records.length; i += REPLAY_MODULE_BATCH) {
    const part = records.slice(i, i + REPLAY_MODULE_BATCH);
    const { bodies } = await module.call('openLog', { records: part.map((r) => ({ logId: r.logId, header: r.header, body: r.body, hash: r.hash })) });
    part.forEach((r, j) => out.push(openedOf(r, bodies[j] as Record<string, unknown>)));
  }
  return out;
}

function openedOf(r: RawRecord, body: Record<string, unknown>): OpenedRecord {
  const headerBytes = Buffer.from(r.header, 'hex');
  const header = decodeHeader(headerBytes) ?? fail('log_record_invalid', `a record of log ${r.logId} has a malformed header`);
  if (header.logId !== r.logId) fail('log_record_invalid', `record ${header.seq} names log ${header.logId}, not ${r.logId}`);
  return {
    header,
    body,
    row: {
      logId: r.logId,
      seq: header.seq,
      atMs: header.atMs,
      type: header.type,
      meterId: header.meterId || null,
      versionAfter: header.versionAfter,
      hash: Buffer.from(r.hash, 'hex'),
      header: headerBytes,
      body: Buffer.from(r.body, 'base64'),
      headSignature: r.headSignature ?? null,
    },
  };
}
