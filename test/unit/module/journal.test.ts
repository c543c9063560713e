import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_JOURNAL_READ_BYTES, MAX_JOURNAL_READ_RECORDS } from '../../../src/constants.js';
import { chainRecords, type ChainedRecord, type RecordDraft } from '../../../src/ledger/chain.js';
import { GENESIS_HASH } from '../../../src/ledger/record.js';
import { Journal, JournalError } from '../../../src/module/journal.js';
import type { LogPosition } from '../../../src/module/ring.js';
import { T0 } from '../helpers/engine.js';
import { flipByte, logKeys } from '../helpers/txlog.js';
import { vaultError } from '../helpers/vault-error.js';

const SERIAL = 'M-UNIT';
const GENESIS: LogPosition = { seq: 0n, hash: GENESIS_HASH };
const keys = logKeys(randomBytes(32));

let dir: string;
let path: string;
const opened: Journal[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vm-journal-'));
  path = join(dir, 'module.ring.journal');
});
afterEach(async () => {
  for (const j of opened.splice(0)) await j.close().catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

/** Open the journal at `path` as a module start does, with the ring head at `head`. */
async function load(head: LogPosition, freshRingAtMs: number | null = null): Promise<Journal> {
  const j = await Journal.load(path, SERIAL, head, freshRingAtMs);
  opened.push(j);
  return j;
}

/** Close `j` and open the file again, as a module restart does. */
async function reload(j: Journal, head: LogPosition = j.head): Promise<Journal> {
  await j.close();
  return load(head);
}

/** What one record does: a package op on `meterId` to `version` (0: a log op, no package), with dr after. */
type Spec = { meterId: string; version: bigint; drMills?: bigint; bodyBytes?: number };

/** This module's log, chained and sealed as the guard does, one batch at a time. */
class Log {
  head: LogPosition = GENESIS;
  readonly all: ChainedRecord[] = [];

  async next(specs: readonly Spec[]): Promise<ChainedRecord[]> {
    const drafts: RecordDraft[] = specs.map((s) => ({
      type: s.version === 0n ? 'log:note' : 'fund',
      meterId: s.meterId,
      versionBefore: s.version === 0n ? 0n : s.version - 1n,
      versionAfter: s.version,
      arBeforeMills: 0n,
      drBeforeMills: 0n,
      arAfterMills: 0n,
      drAfterMills: s.drMills ?? s.version * 100n,
      body: { op: 'fund', pad: 'x'.repeat(s.bodyBytes ?? 0) },
    }));
    const { records, head } = await chainRecords(keys, SERIAL, this.head, T0, drafts);
    this.head = head;
    this.all.push(...records);
    return records;
  }

  /** `n` records, one batch, for meters m1, m2, m1, … at rising versions. */
  async fill(n: number, bodyBytes = 0): Promise<ChainedRecord[]> {
    const versions = new Map<string, bigint>();
    const specs = Array.from({ length: n }, (_, i) => {
      const meterId = `m${(i % 2) + 1}`;
      const version = (versions.get(meterId) ?? 0n) + 1n;
      versions.set(meterId, version);
      return { meterId, version, bodyBytes };
    });
    return this.next(specs);
  }

  at(seq: number): LogPosition {
    const r = this.all[seq - 1]!;
    return { seq: BigInt(r.seq), hash: r.hash };
  }
}

const lines = async (): Promise<string[]> => (await readFile(path, 'utf8')).split('\n');
const writeLines = (ls: readonly string[]) => writeFile(path, ls.join('\n'));

async function journalError(p: Promise<unknown>, message?: RegExp): Promise<JournalError> {
  const e = await p.then(
    () => expect.unreachable('expected a JournalError'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(JournalError);
  if (message) expect((e as Error).message).toMatch(message);
  return e as JournalError;
}

/** Three records in two batches (m1 v1, m2 v1; then m1 v2), appended to a fresh journal. */
async function threeRecords(): Promise<{ log: Log; j: Journal }> {
  const log = new Log();
  const j = await load(GENESIS);
  await j.append(
    await log.next([
      { meterId: 'm1', version: 1n },
      { meterId: 'm2', version: 1n },
    ]),
  );
  await j.append(await log.next([{ meterId: 'm1', version: 2n }]));
  return { log, j };
}

describe('Journal: append and reload', () => {
  it('a new journal starts at the ring head, empty, with nothing confirmed past its base', async () => {
    const j = await load(GENESIS);
    expect(j.base).toEqual(GENESIS);
    expect(j.head).toEqual(GENESIS);
    expect([j.records, j.confirmedSeq, j.full]).toEqual([0, 0n, false]);
    expect(j.bytes).toBe((await readFile(path)).length);
    expect(j.marks()).toEqual([]);
    await j.append([]);
    expect(j.records).toBe(0);
  });

  it('keeps the records and the marks across a reload', async () => {
    const { log, j } = await threeRecords();
    const expectAsWritten = async (x: Journal) => {
      expect(x.head).toEqual(log.head);
      expect(x.records).toBe(3);
      expect(x.bytes).toBe((await readFile(path)).length);
      expect(x.markOf('m1')).toEqual({ version: 2n, arMills: 0n, drMills: 200n, logSeq: 3n });
      expect(x.markOf('m2')).toEqual({ version: 1n, arMills: 0n, drMills: 100n, logSeq: 2n });
      expect(x.markOf('m3')).toBeUndefined();
      expect(new Map(x.marks())).toEqual(
        new Map([
          ['m1', x.markOf('m1')],
          ['m2', x.markOf('m2')],
        ]),
      );
      expect((await x.readAfter(GENESIS, 3n)).records).toEqual(log.all);
    };
    await expectAsWritten(j);
    const again = await reload(j);
    await expectAsWritten(again);
    expect(again.base).toEqual(GENESIS);
    expect(again.confirmedSeq).toBe(0n);
  });

  it('refuses to append records that do not continue its head', async () => {
    const { log, j } = await threeRecords();
    const other = new Log();
    await journalError(j.append(await other.next([{ meterId: 'm1', version: 1n }])), /does not continue record 3/);
    await journalError(j.append([log.all[2]!]), /does not continue record 3/);
    expect(j.records).toBe(3);
    expect((await reload(j)).head).toEqual(log.head);
  });

  it('a record about a meter without its package (a log op) leaves the meter mark at its package', async () => {
    const { log, j } = await threeRecords();
    await j.append(await log.next([{ meterId: 'm1', version: 0n }]));
    expect(j.markOf('m1')).toEqual({ version: 2n, arMills: 0n, drMills: 200n, logSeq: 3n });
    expect((await reload(j)).markOf('m1')).toMatchObject({ version: 2n, logSeq: 3n });
  });
});

describe('Journal: what a load cuts off and what it refuses', () => {
  it('a torn last line (never synced) is cut off, and the journal goes on from there', async () => {
    const { log, j } = await threeRecords();
    const size = j.bytes;
    await j.close();
    const [next] = await log.next([{ meterId: 'm2', version: 2n }]);
    await appendFile(path, JSON.stringify(next).slice(0, 40));
    const again = await load(log.at(3));
    expect([again.records, again.bytes]).toEqual([3, size]);
    expect((await readFile(path)).length).toBe(size);
    await again.append([next!]);
    expect((await reload(again)).head).toEqual(log.at(4));
  });

  it('records past the ring head (written, never named by the ring) are cut off', async () => {
    const { log, j } = await threeRecords();
    await j.close();
    const again = await load(log.at(1));
    expect(again.head).toEqual(log.at(1));
    expect(again.records).toBe(1);
    expect(again.markOf('m1')).toMatchObject({ version: 1n, logSeq: 1n });
    expect(again.markOf('m2')).toBeUndefined();
    expect((await again.readAfter(GENESIS, 3n)).records).toEqual([log.all[0]]);
    expect((await readFile(path)).length).toBe(again.bytes);
    expect((await reload(again)).head).toEqual(log.at(1));
  });

  const tampers: [string, (ls: string[]) => string[]][] = [
    [
      'a body byte changed',
      (ls) => {
        const r = JSON.parse(ls[2]!) as ChainedRecord;
        ls[2] = JSON.stringify({ ...r, body: flipByte(Buffer.from(r.body, 'base64'), 20).toString('base64') });
        return ls;
      },
    ],
    [
      'a hash changed',
      (ls) => {
        const r = JSON.parse(ls[2]!) as ChainedRecord;
        ls[2] = JSON.stringify({ ...r, hash: 'ab'.repeat(32) });
        return ls;
      },
    ],
    ['two lines swapped', (ls) => [ls[0]!, ls[2]!, ls[1]!, ...ls.slice(3)]],
    ['a line left out', (ls) => [ls[0]!, ls[1]!, ...ls.slice(3)]],
    ['the header of another module', (ls) => [ls[0]!.replace(SERIAL, 'M-OTHER'), ...ls.slice(1)]],
  ];

  it.each(tampers)('a broken chain refuses to load with JournalError: %s', async (_what, tamper) => {
    const { log, j } = await threeRecords();
    await j.close();
    const tampered = tamper(await lines());
    await writeLines(tampered);
    await journalError(load(log.head));
    // The file is evidence: left as it was.
    expect(await lines()).toEqual(tampered);
  });

  it('a journal that stops short of the ring head (or ends at another record) refuses to start', async () => {
    const { log, j } = await threeRecords();
    await j.close();
    const before = await readFile(path);
    await log.next([{ meterId: 'm2', version: 2n }]);
    await journalError(load(log.at(4)), /ends at record 3, the ring at 4/);
    await journalError(load({ seq: 3n, hash: 'cd'.repeat(32) }), /refusing to start/);
    expect(await readFile(path)).toEqual(before);
    expect(await readdir(dir)).toEqual(['module.ring.journal']);
  });

  it.each([
    ['never shipped (its records all past the fresh ring head)', 0],
    ['shipped in part', 2],
  ])('a fresh ring sets a journal %s aside as evidence and starts an empty one; a matching one is kept', async (_what, shipped) => {
    const { log, j } = await threeRecords();
    if (shipped) await j.truncateShipped(log.at(shipped));
    await j.close();
    const old = await readFile(path);
    const fresh = await load(GENESIS, T0);
    expect([fresh.head, fresh.base, fresh.records, fresh.confirmedSeq]).toEqual([GENESIS, GENESIS, 0, 0n]);
    const evidence = `module.ring.journal.${new Date(T0).toISOString().replace(/[:.]/g, '-')}.evidence`;
    expect(await readFile(join(dir, evidence))).toEqual(old);
    expect(await readFile(path)).not.toEqual(old);
    // The fresh journal matches the fresh ring: started again, it is kept, and no more evidence is made.
    const kept = await readFile(path);
    await fresh.close();
    expect((await load(GENESIS, T0 + 1)).records).toBe(0);
    expect(await readFile(path)).toEqual(kept);
    expect((await readdir(dir)).sort()).toEqual(['module.ring.journal', evidence]);
  });
});

describe('Journal: confirmations', () => {
  it('confirm lines survive a reload (written without a sync); confirmedSeq only rises, and never past the head', async () => {
    const { log, j } = await threeRecords();
    await j.confirm(2n);
    expect(j.confirmedSeq).toBe(2n);
    const bytes = j.bytes;
    await j.confirm(1n);
    await j.confirm(2n);
    await j.confirm(4n);
    expect([j.confirmedSeq, j.bytes]).toEqual([2n, bytes]);
    const again = await reload(j);
    expect(again.confirmedSeq).toBe(2n);
    await again.confirm(3n);
    expect((await reload(again)).confirmedSeq).toBe(3n);
    // A confirm line naming a record the journal does not hold counts up to its head only.
    await appendFile(path, `${JSON.stringify({ confirmed: '9' })}\n`);
    expect((await load(log.head)).confirmedSeq).toBe(3n);
  });

  it('confirmations of records cut off past the ring head are cut with them', async () => {
    const { log, j } = await threeRecords();
    await j.confirm(3n);
    await j.close();
    expect((await load(log.at(2))).confirmedSeq).toBe(0n);
  });

  it('cutAfter cuts a failed commit, refuses to cut confirmed records, and keeps the confirmation on disk', async () => {
    const { log, j } = await threeRecords();
    await j.confirm(2n);
    await j.append(await log.next([{ meterId: 'm2', version: 2n }]));
    await journalError(j.cutAfter(1n), /refusing to cut confirmed records/);
    await j.cutAfter(4n);
    expect([j.records, j.head]).toEqual([4, log.at(4)]);

    await j.cutAfter(2n);
    const expectCut = async (x: Journal) => {
      expect([x.records, x.head, x.confirmedSeq]).toEqual([2, log.at(2), 2n]);
      expect(x.markOf('m1')).toEqual({ version: 1n, arMills: 0n, drMills: 100n, logSeq: 1n });
      expect(x.markOf('m2')).toEqual({ version: 1n, arMills: 0n, drMills: 100n, logSeq: 2n });
      expect(x.bytes).toBe((await readFile(path)).length);
    };
    await expectCut(j);
    await expectCut(await reload(j));
  });

  it('after a cut, the journal goes on from the kept head', async () => {
    const { log, j } = await threeRecords();
    await j.cutAfter(1n);
    const fork = new Log();
    fork.head = log.at(1);
    const [next] = await fork.next([{ meterId: 'm2', version: 1n, drMills: 7n }]);
    await j.append([next!]);
    const again = await reload(j);
    expect(again.head).toEqual(fork.head);
    expect((await again.readAfter(GENESIS, 2n)).records).toEqual([log.all[0], next]);
    expect(again.markOf('m2')).toMatchObject({ drMills: 7n, logSeq: 2n });
  });
});

describe('Journal: truncateShipped (the shipper has the log off-site)', () => {
  it('drops exactly the shipped prefix, keeps the confirmations, and survives a reload', async () => {
    const { log, j } = await threeRecords();
    await j.append(await log.next([{ meterId: 'm2', version: 2n }]));
    await j.confirm(3n);
    expect(await j.truncateShipped(log.at(2))).toBe(2);
    const expectShipped = async (x: Journal) => {
      expect([x.base, x.head, x.records, x.confirmedSeq]).toEqual([log.at(2), log.at(4), 2, 3n]);
      expect(x.bytes).toBe((await readFile(path)).length);
      expect((await x.readAfter(log.at(2), 4n)).records).toEqual(log.all.slice(2));
      expect([x.holds(log.at(2)), x.holds(log.at(4)), x.holds(log.at(1)), x.holds(GENESIS)]).toEqual([true, true, false, false]);
      // The marks are those of the records still held.
      expect(new Map(x.marks())).toEqual(
        new Map([
          ['m1', { version: 2n, arMills: 0n, drMills: 200n, logSeq: 3n }],
          ['m2', { version: 2n, arMills: 0n, drMills: 200n, logSeq: 4n }],
        ]),
      );
    };
    await expectShipped(j);
    const again = await reload(j);
    await expectShipped(again);
    // Shipped up to where it already stands, or before: nothing to drop.
    expect(await again.truncateShipped(log.at(2))).toBe(0);
    expect(await again.truncateShipped(log.at(1))).toBe(0);
    // Shipped past the last confirmation: what is off-site was committed.
    expect(await again.truncateShipped(log.at(4))).toBe(2);
    expect([again.base, again.head, again.records, again.confirmedSeq]).toEqual([log.at(4), log.at(4), 0, 4n]);
    expect((await reload(again)).confirmedSeq).toBe(4n);
    expect(await readdir(dir)).toEqual(['module.ring.journal']);
  });

  it('keeps the marks of meters whose records it dropped (as mark lines), across a reload', async () => {
    const { log, j } = await threeRecords();
    await j.append(await log.next([{ meterId: 'm3', version: 5n, drMills: 70n }]));
    await j.confirm(4n);
    expect(await j.truncateShipped(log.at(4))).toBe(4);
    const expected = new Map([
      ['m1', { version: 2n, arMills: 0n, drMills: 200n, logSeq: 3n }],
      ['m2', { version: 1n, arMills: 0n, drMills: 100n, logSeq: 2n }],
      ['m3', { version: 5n, arMills: 0n, drMills: 70n, logSeq: 4n }],
    ]);
    expect(j.records).toBe(0);
    expect(new Map(j.marks())).toEqual(expected);
    const again = await reload(j);
    expect(new Map(again.marks())).toEqual(expected);
    // A later record of a kept meter overlays its mark; a failed commit cut off falls back to the kept one.
    await again.append(await log.next([{ meterId: 'm2', version: 2n }]));
    expect(again.markOf('m2')?.version).toBe(2n);
    await again.cutAfter(4n);
    expect(again.markOf('m2')?.version).toBe(1n);
  });

  it('refuses a position it does not hold with journal_gap, and changes nothing', async () => {
    const { log, j } = await threeRecords();
    const before = await readFile(path);
    await vaultError(j.truncateShipped({ seq: 2n, hash: 'ab'.repeat(32) }), 'journal_gap');
    await vaultError(j.truncateShipped({ seq: 4n, hash: log.at(3).hash }), 'journal_gap');
    expect([j.base, j.head, j.records]).toEqual([GENESIS, log.at(3), 3]);
    expect(await readFile(path)).toEqual(before);
  });
});

describe('Journal: reading records back', () => {
  it(`readAfter pages by MAX_JOURNAL_READ_RECORDS (${MAX_JOURNAL_READ_RECORDS}) and stops at until`, async () => {
    const log = new Log();
    const j = await load(GENESIS);
    const n = MAX_JOURNAL_READ_RECORDS + 50;
    await j.append(await log.fill(n));
    const first = await j.readAfter(GENESIS, BigInt(n));
    expect(first.records).toEqual(log.all.slice(0, MAX_JOURNAL_READ_RECORDS));
    expect(first.complete).toBe(false);
    const second = await j.readAfter(log.at(MAX_JOURNAL_READ_RECORDS), BigInt(n));
    expect(second).toEqual({ records: log.all.slice(MAX_JOURNAL_READ_RECORDS), complete: true });
    expect(await j.readAfter(GENESIS, 10n)).toEqual({ records: log.all.slice(0, 10), complete: true });
    expect(await j.readAfter(log.at(5), 10n)).toEqual({ records: log.all.slice(5, 10), complete: true });
    expect(await j.readAfter(log.at(10), 10n)).toEqual({ records: [], complete: true });
    expect(await j.readAfter(log.at(n), BigInt(n))).toEqual({ records: [], complete: true });
  });

  it('readAfter also bounds a page by MAX_JOURNAL_READ_BYTES (at least one record a page)', async () => {
    const log = new Log();
    const j = await load(GENESIS);
    const recordBytes = 16 * 1024;
    const n = Math.ceil(MAX_JOURNAL_READ_BYTES / recordBytes) + 5;
    await j.append(await log.fill(n, recordBytes));
    const pages: ChainedRecord[][] = [];
    let after = GENESIS;
    for (let complete = false; !complete;) {
      const page = await j.readAfter(after, BigInt(n));
      const size = page.records.reduce((t, r) => t + JSON.stringify(r).length + 1, 0);
      expect(page.records.length).toBeGreaterThan(0);
      expect(page.records.length === 1 || size <= MAX_JOURNAL_READ_BYTES).toBe(true);
      pages.push(page.records);
      after = log.at(Number(page.records.at(-1)!.seq));
      complete = page.complete;
    }
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat()).toEqual(log.all);
  });

  it('readAfter refuses a position not in the journal with journal_gap', async () => {
    const { log, j } = await threeRecords();
    await vaultError(j.readAfter({ seq: 2n, hash: 'ab'.repeat(32) }, 3n), 'journal_gap');
    await vaultError(j.readAfter({ seq: 4n, hash: log.at(3).hash }, 3n), 'journal_gap');
    await vaultError(j.readAfter({ seq: 0n, hash: 'ab'.repeat(32) }, 3n), 'journal_gap');
    await j.truncateShipped(log.at(2));
    await vaultError(j.readAfter(log.at(1), 3n), 'journal_gap');
    await vaultError(j.readAfter(GENESIS, 3n), 'journal_gap');
    expect((await j.readAfter(log.at(2), 3n)).records).toEqual([log.all[2]]);
  });

  it("meterRecordsAfter returns only that meter's records newer than the version, oldest first", async () => {
    const log = new Log();
    const j = await load(GENESIS);
    await j.append(
      await log.next([
        { meterId: 'm1', version: 1n },
        { meterId: 'm2', version: 1n },
      ]),
    );
    await j.append(
      await log.next([
        { meterId: 'm1', version: 2n },
        { meterId: 'm1', version: 0n },
      ]),
    );
    await j.append(
      await log.next([
        { meterId: 'm2', version: 2n },
        { meterId: 'm1', version: 3n },
      ]),
    );
    const seqs = async (meterId: string, version: bigint) => (await j.meterRecordsAfter(meterId, version)).map((r) => r.seq);
    expect(await seqs('m1', 0n)).toEqual(['1', '3', '6']);
    expect(await seqs('m1', 1n)).toEqual(['3', '6']);
    expect(await seqs('m1', 3n)).toEqual([]);
    expect(await seqs('m2', 1n)).toEqual(['5']);
    expect(await seqs('m3', 0n)).toEqual([]);
    expect(await j.meterRecordsAfter('m1', 1n)).toEqual([log.all[2], log.all[5]]);
  });
});

describe('Journal: setAside', () => {
  it('keeps the journal as evidence and starts an empty one at the given position', async () => {
    const { log, j } = await threeRecords();
    const old = await readFile(path);
    const at = { seq: 7n, hash: 'ef'.repeat(32) };
    const evidence = await j.setAside(at, T0 + 1000);
    expect(evidence).toBe(`${path}.${new Date(T0 + 1000).toISOString().replace(/[:.]/g, '-')}.evidence`);
    expect(await readFile(evidence)).toEqual(old);
    expect([j.base, j.head, j.records, j.confirmedSeq, j.marks()]).toEqual([at, at, 0, 7n, []]);
    expect(j.holds(log.at(3))).toBe(false);
    const again = await reload(j, at);
    expect([again.base, again.records]).toEqual([at, 0]);
    expect(existsSync(evidence)).toBe(true);
  });
});
