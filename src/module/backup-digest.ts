import { createHash, type Hash } from 'node:crypto';
import { MAX_BACKUP_CHUNKS, MAX_BACKUP_HOME_BYTES, MAX_BACKUP_ROW_BYTES, MAX_OPEN_BACKUPS } from '../constants.js';
import { fail } from '../errors.js';
import { frameChunk } from '../ledger/index.js';

// A module signs a backup manifest only for what it computed itself while it sealed the backup:
// the digest of the home line and of every chunk it sealed, in order; the chunk count; the rows of
// each table; and the log position, from the log records in the snapshot. Otherwise anyone who can
// reach the socket would get a module-signed manifest for any bytes and any log position.

const TXLOG_TABLE = 'postal.txlog';

/** What the module vouches for in a backup manifest. */
export interface BackupSummary {
  readonly sha256: string;
  readonly chunks: number;
  readonly tables: Readonly<Record<string, number>>;
  /** log id -> last sequence number of that log among the snapshot's records */
  readonly logPosition: Readonly<Record<string, string>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One backup being sealed: chunks strictly in order, each hashed (as its frame) and read as snapshot rows. */
class OpenBackup {
  private readonly hash: Hash;
  private next = 0;
  private sealedLast = false;
  /** Chunks are hashed in order even if their seals finish out of order. */
  private tail: Promise<unknown> = Promise.resolve();
  private carry = Buffer.alloc(0);
  private readonly rows = new Map<string, number>();
  private readonly log = new Map<string, bigint>();
  /** Why the snapshot cannot be vouched for (it may still be sealed, never signed). */
  private unreadable: string | null = null;

  constructor(
    readonly backupId: string,
    homeLine: Buffer,
  ) {
    this.hash = createHash('sha256').update(homeLine);
  }

  /** Seal chunk `index` with `seal`, then take its frame and its rows into the summary. */
  seal(index: number, last: boolean, plain: Buffer, seal: (plain: Buffer) => Promise<Buffer>): Promise<Buffer> {
    if (this.sealedLast) fail('backup_refused', `backup ${this.backupId}: its last chunk is sealed already`);
    if (index !== this.next) fail('backup_refused', `backup ${this.backupId}: chunk ${index} is out of order; chunk ${this.next} comes next`);
    if (index >= MAX_BACKUP_CHUNKS) fail('backup_refused', `backup ${this.backupId}: a backup has at most ${MAX_BACKUP_CHUNKS} chunks`);
    this.next += 1;
    this.sealedLast = last;
    const sealing = seal(plain);
    const step = this.tail.then(async () => {
      const sealed = await sealing;
      this.hash.update(frameChunk(sealed));
      this.read(plain, last);
      return sealed;
    });
    this.tail = step.catch(() => (this.unreadable = `chunk ${index} failed to seal`));
    return step;
  }

  async summary(tables: readonly string[]): Promise<BackupSummary> {
    await this.tail;
    if (!this.sealedLast) fail('backup_refused', `backup ${this.backupId}: its last chunk is not sealed yet`);
    if (this.unreadable) fail('backup_refused', `backup ${this.backupId}: ${this.unreadable}`);
    const undeclared = [...this.rows.keys()].filter((t) => !tables.includes(t));
    if (undeclared.length) fail('backup_refused', `backup ${this.backupId}: rows of ${undeclared.join(', ')}, which the caller does not declare`);
    return {
      sha256: this.hash.digest('hex'),
      chunks: this.next,
      tables: Object.fromEntries(tables.map((t) => [t, this.rows.get(t) ?? 0])),
      logPosition: Object.fromEntries([...this.log.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, seq]) => [id, seq.toString()])),
    };
  }

  private read(plain: Buffer, last: boolean): void {
    if (this.unreadable) return;
    const text = this.carry.length ? Buffer.concat([this.carry, plain]) : plain;
    let start = 0;
    for (let nl = text.indexOf(0x0a); nl >= 0 && !this.unreadable; nl = text.indexOf(0x0a, start)) {
      this.row(text.subarray(start, nl));
      start = nl + 1;
    }
    this.carry = Buffer.from(text.subarray(start));
    if (this.carry.length > MAX_BACKUP_ROW_BYTES) this.unreadable = `a snapshot row is over ${MAX_BACKUP_ROW_BYTES} bytes`;
    if (last && this.carry.length) this.unreadable = 'the snapshot does not end with a whole row';
  }

  private row(line: Buffer): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.toString('utf8'));
    } catch {
      parsed = null;
    }
    if (!isObject(parsed) || typeof parsed.t !== 'string' || !isObject(parsed.r)) {
      this.unreadable = 'the snapshot is not rows ({"t": table, "r": row} per line)';
      return;
    }
    this.rows.set(parsed.t, (this.rows.get(parsed.t) ?? 0) + 1);
    if (parsed.t === TXLOG_TABLE) this.record(parsed.r);
  }

  private record(r: Record<string, unknown>): void {
    const seq = typeof r.seq === 'number' || typeof r.seq === 'string' ? String(r.seq) : '';
    if (typeof r.log_id !== 'string' || !/^[1-9]\d{0,18}$/.test(seq)) {
      this.unreadable = 'a log record of the snapshot has no log id or sequence number';
      return;
    }
    const known = this.log.get(r.log_id) ?? 0n;
    if (BigInt(seq) > known) this.log.set(r.log_id, BigInt(seq));
  }
}

/** The backups a module is sealing, by id; at most MAX_OPEN_BACKUPS (beginning another forgets the oldest). */
export class BackupDigests {
  private readonly open = new Map<string, OpenBackup>();

  begin(backupId: string, homeLine: Buffer): void {
    if (homeLine.length === 0 || homeLine.length > MAX_BACKUP_HOME_BYTES || homeLine[homeLine.length - 1] !== 0x0a)
      fail('invalid_request', `a backup's home is one line of 1 to ${MAX_BACKUP_HOME_BYTES} bytes`);
    if (this.open.has(backupId)) fail('backup_refused', `backup ${backupId} is begun already`);
    if (this.open.size >= MAX_OPEN_BACKUPS) this.open.delete(this.open.keys().next().value!);
    this.open.set(backupId, new OpenBackup(backupId, homeLine));
  }

  of(backupId: string): OpenBackup {
    return this.open.get(backupId) ?? fail('backup_refused', `backup ${backupId} was not begun on this module (or was forgotten)`);
  }

  /** The summary of a wholly sealed backup. Asking closes it, whatever the answer: a backup is signed at most once. */
  finish(backupId: string, tables: readonly string[]): Promise<BackupSummary> {
    const backup = this.of(backupId);
    this.open.delete(backupId);
    return backup.summary(tables);
  }
}
