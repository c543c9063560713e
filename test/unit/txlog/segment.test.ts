import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainRecords } from '../../../src/ledger/chain.js';
import { signHead } from '../../../src/ledger/head.js';
import { GENESIS_HASH } from '../../../src/ledger/record.js';
import { decodeSegment, encodeSegment, SEGMENT_FORMAT, SEGMENT_KEY, SegmentFormatError, segmentKey, type Segment } from '../../../src/ledger/segment.js';
import { fundDrafts, logKeys } from '../helpers/txlog.js';

const LOG = 'M-SEG';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const key = logKeys(randomBytes(32));

/** A real segment: records first..first+n-1 chained after `prev`, with a signed head. */
async function segment(n: number, from = { seq: 0n, hash: GENESIS_HASH }): Promise<Segment> {
  const { records, head } = await chainRecords(key, LOG, from, Date.UTC(2026, 2, 14), fundDrafts(n));
  const signed = signHead(privateKey, { logId: LOG, seq: head.seq, hash: head.hash });
  return {
    head: {
      format: SEGMENT_FORMAT,
      logId: LOG,
      firstSeq: (from.seq + 1n).toString(),
      lastSeq: head.seq.toString(),
      prevHash: from.hash,
      headHash: head.hash,
      headSignature: signed.signature,
      records: records.length,
    },
    records,
  };
}

function refusedAt(bytes: Buffer, line: number, message: RegExp): void {
  let err: unknown;
  try {
    decodeSegment(bytes);
  } catch (e) {
    err = e;
  }
  expect(err, 'decodeSegment should throw').toBeInstanceOf(SegmentFormatError);
  expect((err as SegmentFormatError).message).toMatch(message);
  expect((err as SegmentFormatError).line).toBe(line);
}

const lines = (s: Segment) => encodeSegment(s).toString('utf8').slice(0, -1).split('\n');
const file = (ls: string[]) => Buffer.from(`${ls.join('\n')}\n`);

describe('encodeSegment / decodeSegment', () => {
  it('round-trips a segment', async () => {
    const s = await segment(4);
    expect(decodeSegment(encodeSegment(s))).toEqual(s);
  });

  it('round-trips a segment that continues a log', async () => {
    const first = await segment(3);
    const s = await segment(2, { seq: 3n, hash: first.head.headHash });
    const d = decodeSegment(encodeSegment(s));
    expect(d).toEqual(s);
    expect(d.head).toMatchObject({ firstSeq: '4', lastSeq: '5', prevHash: first.head.headHash });
  });

  it('is JSON Lines: the head, then one line per record, and a final newline', async () => {
    const s = await segment(3);
    const text = encodeSegment(s).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const ls = text.slice(0, -1).split('\n');
    expect(ls).toHaveLength(4);
    expect(JSON.parse(ls[0]!)).toEqual(s.head);
    expect(ls.slice(1).map((l) => JSON.parse(l))).toEqual(s.records);
  });

  it('writes only the four record fields, in a fixed order', async () => {
    const s = await segment(1);
    const withExtra: Segment = { head: s.head, records: [{ ...s.records[0]!, extra: 'dropped' } as never] };
    const ls = lines(withExtra);
    expect(Object.keys(JSON.parse(ls[1]!))).toEqual(['seq', 'hash', 'header', 'body']);
    expect(decodeSegment(encodeSegment(withExtra))).toEqual(s);
  });

  it('round-trips structurally valid segments (property)', async () => {
    const str = fc.string({ unit: 'grapheme', maxLength: 20 });
    const rec = fc.record({ seq: str, hash: str, header: str, body: str });
    fc.assert(
      fc.property(str, fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.array(rec, { maxLength: 6 }), (logId, first, records) => {
        const s: Segment = {
          head: {
            format: SEGMENT_FORMAT,
            logId,
            firstSeq: first.toString(),
            lastSeq: (first + BigInt(records.length)).toString(),
            prevHash: 'p',
            headHash: 'h',
            headSignature: 's',
            records: records.length,
          },
          records,
        };
        expect(decodeSegment(encodeSegment(s))).toEqual(s);
      }),
      { numRuns: 200 },
    );
  });

  it('a head with no records decodes when it announces none', async () => {
    const s = await segment(0);
    expect(decodeSegment(encodeSegment(s))).toEqual({ head: s.head, records: [] });
  });
});

describe('decodeSegment refuses, naming the 1-based line', () => {
  it('a file without its final newline (truncated): the last, incomplete line', async () => {
    const bytes = encodeSegment(await segment(3));
    refusedAt(bytes.subarray(0, -1), 4, /truncated \(no final newline\)/);
    // Cut in the middle of record line 3.
    const text = bytes.toString('utf8');
    const cut = text.indexOf('\n', text.indexOf('\n') + 1) + 10;
    refusedAt(bytes.subarray(0, cut), 3, /truncated/);
    refusedAt(Buffer.alloc(0), 1, /truncated/);
    refusedAt(bytes.subarray(0, 5), 1, /truncated/);
  });

  it('a head that announces more or fewer records than the file holds: the last line', async () => {
    const s = await segment(3);
    refusedAt(encodeSegment({ ...s, head: { ...s.head, records: 4 } }), 4, /announces 4 records, the file holds 3/);
    refusedAt(encodeSegment({ ...s, head: { ...s.head, records: 2 } }), 4, /announces 2 records, the file holds 3/);
    // A record line dropped from the file.
    const ls = lines(s);
    refusedAt(file([ls[0]!, ls[1]!, ls[3]!]), 3, /announces 3 records, the file holds 2/);
    refusedAt(file([ls[0]!]), 1, /announces 3 records, the file holds 0/);
    refusedAt(encodeSegment({ ...s, head: { ...s.head, records: undefined as never } }), 4, /announces/);
  });

  it.each([2, 3, 4])('a record line %i that is not JSON', async (n) => {
    const ls = lines(await segment(3));
    ls[n - 1] = ls[n - 1]!.slice(0, -1);
    refusedAt(file(ls), n, /not a JSON object/);
  });

  it('record lines that are JSON but not objects, or empty', async () => {
    const ls = lines(await segment(3));
    for (const bad of ['[]', '"text"', '42', 'null', '']) refusedAt(file([ls[0]!, ls[1]!, bad, ls[3]!]), 3, /not a JSON object/);
  });

  it('a head line that is not JSON: line 1', async () => {
    const ls = lines(await segment(2));
    refusedAt(file(['{nope', ...ls.slice(1)]), 1, /not a JSON object/);
    refusedAt(Buffer.from('\n'), 1, /not a JSON object/);
  });

  it('another format: line 1', async () => {
    const s = await segment(1);
    refusedAt(encodeSegment({ ...s, head: { ...s.head, format: 'vaultmeter-txlog-segment/2' as never } }), 1, /not a vaultmeter-txlog-segment\/1 file/);
  });

  it.each(['logId', 'firstSeq', 'lastSeq', 'prevHash', 'headHash', 'headSignature'] as const)(
    'a head without %s, or with it not a string: line 1',
    async (f) => {
      const s = await segment(1);
      refusedAt(encodeSegment({ ...s, head: { ...s.head, [f]: undefined } }), 1, new RegExp(`lacks ${f}`));
      refusedAt(encodeSegment({ ...s, head: { ...s.head, [f]: 5 as never } }), 1, new RegExp(`lacks ${f}`));
    },
  );

  it('bad sequence numbers in the head: line 1', async () => {
    const s = await segment(1);
    for (const bad of ['', '-1', '1.5', 'x', '12345678901234567890']) {
      refusedAt(encodeSegment({ ...s, head: { ...s.head, firstSeq: bad } }), 1, /bad sequence numbers/);
      refusedAt(encodeSegment({ ...s, head: { ...s.head, lastSeq: bad } }), 1, /bad sequence numbers/);
    }
  });

  it.each(['seq', 'hash', 'header', 'body'])('a record without %s: its line', async (f) => {
    const s = await segment(3);
    const records = s.records.map((r, i) => (i === 1 ? { ...r, [f]: undefined } : r));
    refusedAt(encodeSegment({ ...s, records: records as never }), 3, new RegExp(`record lacks ${f}`));
    const numeric = s.records.map((r, i) => (i === 2 ? { ...r, [f]: 7 } : r));
    refusedAt(encodeSegment({ ...s, records: numeric as never }), 4, new RegExp(`record lacks ${f}`));
  });
});

describe('segmentKey / SEGMENT_KEY', () => {
  it('pads both sequence numbers to 20 digits', async () => {
    expect(segmentKey('M-A', 1n, 1000n)).toBe('logs/M-A/00000000000000000001-00000000000000001000.seg');
    const max = (1n << 63n) - 1n;
    expect(segmentKey('M-A', max, max)).toBe(`logs/M-A/0${max}-0${max}.seg`);
  });

  it('sorting the keys as text sorts the segments by log, then by first sequence number', async () => {
    const firsts = [1n, 2n, 9n, 10n, 11n, 99n, 100n, 1001n, 123456789n, 10n ** 18n];
    const keys = ['M-B', 'M-A'].flatMap((log) => [...firsts].reverse().map((f) => ({ log, f, key: segmentKey(log, f, f + 5n) })));
    const sorted = [...keys].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    expect(sorted.map((k) => [k.log, k.f])).toEqual(['M-A', 'M-B'].flatMap((log) => firsts.map((f) => [log, f])));
  });

  it('text order equals numeric order for any two first sequence numbers (property)', async () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), (a, b) => {
        const ka = segmentKey('L', a, a);
        const kb = segmentKey('L', b, b);
        expect(ka < kb).toBe(a < b);
      }),
    );
  });

  it('SEGMENT_KEY matches the keys segmentKey makes, and gives back log and numbers', async () => {
    const k = segmentKey('VM-AAAA0001', 42n, 1041n);
    const m = SEGMENT_KEY.exec(k);
    expect(m).not.toBeNull();
    expect(m![1]).toBe('VM-AAAA0001');
    expect(BigInt(m![2]!)).toBe(42n);
    expect(BigInt(m![3]!)).toBe(1041n);
  });

  it('SEGMENT_KEY refuses other keys', async () => {
    const good = segmentKey('M-A', 1n, 2n);
    expect(SEGMENT_KEY.test(good)).toBe(true);
    for (const bad of [
      'logs/M-A/0000000000000000001-00000000000000000002.seg', // 19 digits
      'logs/M-A/000000000000000000001-00000000000000000002.seg', // 21 digits
      'logs/M-A/00000000000000000001-00000000000000000002.segx',
      'logs/M-A/00000000000000000001-00000000000000000002.json',
      'logs/M-A/00000000000000000001_00000000000000000002.seg',
      'logs/M-A/sub/00000000000000000001-00000000000000000002.seg',
      'logs//00000000000000000001-00000000000000000002.seg',
      'prefix/logs/M-A/00000000000000000001-00000000000000000002.seg',
      'logs/M-A/0000000000000000000a-00000000000000000002.seg',
      `${good}.tmp`,
      `backups/${good}`,
      'logs/M-A/',
    ]) {
      expect(SEGMENT_KEY.test(bad), bad).toBe(false);
    }
  });
});
