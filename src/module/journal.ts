import { existsSync } from 'node:fs';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { MAX_JOURNAL_BYTES, MAX_JOURNAL_MARKS, MAX_JOURNAL_RECORDS, MAX_JOURNAL_READ_BYTES, MAX_JOURNAL_READ_RECORDS } from '../constants.js';
import { fail } from '../errors.js';
import { decodeHeader, recordHash, type ChainedRecord } from '../ledger/index.js';
import { writeFileAtomic } from '../platform/index.js';
import type { LogPosition } from './ring.js';

// The module's journal: its own log records, on its own disk, from the last record the shipper has
// confirmed off-site to the head. A database put back to an older copy is rolled forward from it, so
// no transaction this module witnessed is lost to the window the shipper has not reached yet.
//
// One JSON line per record (header hex, body base64: the body is sealed under the log key, so the
// file holds nothing the database does not), plus `confirmed` lines: how far the database is known
// to have committed. A batch's records are written and fdatasync'ed before the ring entry that
// names them; a crash between the two leaves records past the ring head, which `load` cuts off
// (their answers never left the module). One writer: the guard calls every mutating method from
// its serial queue.

const FORMAT = 'vaultmeter-journal/1';

/** What the journal keeps in memory per record: where it is in the file, and what it did to a meter. */
interface Entry {
  readonly seq: bigint;
  readonly hash: string;
  readonly offset: number;
  readonly length: number;
  readonly meterId: string;
  readonly versionAfter: bigint;
  /** What the record shows of its meter's package (null: no package, e.g. a log op). */
  readonly mark: MeterMark | null;
}

/** The latest a record in the journal shows a meter at: the package version and registers after. */
export interface MeterMark {
  readonly version: bigint;
  readonly arMills: bigint;
  readonly drMills: bigint;
  readonly logSeq: bigint;
}

/** Records read back for a roll-forward. `complete`: nothing more after the last one (up to `until`). */
export interface JournalPage {
  readonly records: ChainedRecord[];
  readonly complete: boolean;
}

export class JournalError extends Error {}

interface Parsed {
  base: LogPosition;
  entries: Entry[];
  /** What the records already shipped showed (kept across truncation, as `mark` lines). */
  baseMarks: Map<string, MeterMark>;
  /** `baseMarks` overlaid with what the records in the journal show. */
  marks: Map<string, MeterMark>;
  confirmedSeq: bigint;
  /** Where the last whole line ends: a torn or cut-off tail starts here. */
  goodBytes: number;
  /** The file holds records past the ring head (cut off). */
  pastHead: boolean;
}

export class Journal {
  private constructor(
    private readonly path: string,
    private readonly serial: string,
    private fh: FileHandle,
    private p: Parsed,
  ) {}

  /**
   * Open (or start) the journal so that it ends exactly at the ring head's log position. Records past
   * it are cut off; a journal that stops short of the head, or whose chain breaks, fails the start:
   * the operator must look at it, since it is the evidence a recovery rests on.
   */
  static async load(path: string, serial: string, head: LogPosition, freshRingAtMs: number | null = null): Promise<Journal> {
    if (!existsSync(path)) await writeFileAtomic(path, headerLine(serial, head), 0o600, false);
    let parsed = parse(await readFile(path), serial, path, head.seq);
    const last = lastPosition(parsed);
    // On a fresh ring, records past its head are not a crash's leftovers but the history of a lost ring.
    if (last.seq !== head.seq || last.hash !== head.hash || (freshRingAtMs !== null && parsed.pastHead)) {
      if (freshRingAtMs === null)
        throw new JournalError(
          `the journal ${path} ends at record ${last.seq}, the ring at ${head.seq}: refusing to start (move the file aside to start afresh)`,
        );
      // A ring started afresh (its file lost, or a module restored from the vault): the old journal is evidence, kept.
      await rename(path, evidencePath(path, freshRingAtMs));
      await writeFileAtomic(path, headerLine(serial, head), 0o600, false);
      parsed = parse(Buffer.from(headerLine(serial, head)), serial, path, head.seq);
    }
    const fh = await open(path, 'r+');
    await fh.truncate(parsed.goodBytes);
    return new Journal(path, serial, fh, parsed);
  }

  /** The last record not in the journal: shipped off-site, or where the journal began. */
  get base(): LogPosition {
    return this.p.base;
  }

  get head(): LogPosition {
    return lastPosition(this.p);
  }

  get records(): number {
    return this.p.entries.length;
  }

  get bytes(): number {
    return this.p.goodBytes;
  }

  /** The database is known to hold the log up to this record (its commit was confirmed). */
  get confirmedSeq(): bigint {
    return this.p.confirmedSeq;
  }

  /** Full: the guard refuses new transactions (backpressure) until the shipper lets it truncate. */
  get full(): boolean {
    return this.p.entries.length >= MAX_JOURNAL_RECORDS || this.p.goodBytes >= MAX_JOURNAL_BYTES;
  }

  markOf(meterId: string): MeterMark | undefined {
    return this.p.marks.get(meterId);
  }

  /** Every meter the journal shows, with the latest registers it shows: the evidence of a gap. */
  marks(): [string, MeterMark][] {
    return [...this.p.marks.entries()];
  }

  /** Append a batch's chained records durably (before the ring names them). */
  async append(records: readonly ChainedRecord[]): Promise<void> {
    if (records.length === 0) return;
    const lines: Buffer[] = [];
    const added: Entry[] = [];
    let offset = this.p.goodBytes;
    let prev = this.head;
    for (const r of records) {
      const line = Buffer.from(`${JSON.stringify({ seq: r.seq, hash: r.hash, header: r.header, body: r.body })}\n`);
      const entry = entryOf(r, offset, line.length, prev, this.serial);
      added.push(entry);
      lines.push(line);
      offset += line.length;
      prev = { seq: entry.seq, hash: entry.hash };
    }
    const buf = Buffer.concat(lines);
    await this.fh.write(buf, 0, buf.length, this.p.goodBytes);
    await this.fh.datasync();
    for (const e of added) {
      this.p.entries.push(e);
      if (e.mark) this.p.marks.set(e.meterId, e.mark);
    }
    this.p.goodBytes = offset;
  }

  /**
   * The database committed up to `seq`. Written without a sync: it survives a killed module (the page
   * cache keeps it), and losing it to a power cut only makes a later recovery discard more cautiously.
   */
  async confirm(seq: bigint): Promise<void> {
    if (seq <= this.p.confirmedSeq || seq > this.head.seq) return;
    const line = Buffer.from(`${JSON.stringify({ confirmed: seq.toString() })}\n`);
    await this.fh.write(line, 0, line.length, this.p.goodBytes);
    this.p.goodBytes += line.length;
    this.p.confirmedSeq = seq;
  }

  /** Is `at` a position of this journal's chain (its base or one of its records)? */
  holds(at: LogPosition): boolean {
    if (at.seq === this.p.base.seq) return at.hash === this.p.base.hash;
    const e = this.entryAt(at.seq);
    return e !== undefined && e.hash === at.hash;
  }

  /** Records after `after`, up to record `until`, a page at a time (bounded by count and bytes). */
  async readAfter(after: LogPosition, until: bigint): Promise<JournalPage> {
    if (!this.holds(after))
      fail('journal_gap', `log record ${after.seq} is not in the journal of module ${this.serial} (it holds ${this.p.base.seq + 1n} to ${this.head.seq})`);
    const first = Number(after.seq - this.p.base.seq);
    const last = Math.min(this.p.entries.length, Number(until - this.p.base.seq));
    const out: ChainedRecord[] = [];
    let bytes = 0;
    let i = first;
    for (; i < last && out.length < MAX_JOURNAL_READ_RECORDS; i++) {
      const e = this.p.entries[i]!;
      if (out.length > 0 && bytes + e.length > MAX_JOURNAL_READ_BYTES) break;
      out.push(await this.readEntry(e));
      bytes += e.length;
    }
    return { records: out, complete: i >= last };
  }

  /** Every record of one meter in the journal, oldest first, newer than `version`. */
  async meterRecordsAfter(meterId: string, version: bigint): Promise<ChainedRecord[]> {
    const picked = this.p.entries.filter((e) => e.meterId === meterId && e.versionAfter > version).slice(0, MAX_JOURNAL_READ_RECORDS);
    return Promise.all(picked.map((e) => this.readEntry(e)));
  }

  /** Cut the tail after `seq`: the records of a batch whose commit failed (their answers never left). */
  async cutAfter(seq: bigint): Promise<void> {
    if (seq >= this.head.seq) return;
    if (seq < this.p.confirmedSeq) throw new JournalError(`refusing to cut confirmed records (confirmed up to ${this.p.confirmedSeq}, cut after ${seq})`);
    if (seq < this.p.base.seq) throw new JournalError(`cannot cut before the journal's base ${this.p.base.seq}`);
    const keep = Number(seq - this.p.base.seq);
    const cutAt = keep === 0 ? this.p.entries[0]!.offset : this.p.entries[keep - 1]!.offset + this.p.entries[keep - 1]!.length;
    // Confirm lines after the cut go with it, though one may confirm a kept record (it was written
    // after later records): the confirmation, never past `seq`, is written again after the cut.
    const confirmed = this.p.confirmedSeq > this.p.base.seq ? Buffer.from(`${JSON.stringify({ confirmed: this.p.confirmedSeq.toString() })}\n`) : null;
    await this.fh.truncate(cutAt);
    if (confirmed) await this.fh.write(confirmed, 0, confirmed.length, cutAt);
    await this.fh.datasync();
    this.p.entries = this.p.entries.slice(0, keep);
    this.p.goodBytes = cutAt + (confirmed?.length ?? 0);
    this.rebuildMarks();
  }

  /**
   * The shipper has `at` off-site: drop the records up to it. The file is rewritten (the remaining
   * records only) and renamed into place, so a crash leaves the old or the new journal, never half.
   */
  async truncateShipped(at: LogPosition): Promise<number> {
    if (at.seq <= this.p.base.seq) return 0;
    const e = this.entryAt(at.seq);
    if (!e || e.hash !== at.hash) fail('journal_gap', `record ${at.seq} with that hash is not in the journal of module ${this.serial}`);
    const kept = this.p.entries.slice(Number(at.seq - this.p.base.seq));
    const rest = kept.length ? await this.readRange(kept[0]!.offset, this.p.goodBytes) : Buffer.alloc(0);
    const confirmed = this.p.confirmedSeq > at.seq ? `${JSON.stringify({ confirmed: this.p.confirmedSeq.toString() })}\n` : '';
    const next = Buffer.concat([Buffer.from(headerLine(this.serial, at) + markLines(this.p.marks, at.seq) + confirmed), rest]);
    const tmp = `${this.path}.next`;
    await writeFileAtomic(tmp, next, 0o600, false);
    await this.fh.close();
    await rename(tmp, this.path);
    this.fh = await open(this.path, 'r+');
    const dropped = Number(at.seq - this.p.base.seq);
    this.p = parse(next, this.serial, this.path, this.head.seq);
    return dropped;
  }

  /** Keep this journal as evidence (a re-seed gave up on it) and start an empty one at `at`. */
  async setAside(at: LogPosition, nowMs: number): Promise<string> {
    const evidence = evidencePath(this.path, nowMs);
    await this.fh.close();
    await rename(this.path, evidence);
    await writeFileAtomic(this.path, headerLine(this.serial, at), 0o600, false);
    this.fh = await open(this.path, 'r+');
    this.p = parse(Buffer.from(headerLine(this.serial, at)), this.serial, this.path, at.seq);
    return evidence;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  private entryAt(seq: bigint): Entry | undefined {
    if (seq <= this.p.base.seq) return undefined;
    return this.p.entries[Number(seq - this.p.base.seq) - 1];
  }

  private async readEntry(e: Entry): Promise<ChainedRecord> {
    const line = JSON.parse((await this.readRange(e.offset, e.offset + e.length)).toString('utf8')) as ChainedRecord;
    return { seq: line.seq, hash: line.hash, header: line.header, body: line.body };
  }

  private async readRange(from: number, to: number): Promise<Buffer> {
    const buf = Buffer.alloc(to - from);
    await this.fh.read(buf, 0, buf.length, from);
    return buf;
  }

  private rebuildMarks(): void {
    const marks = new Map(this.p.baseMarks);
    for (const e of this.p.entries) if (e.mark) marks.set(e.meterId, e.mark);
    this.p.marks = marks;
  }
}

/** A new name for a journal kept as evidence: its time, and a counter should that name be taken. */
function evidencePath(path: string, nowMs: number): string {
  const stem = `${path}.${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}`;
  let name = `${stem}.evidence`;
  for (let n = 2; existsSync(name); n++) name = `${stem}-${n}.evidence`;
  return name;
}

/**
 * The marks of meters last seen in the records being dropped (up to `seq`), newest first, at most
 * MAX_JOURNAL_MARKS: after truncation the module still knows how far those meters went.
 */
function markLines(marks: ReadonlyMap<string, MeterMark>, seq: bigint): string {
  const kept = [...marks.entries()]
    .filter(([, m]) => m.logSeq <= seq)
    .sort(([, a], [, b]) => (a.logSeq > b.logSeq ? -1 : a.logSeq < b.logSeq ? 1 : 0))
    .slice(0, MAX_JOURNAL_MARKS);
  return kept
    .map(
      ([meterId, m]) =>
        `${JSON.stringify({ mark: { meterId, version: m.version.toString(), arMills: m.arMills.toString(), drMills: m.drMills.toString(), logSeq: m.logSeq.toString() } })}\n`,
    )
    .join('');
}

function headerLine(serial: string, base: LogPosition): string {
  return `${JSON.stringify({ format: FORMAT, serial, base: { seq: base.seq.toString(), hash: base.hash } })}\n`;
}

function lastPosition(p: Parsed): LogPosition {
  const e = p.entries[p.entries.length - 1];
  return e ? { seq: e.seq, hash: e.hash } : p.base;
}

/** Check one record against its hash and the chain so far; a journal that fails is not evidence. */
function entryOf(r: ChainedRecord, offset: number, length: number, prev: LogPosition, serial: string): Entry {
  const header = Buffer.from(r.header, 'hex');
  const h = decodeHeader(header);
  if (!h || h.logId !== serial || h.seq.toString() !== r.seq) throw new JournalError(`journal record ${r.seq} has a malformed header`);
  if (h.seq !== prev.seq + 1n || h.prevHash !== prev.hash) throw new JournalError(`journal record ${r.seq} does not continue record ${prev.seq}`);
  if (recordHash({ header, body: Buffer.from(r.body, 'base64') }) !== r.hash) throw new JournalError(`journal record ${r.seq} does not match its hash`);
  // A record of a package op on a meter; a log op about a meter (version 0) says nothing of its package.
  const mark = h.meterId !== '' && h.versionAfter > 0n ? { version: h.versionAfter, arMills: h.arAfterMills, drMills: h.drAfterMills, logSeq: h.seq } : null;
  return { seq: h.seq, hash: r.hash, offset, length, meterId: h.meterId, versionAfter: h.versionAfter, mark };
}

/** Read a journal file: its base, each whole record line up to `headSeq`, and the confirmations. */
function parse(bytes: Buffer, serial: string, path: string, headSeq: bigint): Parsed {
  const firstEnd = bytes.indexOf(0x0a);
  if (firstEnd < 0) throw new JournalError(`${path} has no header line`);
  const head = JSON.parse(bytes.subarray(0, firstEnd).toString('utf8')) as { format?: string; serial?: string; base?: { seq: string; hash: string } };
  if (head.format !== FORMAT || head.serial !== serial || !head.base) throw new JournalError(`${path} is not the journal of module ${serial}`);
  const p: Parsed = {
    base: { seq: BigInt(head.base.seq), hash: head.base.hash },
    entries: [],
    baseMarks: new Map(),
    marks: new Map(),
    confirmedSeq: 0n,
    goodBytes: firstEnd + 1,
    pastHead: false,
  };
  // The base is off-site, so the database committed it.
  p.confirmedSeq = p.base.seq;
  let offset = firstEnd + 1;
  for (;;) {
    const end = bytes.indexOf(0x0a, offset);
    if (end < 0) break; // a torn last line: never synced, never named by the ring
    const line = JSON.parse(bytes.subarray(offset, end).toString('utf8')) as ChainedRecord & { confirmed?: string; mark?: Record<string, string> };
    if (line.mark !== undefined) {
      const m = line.mark;
      const mark = { version: BigInt(m.version!), arMills: BigInt(m.arMills!), drMills: BigInt(m.drMills!), logSeq: BigInt(m.logSeq!) };
      p.baseMarks.set(m.meterId!, mark);
      p.marks.set(m.meterId!, mark);
    } else if (line.confirmed !== undefined) {
      const c = BigInt(line.confirmed);
      if (c > p.confirmedSeq) p.confirmedSeq = c;
    } else {
      if (BigInt(line.seq) > headSeq) {
        p.pastHead = true; // written, never named by the ring: cut off
        break;
      }
      const e = entryOf(line, offset, end + 1 - offset, lastPosition(p), serial);
      p.entries.push(e);
      if (e.mark) p.marks.set(e.meterId, e.mark);
    }
    offset = end + 1;
    p.goodBytes = offset;
  }
  if (p.confirmedSeq > lastPosition(p).seq) p.confirmedSeq = lastPosition(p).seq;
  return p;
}
