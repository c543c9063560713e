import { fail } from '../../errors.js';
import type { LogRecordWire, SignedHeadWire } from '../../module/index.js';
import { decodeHeader, recordHash } from '../../ledger/index.js';
import type { LogRecordWrite } from '../../store/index.js';

/**
 * The rows for one module dispatch's log records. The module signed the head after the last of
 * them, so that row carries the signature. A header that does not decode, or a head that is not
 * the last record, means the module's answer is broken: nothing of it may be stored.
 */
export function logRows(serial: string, records: readonly LogRecordWire[], head: SignedHeadWire | undefined): LogRecordWrite[] {
  if (records.length === 0) return [];
  const last = records[records.length - 1]!;
  if (!head || head.logId !== serial || head.seq !== last.seq || head.hash !== last.hash)
    fail('internal', 'the module returned log records without their signed head');
  return records.map((r) => {
    const header = Buffer.from(r.header, 'hex');
    const h = decodeHeader(header);
    if (!h || h.logId !== serial || h.seq.toString() !== r.seq) fail('internal', 'the module returned a malformed log record');
    const body = Buffer.from(r.body, 'base64');
    if (recordHash({ header, body }) !== r.hash) fail('internal', 'a log record from the module does not match its hash');
    return {
      logId: serial,
      seq: h.seq,
      atMs: h.atMs,
      type: h.type,
      meterId: h.meterId === '' ? null : h.meterId,
      versionAfter: h.versionAfter,
      hash: Buffer.from(r.hash, 'hex'),
      header,
      body,
      headSignature: r === last ? Buffer.from(head.signature, 'hex') : null,
    };
  });
}
