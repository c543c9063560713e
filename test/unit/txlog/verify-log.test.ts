import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate, newCertSerialHex, type Authority } from '../../../src/module/certificates.js';
import { chainRecords, type ChainPosition, type RecordDraft } from '../../../src/ledger/chain.js';
import { logKeys } from '../helpers/txlog.js';
import { signHead } from '../../../src/ledger/head.js';
import { decodeHeader, GENESIS_HASH, recordHash } from '../../../src/ledger/record.js';
import { encodeSegment, SEGMENT_FORMAT, segmentKey, type SegmentHead, type SegmentRecord } from '../../../src/ledger/segment.js';
import { DirectoryTarget } from '../../../src/txlog/targets/index.js';
import { LogVerifyError, verifyShippedLog, type LogVerification } from '../../../src/ledger/verify-log.js';

// A real installation: CA, two modules with P-256 identity keys and CA-issued certificates, and
// their logs chained with chainRecords, cut into segments and written with the directory target.

const A = 'VM-AAAA0001';
const B = 'VM-BBBB0002';
const SIZES: Record<string, number[]> = { [A]: [3, 4, 2], [B]: [5, 3] };
const NOW = new Date();
const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);

interface Module {
  readonly key: KeyObject;
  readonly certPem: string;
  /** key → signed head, per segment in order */
  readonly segments: { key: string; head: SegmentHead; records: SegmentRecord[] }[];
}

let dir: string;
let pristine: string;
let ca: Authority;
const modules = new Map<string, Module>();
let copies = 0;

async function moduleIdentity(authority: Authority, serial: string): Promise<{ key: KeyObject; certPem: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certPem = await issueCertificate(authority, {
    subject: `CN=module ${serial}, O=Vaultmeter`,
    publicSpki: publicKey.export({ type: 'spki', format: 'der' }),
    serialHex: newCertSerialHex(),
    notBefore: new Date(NOW.getTime() - 60_000),
    notAfter: new Date(NOW.getTime() + 365 * 86_400_000),
  });
  return { key: privateKey, certPem };
}

function drafts(n: number, from: number): RecordDraft[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'print',
    meterId: `meter-${(from + i) % 3}`,
    versionBefore: BigInt(from + i),
    versionAfter: BigInt(from + i + 1),
    arBeforeMills: BigInt((from + i) * 730),
    drBeforeMills: 100_000n - BigInt((from + i) * 730),
    arAfterMills: BigInt((from + i + 1) * 730),
    drAfterMills: 100_000n - BigInt((from + i + 1) * 730),
    body: { item: `item-${from + i}`, amountMills: '730' },
  }));
}

/** A segment of `logId` holding records first..first+n-1 after `pos`, with a head signed by `key`. */
async function buildSegment(
  logId: string,
  key: KeyObject,
  logKey: Buffer,
  pos: ChainPosition,
  n: number,
): Promise<{ key: string; head: SegmentHead; records: SegmentRecord[]; next: ChainPosition }> {
  const first = pos.seq + 1n;
  const { records, head } = await chainRecords(logKeys(logKey), logId, pos, T0 + Number(first) * 1000, drafts(n, Number(first)));
  const signed = signHead(key, { logId, seq: head.seq, hash: head.hash });
  const segHead: SegmentHead = {
    format: SEGMENT_FORMAT,
    logId,
    firstSeq: first.toString(),
    lastSeq: head.seq.toString(),
    prevHash: pos.hash,
    headHash: head.hash,
    headSignature: signed.signature,
    records: records.length,
  };
  return { key: segmentKey(logId, first, head.seq), head: segHead, records, next: head };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vm-verify-log-'));
  pristine = join(dir, 'pristine');
  await mkdir(pristine);
  const target = new DirectoryTarget(pristine);
  ca = await createAuthority('Test', NOW);
  await target.put('certs/ca.pem', Buffer.from(ca.certPem));
  const bodyKey = randomBytes(32);
  for (const [logId, sizes] of Object.entries(SIZES)) {
    const id = await moduleIdentity(ca, logId);
    await target.put(`certs/modules/${logId}.pem`, Buffer.from(id.certPem));
    let pos: ChainPosition = { seq: 0n, hash: GENESIS_HASH };
    const segments: Module['segments'] = [];
    for (const n of sizes) {
      const s = await buildSegment(logId, id.key, bodyKey, pos, n);
      await target.put(s.key, encodeSegment({ head: s.head, records: s.records }));
      segments.push({ key: s.key, head: s.head, records: s.records });
      pos = s.next;
    }
    modules.set(logId, { ...id, segments });
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A fresh copy of the intact installation to tamper with. */
async function copy(): Promise<{ root: string; target: DirectoryTarget }> {
  const root = join(dir, `copy-${++copies}`);
  await cp(pristine, root, { recursive: true });
  return { root, target: new DirectoryTarget(root) };
}

function seg(logId: string, i: number): string {
  return modules.get(logId)!.segments[i]!.key;
}

async function lines(root: string, key: string): Promise<string[]> {
  return (await readFile(join(root, key), 'utf8')).slice(0, -1).split('\n');
}

async function writeLines(root: string, key: string, ls: string[]): Promise<void> {
  await writeFile(join(root, key), `${ls.join('\n')}\n`);
}

/** Change one record line (n is the 1-based file line) through `edit`. */
async function editRecord(root: string, key: string, n: number, edit: (r: SegmentRecord) => SegmentRecord): Promise<void> {
  const ls = await lines(root, key);
  ls[n - 1] = JSON.stringify(edit(JSON.parse(ls[n - 1]!) as SegmentRecord));
  await writeLines(root, key, ls);
}

async function editHead(root: string, key: string, edit: (h: SegmentHead) => SegmentHead): Promise<void> {
  const ls = await lines(root, key);
  ls[0] = JSON.stringify(edit(JSON.parse(ls[0]!) as SegmentHead));
  await writeLines(root, key, ls);
}

function verify(target: DirectoryTarget, now = NOW): Promise<LogVerification> {
  return verifyShippedLog(target, { caPem: ca.certPem, now });
}

/** The log's only problem, with its location; and every other log still verified. */
function onlyProblem(r: LogVerification, logId: string) {
  expect(r.ok).toBe(false);
  for (const l of r.logs) if (l.logId !== logId) expect(l.ok, `log ${l.logId}: ${JSON.stringify(l.problems)}`).toBe(true);
  const log = r.logs.find((l) => l.logId === logId)!;
  expect(log.problems).toHaveLength(1);
  expect(r.problems).toEqual(log.problems);
  const p = log.problems[0]!;
  expect(p.message.length).toBeGreaterThan(10);
  return { code: p.code, key: p.key, line: p.line, seq: p.seq };
}

describe('verifyShippedLog on an intact log', () => {
  it('verifies every log with its counts, last head and times', async () => {
    const progress: [number, number][] = [];
    const r = await verifyShippedLog(new DirectoryTarget(pristine), { caPem: ca.certPem, onProgress: (d, t) => progress.push([d, t]) });
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.segments).toBe(5);
    expect(r.records).toBe(17);
    expect(r.ignoredKeys).toEqual([]);
    expect(r.target).toBe(`dir:${pristine}`);
    expect(r.ca.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(progress).toEqual([1, 2, 3, 4, 5].map((d) => [d, 5]));
    const a = modules.get(A)!.segments;
    expect(r.logs.map((l) => l.logId)).toEqual([A, B]);
    expect(r.logs[0]).toMatchObject({
      logId: A,
      ok: true,
      segments: 3,
      verifiedSegments: 3,
      records: 9,
      lastSeq: '9',
      headHash: a[2]!.head.headHash,
      firstAt: new Date(T0 + 1000).toISOString(),
      lastAt: new Date(T0 + 8000).toISOString(),
      certificate: { key: `certs/modules/${A}.pem`, subject: `CN=module ${A}, O=Vaultmeter` },
      problems: [],
    });
    expect(r.logs[1]).toMatchObject({
      logId: B,
      ok: true,
      segments: 2,
      verifiedSegments: 2,
      records: 8,
      lastSeq: '8',
      headHash: modules.get(B)!.segments[1]!.head.headHash,
    });
  });

  it('lists (and ignores) keys under logs/ that are not segment files', async () => {
    const { root, target } = await copy();
    await writeFile(join(root, 'logs', A, 'README'), 'notes');
    const r = await verify(target);
    expect(r.ok).toBe(true);
    expect(r.ignoredKeys).toEqual([`logs/${A}/README`]);
  });

  it('refuses a target with no log at all', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const r = await verify(new DirectoryTarget(empty));
    expect(r.ok).toBe(false);
    expect(r.problems).toMatchObject([{ code: 'no_logs', logId: null, key: 'logs/' }]);
  });

  it('throws on a CA that is not a CA certificate', async () => {
    const target = new DirectoryTarget(pristine);
    await expect(verifyShippedLog(target, { caPem: 'not a certificate' })).rejects.toMatchObject({ code: 'ca_invalid' });
    await expect(verifyShippedLog(target, { caPem: modules.get(A)!.certPem })).rejects.toBeInstanceOf(LogVerifyError);
  });
});

describe('verifyShippedLog refuses tampering, naming the first bad record', () => {
  it('a header byte flipped inside a value (the record no longer hashes to its stored hash)', async () => {
    const { root, target } = await copy();
    await editRecord(root, seg(A, 1), 3, (r) => {
      const h = Buffer.from(r.header, 'hex');
      const at = h.indexOf('print');
      h[at + 4] = h[at + 4]! ^ 0x01;
      expect(decodeHeader(h)?.type).toBe('prinu');
      return { ...r, header: h.toString('hex') };
    });
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'record_hash_mismatch', key: seg(A, 1), line: 3, seq: '5' });
  });

  it('a header byte flipped in its structure (the header no longer decodes)', async () => {
    const { root, target } = await copy();
    await editRecord(root, seg(A, 1), 3, (r) => {
      const h = Buffer.from(r.header, 'hex');
      h[4] = h[4]! ^ 0x20;
      return { ...r, header: h.toString('hex') };
    });
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'header_malformed', key: seg(A, 1), line: 3, seq: '5' });
  });

  it('a body byte flipped', async () => {
    const { root, target } = await copy();
    await editRecord(root, seg(B, 0), 2, (r) => {
      const b = Buffer.from(r.body, 'base64');
      b[10] = b[10]! ^ 0x80;
      return { ...r, body: b.toString('base64') };
    });
    expect(onlyProblem(await verify(target), B)).toEqual({ code: 'record_hash_mismatch', key: seg(B, 0), line: 2, seq: '1' });
  });

  it('a body altered and its stored hash recomputed: the record the chain and the signed head disown', async () => {
    const alter = (r: SegmentRecord): SegmentRecord => {
      const b = Buffer.from(r.body, 'base64');
      b[0] = b[0]! ^ 0x01;
      const body = b.toString('base64');
      return { ...r, body, hash: recordHash({ header: Buffer.from(r.header, 'hex'), body: b }) };
    };
    const mid = await copy();
    await editRecord(mid.root, seg(A, 1), 3, alter);
    expect(onlyProblem(await verify(mid.target), A)).toEqual({ code: 'chain_broken', key: seg(A, 1), line: 3, seq: '5' });
    const last = await copy();
    await editRecord(last.root, seg(A, 1), 5, alter);
    expect(onlyProblem(await verify(last.target), A)).toEqual({ code: 'chain_broken', key: seg(A, 1), line: 5, seq: '7' });
  });

  it('a dropped record (its line removed, the head count adjusted)', async () => {
    const { root, target } = await copy();
    const ls = await lines(root, seg(A, 1));
    ls.splice(3, 1); // line 4: record 6
    const head = JSON.parse(ls[0]!) as SegmentHead;
    ls[0] = JSON.stringify({ ...head, records: head.records - 1 });
    await writeLines(root, seg(A, 1), ls);
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'sequence_gap', key: seg(A, 1), line: 4, seq: '6' });
  });

  it('two records swapped', async () => {
    const { root, target } = await copy();
    const ls = await lines(root, seg(A, 1));
    [ls[2], ls[3]] = [ls[3]!, ls[2]!]; // lines 3 and 4: records 5 and 6
    await writeLines(root, seg(A, 1), ls);
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'sequence_reordered', key: seg(A, 1), line: 3, seq: '5' });
  });

  it('a record repeated in place of the next one', async () => {
    const { root, target } = await copy();
    const ls = await lines(root, seg(A, 1));
    ls[3] = ls[2]!; // line 4 holds record 5 again
    await writeLines(root, seg(A, 1), ls);
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'sequence_overlap', key: seg(A, 1), line: 4, seq: '6' });
  });

  it('a segment cut mid-line', async () => {
    const { root, target } = await copy();
    const bytes = await readFile(join(root, seg(A, 1)));
    const ls = await lines(root, seg(A, 1));
    const line4Start = ls.slice(0, 3).join('\n').length + 1;
    await writeFile(join(root, seg(A, 1)), bytes.subarray(0, line4Start + 40));
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'segment_truncated', key: seg(A, 1), line: 4, seq: '6' });
  });

  it('a segment cut just before its final newline', async () => {
    const { root, target } = await copy();
    const bytes = await readFile(join(root, seg(B, 1)));
    await writeFile(join(root, seg(B, 1)), bytes.subarray(0, bytes.length - 1));
    expect(onlyProblem(await verify(target), B)).toEqual({ code: 'segment_truncated', key: seg(B, 1), line: 4, seq: '8' });
  });

  it('a segment cut inside its head line, or emptied', async () => {
    const cut = await copy();
    await writeFile(join(cut.root, seg(A, 0)), (await readFile(join(cut.root, seg(A, 0)))).subarray(0, 30));
    expect(onlyProblem(await verify(cut.target), A)).toEqual({ code: 'segment_truncated', key: seg(A, 0), line: 1, seq: null });
    const empty = await copy();
    await writeFile(join(empty.root, seg(A, 0)), '');
    expect(onlyProblem(await verify(empty.target), A)).toEqual({ code: 'segment_truncated', key: seg(A, 0), line: 1, seq: null });
  });

  it('whole trailing lines cut (head left as it was)', async () => {
    const { root, target } = await copy();
    const ls = await lines(root, seg(A, 1));
    await writeLines(root, seg(A, 1), ls.slice(0, 3)); // head + records 4, 5
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'segment_truncated', key: seg(A, 1), line: 4, seq: '6' });
  });

  it('whole trailing lines cut and the head count adjusted', async () => {
    const { root, target } = await copy();
    const ls = (await lines(root, seg(A, 1))).slice(0, 3);
    const head = JSON.parse(ls[0]!) as SegmentHead;
    ls[0] = JSON.stringify({ ...head, records: 2 });
    await writeLines(root, seg(A, 1), ls);
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'segment_truncated', key: seg(A, 1), line: 4, seq: '6' });
  });

  it('a line that is not JSON', async () => {
    const { root, target } = await copy();
    const ls = await lines(root, seg(B, 0));
    ls[2] = '{"seq":"2",';
    await writeLines(root, seg(B, 0), ls);
    expect(onlyProblem(await verify(target), B)).toEqual({ code: 'segment_malformed', key: seg(B, 0), line: 3, seq: '2' });
  });

  it('a record altered before the line where the file is cut is named first', async () => {
    const { root, target } = await copy();
    await editRecord(root, seg(A, 1), 2, (r) => ({ ...r, hash: 'ff'.repeat(32) }));
    const bytes = await readFile(join(root, seg(A, 1)));
    await writeFile(join(root, seg(A, 1)), bytes.subarray(0, bytes.length - 20));
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'record_hash_mismatch', key: seg(A, 1), line: 2, seq: '4' });
  });

  it('a missing segment (a gap), in the middle or at the start of a log', async () => {
    const mid = await copy();
    await unlink(join(mid.root, seg(A, 1)));
    expect(onlyProblem(await verify(mid.target), A)).toEqual({ code: 'sequence_gap', key: seg(A, 2), line: 1, seq: '4' });
    const start = await copy();
    await unlink(join(start.root, seg(B, 0)));
    expect(onlyProblem(await verify(start.target), B)).toEqual({ code: 'sequence_gap', key: seg(B, 1), line: 1, seq: '1' });
  });

  it('an overlapping segment, even one the module really signed', async () => {
    const { target } = await copy();
    const m = modules.get(A)!;
    // Records 3..5 again, chained after record 2, with a head the module signed.
    const rec2 = m.segments[0]!.records[1]!;
    const s = await buildSegment(A, m.key, randomBytes(32), { seq: 2n, hash: rec2.hash }, 3);
    await target.put(s.key, encodeSegment({ head: s.head, records: s.records }));
    expect(s.key).toBe(segmentKey(A, 3n, 5n));
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'sequence_overlap', key: s.key, line: 1, seq: '3' });
  });

  it('a segment duplicated under another name', async () => {
    const { root, target } = await copy();
    const copyKey = segmentKey(B, 9n, 13n);
    await target.put(copyKey, await readFile(join(root, seg(B, 0))));
    expect(onlyProblem(await verify(target), B)).toEqual({ code: 'head_mismatch', key: copyKey, line: 1, seq: '5' });
  });

  it('a head whose prevHash does not follow the previous segment', async () => {
    const { root, target } = await copy();
    await editHead(root, seg(A, 2), (h) => ({ ...h, prevHash: 'ab'.repeat(32) }));
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'head_mismatch', key: seg(A, 2), line: 1, seq: '9' });
  });

  it('heads signed by a module key certified by ANOTHER CA (a key outside the installation)', async () => {
    const { root, target } = await copy();
    const other = await createAuthority('Test', NOW); // same name, different key
    const foreign = await moduleIdentity(other, A);
    await writeFile(join(root, `certs/modules/${A}.pem`), foreign.certPem);
    for (const s of modules.get(A)!.segments) {
      await editHead(root, s.key, (h) => ({ ...h, headSignature: signHead(foreign.key, { logId: A, seq: BigInt(h.lastSeq), hash: h.headHash }).signature }));
    }
    const r = await verify(target);
    expect(onlyProblem(r, A)).toEqual({ code: 'certificate_untrusted', key: `certs/modules/${A}.pem`, line: null, seq: null });
    expect(r.logs[0]).toMatchObject({ verifiedSegments: 0, records: 0, lastSeq: null, certificate: null });
  });

  it('one head re-signed by a foreign key while the module certificate is intact', async () => {
    const { root, target } = await copy();
    const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await editHead(root, seg(B, 1), (h) => ({ ...h, headSignature: signHead(foreign, { logId: B, seq: BigInt(h.lastSeq), hash: h.headHash }).signature }));
    const r = await verify(target);
    expect(onlyProblem(r, B)).toEqual({ code: 'signature_invalid', key: seg(B, 1), line: 1, seq: '8' });
    expect(r.logs[1]).toMatchObject({ verifiedSegments: 1, records: 5, lastSeq: '5' });
  });

  it('a signature over a different head', async () => {
    const { root, target } = await copy();
    const other = modules.get(A)!.segments[0]!.head.headSignature;
    await editHead(root, seg(A, 1), (h) => ({ ...h, headSignature: other }));
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'signature_invalid', key: seg(A, 1), line: 1, seq: '7' });
  });

  it('a head moved to claim a different last record', async () => {
    const { root, target } = await copy();
    const rec6 = modules.get(A)!.segments[1]!.records[2]!;
    await editHead(root, seg(A, 1), (h) => ({ ...h, headHash: rec6.hash }));
    expect(onlyProblem(await verify(target), A)).toEqual({ code: 'signature_invalid', key: seg(A, 1), line: 1, seq: '7' });
  });

  it('a missing module certificate', async () => {
    const { root, target } = await copy();
    await unlink(join(root, `certs/modules/${B}.pem`));
    expect(onlyProblem(await verify(target), B)).toEqual({ code: 'certificate_missing', key: `certs/modules/${B}.pem`, line: null, seq: null });
  });

  it("another module's certificate in place of this module's", async () => {
    const { root, target } = await copy();
    await writeFile(join(root, `certs/modules/${B}.pem`), modules.get(A)!.certPem);
    expect(onlyProblem(await verify(target), B)).toEqual({ code: 'certificate_wrong_module', key: `certs/modules/${B}.pem`, line: null, seq: null });
  });

  it('module certificates that are no longer valid', async () => {
    const r = await verify(new DirectoryTarget(pristine), new Date(NOW.getTime() + 400 * 86_400_000));
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.code, p.key])).toEqual([
      ['certificate_untrusted', `certs/modules/${A}.pem`],
      ['certificate_untrusted', `certs/modules/${B}.pem`],
    ]);
    expect(r.problems[0]!.message).toMatch(/not valid now/);
  });

  it('stops a log at its first problem and still checks the other logs', async () => {
    const { root, target } = await copy();
    await editRecord(root, seg(A, 0), 3, (r) => ({ ...r, hash: '00'.repeat(32) }));
    await unlink(join(root, seg(A, 2)));
    await editHead(root, seg(B, 1), (h) => ({ ...h, headSignature: h.headSignature.slice(0, -2) + (h.headSignature.endsWith('00') ? '01' : '00') }));
    const progress: number[] = [];
    const r = await verifyShippedLog(target, { caPem: ca.certPem, onProgress: (d) => progress.push(d) });
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(r.problems.map((p) => ({ code: p.code, key: p.key, line: p.line, seq: p.seq }))).toEqual([
      { code: 'record_hash_mismatch', key: seg(A, 0), line: 3, seq: '2' },
      { code: 'signature_invalid', key: seg(B, 1), line: 1, seq: '8' },
    ]);
    expect(r.logs[0]).toMatchObject({ segments: 2, verifiedSegments: 0, records: 0 });
  });
});
