// The audit verifier: shows that a shipped log is complete and untouched, from public data only
// (the installation CA, the module certificates and the segments; no secret).
//
// For every log (one per module, log id = module serial) it reads the segments in sequence order,
// one at a time, and checks: each file parses; its records are consecutive and each header is a
// well-formed header of this log; each record hashes to its stored hash and names the previous
// record's hash (across segment boundaries; the log starts at seq 1 from GENESIS_HASH); the head
// agrees with the records and its signature verifies with the module certificate, which must be
// issued by the CA, currently valid and name this module; and the segments follow one another with
// no gap and no overlap. A log is checked only up to its first problem, which is named precisely
// (object key, 1-based line, seq); the other logs are still checked.
//
// What the log alone cannot show: that no segment was removed from the END of a log. Compare each
// log's lastSeq/headHash with the module's own checkpoint when that matters.

import type { KeyObject, X509Certificate } from 'node:crypto';
import { MAX_AUDIT_CERT_BYTES, MAX_AUDIT_IGNORED_KEYS } from '../constants.js';
import type { AnyErrorCode } from '../errors.js';
import { certificateChainsTo, parseCertificate } from '../crypto/index.js';
import { headSignatureValid } from './head.js';
import { decodeHeader, GENESIS_HASH, recordHash, type LogHeader } from './record.js';
import { decodeSegment, SEGMENT_FORMAT, SEGMENT_KEY, SegmentFormatError, type SegmentHead, type SegmentRecord } from './segment.js';
import type { ShipTarget } from '../platform/index.js';

export type LogProblemCode =
  /** the file is not a segment: bad JSON, a missing field, a file name that is not first ≤ last */
  | 'segment_malformed'
  /** the file ends early: cut mid-line, or fewer records than its head announces */
  | 'segment_truncated'
  /** the target failed to return the segment */
  | 'segment_unreadable'
  /** a record line whose fields disagree with its header or are badly encoded (seq field, base64 body) */
  | 'record_malformed'
  /** the header does not decode, or belongs to another log or module */
  | 'header_malformed'
  /** the record does not hash to its stored hash: its header or body was altered */
  | 'record_hash_mismatch'
  /** the record disagrees with the hash chain (its prevHash, or what the next record or the signed head commit to) */
  | 'chain_broken'
  /** records are missing: between segments, before the first segment, or inside a segment */
  | 'sequence_gap'
  /** records appear twice: overlapping or duplicated segments, or a repeated record */
  | 'sequence_overlap'
  /** records are out of order inside a segment */
  | 'sequence_reordered'
  /** the segment head disagrees with its file name, the previous segment or its records */
  | 'head_mismatch'
  /** the head signature does not verify with the module certificate */
  | 'signature_invalid'
  /** certs/modules/<logId>.pem is absent (or unreadable) */
  | 'certificate_missing'
  /** the module certificate is not issued by the CA, or not valid now */
  | 'certificate_untrusted'
  /** the module certificate is trusted but names another module */
  | 'certificate_wrong_module'
  /** the target holds no log segment at all */
  | 'no_logs';

export interface LogProblem {
  readonly code: LogProblemCode;
  /** null only for `no_logs` */
  readonly logId: string | null;
  /** The object key where the problem is: a segment (logs/…) or a certificate (certs/modules/…). */
  readonly key: string;
  /** 1-based line of the segment file (1 is the head); null for a certificate or a file as a whole. */
  readonly line: number | null;
  /** The sequence number at that place (for missing records, the first one missing); null when none applies. */
  readonly seq: string | null;
  readonly message: string;
}

export interface LogReport {
  readonly logId: string;
  /** true when every segment of this log verified */
  readonly ok: boolean;
  /** segment files found for this log */
  readonly segments: number;
  /** segments verified, in order from the first, before any problem */
  readonly verifiedSegments: number;
  /** records in the verified segments */
  readonly records: number;
  /** last seq and its hash under the last verified signed head (null when none verified) */
  readonly lastSeq: string | null;
  readonly headHash: string | null;
  /** ISO times of the first and last verified records */
  readonly firstAt: string | null;
  readonly lastAt: string | null;
  readonly certificate: { readonly key: string; readonly subject: string; readonly fingerprint256: string } | null;
  /** empty when ok; else the first problem of this log (checking stops there) */
  readonly problems: readonly LogProblem[];
}

export interface LogVerification {
  /** true when at least one log was found and every log verified */
  readonly ok: boolean;
  readonly target: string;
  readonly ca: { readonly subject: string; readonly fingerprint256: string };
  readonly logs: readonly LogReport[];
  /** totals over all logs: segment files found, records verified */
  readonly segments: number;
  readonly records: number;
  /** every log's problems, in log order */
  readonly problems: readonly LogProblem[];
  /** keys under logs/ that are not segment files (first MAX_AUDIT_IGNORED_KEYS) */
  readonly ignoredKeys: readonly string[];
}

export interface VerifyLogOptions {
  /** the installation CA certificate (PEM) the operator trusts */
  caPem: string;
  /** called after each segment (done, total segments over all logs) */
  onProgress?: (done: number, total: number) => void;
  /** the time certificates must be valid at (default now) */
  now?: Date;
}

/** The verification could not run at all (a bad CA certificate); problems in the log are reported, not thrown. */
export class LogVerifyError extends Error {
  override readonly name = 'LogVerifyError';
  constructor(
    readonly code: AnyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface SegmentFile {
  readonly key: string;
  readonly first: bigint;
  readonly last: bigint;
}

/** A problem inside one segment, before it is given its log id and key. */
interface At {
  readonly code: LogProblemCode;
  readonly line: number | null;
  readonly seq: bigint | null;
  readonly message: string;
}

export function moduleCertificateKey(logId: string): string {
  return `certs/modules/${logId}.pem`;
}

/** Verify every log on `target` against the CA; see the file comment for what is checked. */
export async function verifyShippedLog(target: ShipTarget, opts: VerifyLogOptions): Promise<LogVerification> {
  const ca = parseCertificate(opts.caPem);
  if (!ca) throw new LogVerifyError('ca_invalid', 'the CA certificate is not a PEM X.509 certificate');
  if (!ca.ca) throw new LogVerifyError('ca_invalid', `the CA certificate (${oneLine(ca.subject)}) is not a CA certificate`);
  const now = opts.now ?? new Date();

  const byLog = new Map<string, SegmentFile[]>();
  const ignoredKeys: string[] = [];
  for (const key of await target.list('logs/')) {
    const m = SEGMENT_KEY.exec(key);
    if (!m) {
      if (ignoredKeys.length < MAX_AUDIT_IGNORED_KEYS) ignoredKeys.push(key);
      continue;
    }
    const list = byLog.get(m[1]!) ?? [];
    list.push({ key, first: BigInt(m[2]!), last: BigInt(m[3]!) });
    byLog.set(m[1]!, list);
  }
  const total = [...byLog.values()].reduce((n, l) => n + l.length, 0);
  let done = 0;
  const tick = () => {
    done += 1;
    opts.onProgress?.(done, total);
  };

  const logs: LogReport[] = [];
  for (const logId of [...byLog.keys()].sort()) {
    const files = byLog.get(logId)!.sort((a, b) => (a.first !== b.first ? (a.first < b.first ? -1 : 1) : a.last < b.last ? -1 : a.last > b.last ? 1 : 0));
    logs.push(await verifyLog(target, logId, files, ca, now, tick));
  }
  const problems: LogProblem[] = logs.flatMap((l) => l.problems);
  if (logs.length === 0)
    problems.push({ code: 'no_logs', logId: null, key: 'logs/', line: null, seq: null, message: `${target.name} holds no log segment under logs/` });
  return {
    ok: problems.length === 0,
    target: target.name,
    ca: { subject: oneLine(ca.subject), fingerprint256: ca.fingerprint256 },
    logs,
    segments: total,
    records: logs.reduce((n, l) => n + l.records, 0),
    problems,
    ignoredKeys,
  };
}

async function verifyLog(
  target: ShipTarget,
  logId: string,
  files: readonly SegmentFile[],
  ca: X509Certificate,
  now: Date,
  tick: () => void,
): Promise<LogReport> {
  let verifiedSegments = 0;
  let records = 0;
  let lastSeq: bigint | null = null;
  let headHash: string | null = null;
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  let problem: LogProblem | null = null;
  const report = (certificate: LogReport['certificate']): LogReport => ({
    logId,
    ok: problem === null,
    segments: files.length,
    verifiedSegments,
    records,
    lastSeq: lastSeq?.toString() ?? null,
    headHash,
    firstAt: firstAt === null ? null : new Date(firstAt).toISOString(),
    lastAt: lastAt === null ? null : new Date(lastAt).toISOString(),
    certificate,
    problems: problem ? [problem] : [],
  });

  const certKey = moduleCertificateKey(logId);
  const cert = await moduleCertificate(target, logId, certKey, ca, now);
  if ('problem' in cert) {
    problem = { code: cert.problem.code, logId, key: certKey, line: null, seq: null, message: cert.problem.message };
    files.forEach(() => tick());
    return report(null);
  }
  const certificate = { key: certKey, subject: oneLine(cert.cert.subject), fingerprint256: cert.cert.fingerprint256 };

  let nextSeq = 1n;
  let prevHash = GENESIS_HASH;
  let prevKey: string | null = null;
  for (const file of files) {
    if (problem) {
      tick();
      continue;
    }
    let at = segmentPosition(file, nextSeq, prevKey);
    if (at === null) {
      const r = await verifySegment(target, logId, file, prevHash, prevKey, cert.key, certKey);
      if ('problem' in r) at = r.problem;
      else {
        verifiedSegments += 1;
        records += r.records;
        nextSeq = file.last + 1n;
        prevHash = r.headHash;
        prevKey = file.key;
        lastSeq = file.last;
        headHash = r.headHash;
        firstAt ??= r.firstAt;
        lastAt = r.lastAt;
      }
    }
    if (at) problem = { code: at.code, logId, key: file.key, line: at.line, seq: at.seq?.toString() ?? null, message: at.message };
    tick();
  }
  return report(certificate);
}

/** Where a segment file sits in its log: a problem when its name is not the next run of records. */
function segmentPosition(file: SegmentFile, nextSeq: bigint, prevKey: string | null): At | null {
  if (file.first === 0n || file.first > file.last) {
    return {
      code: 'segment_malformed',
      line: null,
      seq: null,
      message: `the file name says records ${file.first}..${file.last}, which is not a run of records (first must be ≥ 1 and ≤ last)`,
    };
  }
  if (file.first > nextSeq) {
    const missing = file.first - 1n === nextSeq ? `record ${nextSeq} is` : `records ${nextSeq}..${file.first - 1n} are`;
    return {
      code: 'sequence_gap',
      line: 1,
      seq: nextSeq,
      message:
        prevKey === null
          ? `the log starts at record ${file.first}: ${missing} missing (no segment holds them)`
          : `${missing} missing: no segment between ${prevKey} and this one`,
    };
  }
  if (file.first < nextSeq) {
    return {
      code: 'sequence_overlap',
      line: 1,
      seq: file.first,
      message: `this segment starts at record ${file.first}, but ${prevKey ?? 'an earlier segment'} already holds the records up to ${nextSeq - 1n}${file.last < nextSeq ? ' (a duplicate)' : ''}`,
    };
  }
  return null;
}

async function moduleCertificate(
  target: ShipTarget,
  logId: string,
  certKey: string,
  ca: X509Certificate,
  now: Date,
): Promise<{ cert: X509Certificate; key: KeyObject } | { problem: { code: LogProblemCode; message: string } }> {
  let pem: Buffer | null;
  try {
    pem = await target.get(certKey);
  } catch (err) {
    return { problem: { code: 'certificate_missing', message: `the module certificate cannot be read: ${(err as Error).message}` } };
  }
  if (pem === null)
    return { problem: { code: 'certificate_missing', message: `the module certificate ${certKey} is missing, so no head of log ${logId} can be checked` } };
  const cert = pem.length <= MAX_AUDIT_CERT_BYTES ? parseCertificate(pem.toString('utf8')) : null;
  if (!cert)
    return { problem: { code: 'certificate_untrusted', message: `${certKey} is not a PEM X.509 certificate (of at most ${MAX_AUDIT_CERT_BYTES} bytes)` } };
  if (!certificateChainsTo(cert, ca, now))
    return { problem: { code: 'certificate_untrusted', message: `the module certificate is not trusted: ${whyUntrusted(cert, ca, now)}` } };
  const cn = commonName(cert);
  if (cn !== `module ${logId}`) {
    return {
      problem: {
        code: 'certificate_wrong_module',
        message: `the module certificate is for ${JSON.stringify(cn ?? oneLine(cert.subject))}, not for "module ${logId}"`,
      },
    };
  }
  return { cert, key: cert.publicKey };
}

function whyUntrusted(cert: X509Certificate, ca: X509Certificate, now: Date): string {
  const t = now.getTime();
  if (t < Date.parse(ca.validFrom) || t > Date.parse(ca.validTo)) return `the CA certificate is not valid now (valid from ${ca.validFrom} to ${ca.validTo})`;
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    return `it is not issued by the installation CA (its issuer: ${oneLine(cert.issuer)}; the CA: ${oneLine(ca.subject)}, SHA-256 ${ca.fingerprint256})`;
  }
  if (t < Date.parse(cert.validFrom) || t > Date.parse(cert.validTo)) return `it is not valid now (valid from ${cert.validFrom} to ${cert.validTo})`;
  return 'it does not chain to the CA';
}

function commonName(cert: X509Certificate): string | null {
  const line = cert.subject.split('\n').find((l) => l.startsWith('CN='));
  return line === undefined ? null : line.slice('CN='.length);
}

function oneLine(dn: string): string {
  return dn.split('\n').join(', ');
}

type SegmentResult = { problem: At } | { records: number; headHash: string; firstAt: number; lastAt: number };

async function verifySegment(
  target: ShipTarget,
  logId: string,
  file: SegmentFile,
  prevHash: string,
  prevKey: string | null,
  publicKey: KeyObject,
  certKey: string,
): Promise<SegmentResult> {
  const parsed = await readSegment(target, file);
  if ('problem' in parsed) return parsed;
  const { head, records, structural } = parsed;
  const headProblem = checkHead(head, file, logId, prevHash, prevKey, publicKey, certKey);
  if (headProblem) return headProblem;
  const first = BigInt(head.firstSeq);
  const last = BigInt(head.lastSeq);

  // The records (lines 2…), in order.
  let prev = prevHash;
  let firstAt = 0;
  let lastAt = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const line = i + 2;
    const e = first + BigInt(i);
    const at = (code: LogProblemCode, message: string, l = line, seq = e): SegmentResult => ({ problem: { code, line: l, seq, message } });
    if (e > last) return at('head_mismatch', `line ${line} holds a record after the head's last record ${last}`);
    const header = headerOf(r);
    if (header === null) return at('header_malformed', `the record header is not a well-formed v1 log header`);
    if (header.logId !== logId) return at('header_malformed', `the record header is for log ${JSON.stringify(header.logId)}, not ${logId}`);
    if (header.seq !== e) {
      const later = records.findIndex((o, j) => j > i && o.seq === e.toString());
      if (later >= 0) return at('sequence_reordered', `line ${line} holds record ${header.seq}, but record ${e} belongs here (it is on line ${later + 2})`);
      if (header.seq > e) {
        const missing = header.seq - 1n === e ? `record ${e} is` : `records ${e}..${header.seq - 1n} are`;
        return at('sequence_gap', `${missing} missing: line ${line} holds record ${header.seq}`);
      }
      return at('sequence_overlap', `line ${line} holds record ${header.seq} again where record ${e} belongs`);
    }
    if (header.moduleSerial !== logId) return at('header_malformed', `the record header names module ${JSON.stringify(header.moduleSerial)}, not ${logId}`);
    if (r.seq !== e.toString()) return at('record_malformed', `the line's seq field says ${JSON.stringify(r.seq)}, its header says ${e}`);
    const body = base64(r.body);
    if (body === null) return at('record_malformed', 'the record body is not canonical base64');
    const hash = recordHash({ header: Buffer.from(r.header, 'hex'), body });
    if (r.hash !== hash)
      return at('record_hash_mismatch', `the record hashes to ${hash}, but the file says ${JSON.stringify(r.hash)}: its header or body was altered`);
    if (header.prevHash !== prev) {
      if (i === 0) {
        return at(
          'chain_broken',
          prevKey === null
            ? `the first record of the log names prevHash ${header.prevHash}, not the genesis hash`
            : `the record names prevHash ${header.prevHash}, but record ${e - 1n} (the last of ${prevKey}, under its signed head) hashes to ${prev}`,
        );
      }
      if (structural === null && pinnedFrom(records, i, first, logId, head.headHash)) {
        // Record e and everything after it chain to the signed head, so it is record e-1 that was altered.
        return at(
          'chain_broken',
          `record ${e - 1n} was altered: it hashes to ${prev}, but record ${e} and the signed head commit to ${header.prevHash}`,
          line - 1,
          e - 1n,
        );
      }
      return at('chain_broken', `the record names prevHash ${header.prevHash}, but record ${e - 1n} (line ${line - 1}) hashes to ${prev}`);
    }
    prev = hash;
    if (i === 0) firstAt = header.atMs;
    lastAt = header.atMs;
  }

  return segmentEnd(records.length, head, prev, structural) ?? { records: records.length, headHash: head.headHash, firstAt, lastAt };
}

async function readSegment(target: ShipTarget, file: SegmentFile): Promise<Parsed> {
  let bytes: Buffer | null;
  try {
    bytes = await target.get(file.key);
  } catch (err) {
    return { problem: { code: 'segment_unreadable', line: null, seq: null, message: `the segment cannot be read: ${(err as Error).message}` } };
  }
  if (bytes === null)
    return { problem: { code: 'segment_unreadable', line: null, seq: null, message: 'the segment disappeared while the log was being verified' } };
  return parseSegment(bytes);
}

/** The head (line 1): what it claims about this log, the file name and the previous segment; then its signature. */
function checkHead(
  head: SegmentHead,
  file: SegmentFile,
  logId: string,
  prevHash: string,
  prevKey: string | null,
  publicKey: KeyObject,
  certKey: string,
): SegmentResult | null {
  const first = BigInt(head.firstSeq);
  const last = BigInt(head.lastSeq);
  const atHead = (code: LogProblemCode, message: string): SegmentResult => ({ problem: { code, line: 1, seq: last, message } });
  if (head.logId !== logId) return atHead('head_mismatch', `the head is for log ${JSON.stringify(head.logId)}, but the file is in log ${logId}`);
  if (first !== file.first || last !== file.last)
    return atHead('head_mismatch', `the file name says records ${file.first}..${file.last}, the head says ${first}..${last}`);
  if (head.prevHash !== prevHash) {
    return atHead(
      'head_mismatch',
      prevKey === null
        ? `the head's prevHash is ${head.prevHash}, but the first segment of a log must start from the genesis hash`
        : `the head's prevHash is ${head.prevHash}, but ${prevKey} ends with record ${first - 1n} hashing to ${prevHash}`,
    );
  }
  if (!headSignatureValid(publicKey, { logId, seq: last, hash: head.headHash, signature: head.headSignature })) {
    return atHead(
      'signature_invalid',
      `the head signature over (log ${logId}, record ${last}, hash ${head.headHash}) does not verify with the module certificate ${certKey}`,
    );
  }
  return null;
}

/** The end: what the file structure said was wrong, else the head's claims about the last record (`prev` is its hash). */
function segmentEnd(count: number, head: SegmentHead, prev: string, structural: At | null): SegmentResult | null {
  const first = BigInt(head.firstSeq);
  const last = BigInt(head.lastSeq);
  if (structural) return { problem: structural };
  const n = BigInt(count);
  if (n === 0n)
    return {
      problem: { code: 'segment_truncated', line: 2, seq: first, message: `the segment holds no record; its head announces records ${first}..${last}` },
    };
  if (first + n - 1n < last) {
    const missing = first + n === last ? `record ${last} is` : `records ${first + n}..${last} are`;
    return {
      problem: {
        code: 'segment_truncated',
        line: count + 2,
        seq: first + n,
        message: `${missing} missing: the signed head announces records up to ${last}, the file ends after line ${count + 1}`,
      },
    };
  }
  if (prev !== head.headHash) {
    return {
      problem: {
        code: 'chain_broken',
        line: count + 1,
        seq: last,
        message: `record ${last} was altered: it hashes to ${prev}, but the signed head commits to ${head.headHash}`,
      },
    };
  }
  return null;
}

function headerOf(r: SegmentRecord): LogHeader | null {
  if (!/^(?:[0-9a-f]{2})+$/.test(r.header)) return null;
  return decodeHeader(Buffer.from(r.header, 'hex'));
}

function base64(text: string): Buffer | null {
  const b = Buffer.from(text, 'base64');
  return b.toString('base64') === text ? b : null;
}

/** Do records[i..] form an intact chain, in sequence, ending at the signed head hash? */
function pinnedFrom(records: readonly SegmentRecord[], i: number, first: bigint, logId: string, headHash: string): boolean {
  let expect = headHash;
  for (let j = records.length - 1; j >= i; j--) {
    const r = records[j]!;
    const h = headerOf(r);
    const body = base64(r.body);
    if (!h || !body || h.logId !== logId || h.seq !== first + BigInt(j)) return false;
    if (recordHash({ header: Buffer.from(r.header, 'hex'), body }) !== expect) return false;
    expect = h.prevHash;
  }
  return true;
}

// ---- parsing: decodeSegment, and where it refuses a file, the records before the faulty line ----

type Parsed = { problem: At } | { head: SegmentHead; records: readonly SegmentRecord[]; structural: At | null };

function parseSegment(bytes: Buffer): Parsed {
  let err: SegmentFormatError;
  try {
    const s = decodeSegment(bytes);
    return { head: s.head, records: s.records, structural: null };
  } catch (e) {
    if (!(e instanceof SegmentFormatError)) throw e;
    err = e;
  }
  // The file is refused. Keep the head and the well-formed records before the faulty line, so that a
  // record altered before it is still named first; the structural problem comes after them.
  const text = bytes.toString('utf8');
  const complete = text.endsWith('\n');
  const lines = (complete ? text.slice(0, -1) : text).split('\n');
  const head = parseHead(lines[0]!);
  if (typeof head === 'string') {
    const truncated = !complete && lines.length === 1;
    return {
      problem: {
        code: truncated ? 'segment_truncated' : 'segment_malformed',
        line: 1,
        seq: null,
        message: truncated ? `the file ends inside the head line (${bytes.length} bytes)` : head,
      },
    };
  }
  const first = BigInt(head.firstSeq);
  const records: SegmentRecord[] = [];
  let structural: At | null = null;
  for (let i = 1; i < lines.length && structural === null; i++) {
    const line = i + 1;
    const seq = first + BigInt(i - 1);
    if (!complete && i === lines.length - 1) {
      structural = { code: 'segment_truncated', line, seq, message: `the file is cut short: it ends inside line ${line} (no final newline)` };
      break;
    }
    const r = parseRecord(lines[i]!);
    if (typeof r === 'string') structural = { code: 'segment_malformed', line, seq, message: r };
    else records.push(r);
  }
  if (structural === null && typeof head.records === 'number' && Number.isSafeInteger(head.records) && records.length < head.records) {
    structural = {
      code: 'segment_truncated',
      line: lines.length + 1,
      seq: first + BigInt(records.length),
      message: `the head announces ${head.records} records, the file holds only ${records.length}: it was cut after line ${lines.length}`,
    };
  }
  structural ??= { code: 'segment_malformed', line: err.line, seq: null, message: err.message };
  return { head, records, structural };
}

function parseObject(line: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The head as decodeSegment checks it, or why it is refused. */
function parseHead(line: string): SegmentHead | string {
  const h = parseObject(line);
  if (!h) return 'the head line is not a JSON object';
  if (h.format !== SEGMENT_FORMAT) return `not a ${SEGMENT_FORMAT} file`;
  for (const f of ['logId', 'firstSeq', 'lastSeq', 'prevHash', 'headHash', 'headSignature']) {
    if (typeof h[f] !== 'string') return `the segment head lacks ${f}`;
  }
  if (!/^\d{1,19}$/.test(h.firstSeq as string) || !/^\d{1,19}$/.test(h.lastSeq as string)) return 'bad sequence numbers in the segment head';
  return h as unknown as SegmentHead;
}

function parseRecord(line: string): SegmentRecord | string {
  const r = parseObject(line);
  if (!r) return 'not a JSON object';
  for (const f of ['seq', 'hash', 'header', 'body']) {
    if (typeof r[f] !== 'string') return `record lacks ${f}`;
  }
  return r as unknown as SegmentRecord;
}
