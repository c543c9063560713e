import { open, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** What one journal file holds at one moment, by line kind (src/module/journal.ts writes one JSON object a line). */
export interface JournalCount {
  readonly bytes: number;
  /** Record lines (`{"seq":…`): the module's log records not yet released. */
  readonly records: number;
  /** Bytes of the record lines alone. */
  readonly recordBytes: number;
  /** `{"confirmed":…}` lines: one per commit confirmation. */
  readonly confirms: number;
  /** `{"mark":…}` lines: meters last seen in released records, written on each rewrite. */
  readonly marks: number;
}

const EMPTY: JournalCount = { bytes: 0, records: 0, recordBytes: 0, confirms: 0, marks: 0 };
const PREFIX = { records: Buffer.from('{"seq":'), confirms: Buffer.from('{"confirmed":'), marks: Buffer.from('{"mark":') };

/** The `*.ring.journal` files of an installation's modules (the PostgreSQL data directory is skipped). */
export async function findJournals(home: string, depth = 3): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(home, { withFileTypes: true }).catch(() => [])) {
    const path = join(home, e.name);
    if (e.isFile() && e.name.endsWith('.ring.journal')) out.push(path);
    else if (e.isDirectory() && depth > 1 && e.name !== 'pg') out.push(...(await findJournals(path, depth - 1)));
  }
  return out.sort();
}

/** The module's name for a journal path: `module-1` for `…/module-1.ring.journal`. */
export const journalName = (path: string): string => basename(path).replace(/\.ring\.journal$/, '');

/**
 * Counts the lines of one journal file incrementally: only the bytes appended since the last look are
 * read. A rewrite (a release renames a new file into place, so the inode changes) or a cut (the file
 * got shorter) starts the count again from the top of the file.
 */
export class JournalCounter {
  private ino = -1;
  private offset = 0;
  private counts = { records: 0, recordBytes: 0, confirms: 0, marks: 0 };

  constructor(readonly path: string) {}

  async sample(): Promise<JournalCount> {
    const fh = await open(this.path, 'r').catch(() => null);
    if (!fh) return EMPTY;
    try {
      const st = await fh.stat();
      if (st.ino !== this.ino || st.size < this.offset) {
        this.ino = st.ino;
        this.offset = 0;
        this.counts = { records: 0, recordBytes: 0, confirms: 0, marks: 0 };
      }
      if (st.size > this.offset) {
        const buf = Buffer.alloc(st.size - this.offset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        this.offset += this.count(buf.subarray(0, bytesRead));
      }
      return { bytes: st.size, ...this.counts };
    } finally {
      await fh.close();
    }
  }

  /** Count the whole lines in `buf` by kind; returns how many bytes they span (a torn last line waits). */
  private count(buf: Buffer): number {
    let start = 0;
    for (let end = buf.indexOf(0x0a); end >= 0; start = end + 1, end = buf.indexOf(0x0a, start)) {
      const line = buf.subarray(start, end);
      if (startsWith(line, PREFIX.records)) {
        this.counts.records++;
        this.counts.recordBytes += line.length + 1;
      } else if (startsWith(line, PREFIX.confirms)) this.counts.confirms++;
      else if (startsWith(line, PREFIX.marks)) this.counts.marks++;
    }
    return start;
  }
}

const startsWith = (line: Buffer, prefix: Buffer) => line.length >= prefix.length && line.subarray(0, prefix.length).equals(prefix);

/** One sample: seconds since the sampler started, items printed so far, and each journal by module name. */
export interface JournalSample {
  readonly t: number;
  readonly items: number;
  readonly journals: Record<string, JournalCount>;
}

/** Samples every journal every `intervalMs`, until stopped; `onSample` sees each sample as it is taken. */
export class JournalSampler {
  private readonly counters: JournalCounter[];
  private readonly samples: JournalSample[] = [];
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    paths: readonly string[],
    private readonly intervalMs: number,
    private readonly items: () => number,
    private readonly onSample: (s: JournalSample) => void = () => {},
  ) {
    this.counters = paths.map((p) => new JournalCounter(p));
  }

  start(): void {
    this.running = true;
    const t0 = performance.now();
    this.loop = (async () => {
      for (let next = t0; this.running;) {
        await this.take(t0);
        next += this.intervalMs;
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
      }
      await this.take(t0);
    })();
  }

  async stop(): Promise<JournalSample[]> {
    this.running = false;
    await this.loop;
    return this.samples;
  }

  private async take(t0: number): Promise<void> {
    const t = (performance.now() - t0) / 1000;
    const items = this.items();
    const journals: Record<string, JournalCount> = {};
    for (const c of this.counters) journals[journalName(c.path)] = await c.sample();
    const s = { t: Number(t.toFixed(2)), items, journals };
    this.samples.push(s);
    this.onSample(s);
  }
}

/** A release seen in the samples: a module's journal lost records between two samples. */
export interface Release {
  readonly module: string;
  /** Seconds since the sampler started, of the sample just after the drop. */
  readonly t: number;
  readonly before: JournalCount;
  readonly after: JournalCount;
}

export interface SizeSummary {
  readonly perModule: Record<string, { max: JournalCount; maxAtS: number; final: JournalCount; releases: number }>;
  /** All modules' journals together, sample by sample. */
  readonly total: { maxBytes: number; maxRecords: number; maxAtS: number; finalBytes: number; finalRecords: number };
  readonly releases: Release[];
  /** Mean length of a record line (in the last sample that held records). */
  readonly recordLineBytes: number | null;
}

/** Maximum, final and each drop (the sawtooth) of the journals over the samples. */
export function summarizeSize(samples: readonly JournalSample[]): SizeSummary {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.journals)))].sort();
  const perModule: SizeSummary['perModule'] = {};
  const releases: Release[] = [];
  for (const name of names) {
    let max = EMPTY;
    let maxAtS = 0;
    let prev: JournalCount | null = null;
    let n = 0;
    for (const s of samples) {
      const c = s.journals[name] ?? EMPTY;
      if (c.bytes > max.bytes) [max, maxAtS] = [c, s.t];
      if (prev && c.records < prev.records) {
        releases.push({ module: name, t: s.t, before: prev, after: c });
        n++;
      }
      prev = c;
    }
    perModule[name] = { max, maxAtS, final: prev ?? EMPTY, releases: n };
  }
  const totals = samples.map((s) => ({ t: s.t, ...sumCounts(Object.values(s.journals)) }));
  const top = totals.reduce((a, b) => (b.bytes > a.bytes ? b : a), { t: 0, ...EMPTY });
  const last = totals[totals.length - 1] ?? { t: 0, ...EMPTY };
  const lastWithRecords = totals.filter((x) => x.records > 0).pop();
  return {
    perModule,
    total: { maxBytes: top.bytes, maxRecords: top.records, maxAtS: top.t, finalBytes: last.bytes, finalRecords: last.records },
    releases: releases.sort((a, b) => a.t - b.t),
    recordLineBytes: lastWithRecords ? Math.round(lastWithRecords.recordBytes / lastWithRecords.records) : null,
  };
}

export function sumCounts(cs: readonly JournalCount[]): JournalCount {
  return cs.reduce(
    (a, c) => ({
      bytes: a.bytes + c.bytes,
      records: a.records + c.records,
      recordBytes: a.recordBytes + c.recordBytes,
      confirms: a.confirms + c.confirms,
      marks: a.marks + c.marks,
    }),
    EMPTY,
  );
}
