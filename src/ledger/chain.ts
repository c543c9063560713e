import type { LogBodyCrypto } from '../crypto/index.js';
import { encodeHeader, recordHash, sealBody, type LogHeader } from './record.js';

/** A record before it is numbered and chained: what the module knows about one transaction. */
export type RecordDraft = Omit<LogHeader, 'logId' | 'seq' | 'atMs' | 'moduleSerial' | 'prevHash'> & { readonly body: object };

/** A chained record as the module hands it out (hex header, base64 body) for the database. */
export interface ChainedRecord {
  readonly seq: string;
  readonly hash: string;
  /** hex */
  readonly header: string;
  /** base64 */
  readonly body: string;
}

export interface ChainPosition {
  readonly seq: bigint;
  readonly hash: string;
}

/** Number, seal and chain `drafts` after `head`; returns the records and the new head. */
export async function chainRecords(
  crypto: Pick<LogBodyCrypto, 'sealLogBody'>,
  logId: string,
  head: ChainPosition,
  atMs: number,
  drafts: readonly RecordDraft[],
): Promise<{ records: ChainedRecord[]; head: ChainPosition }> {
  let { seq, hash } = head;
  const records: ChainedRecord[] = [];
  for (const d of drafts) {
    seq += 1n;
    const { body: _body, ...fields } = d;
    const h: LogHeader = { ...fields, logId, seq, atMs, moduleSerial: logId, prevHash: hash };
    const header = encodeHeader(h);
    const body = await sealBody(crypto, logId, header, d.body);
    hash = recordHash({ header, body });
    records.push({ seq: seq.toString(), hash, header: header.toString('hex'), body: body.toString('base64') });
  }
  return { records, head: { seq, hash } };
}
