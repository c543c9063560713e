import {
  MAX_OPEN_REPORTS,
  MAX_REPORT_CHUNK_CHARS,
  MAX_REPORT_EVENTS,
  MAX_REPORT_METERS,
  MAX_REPORT_PREVIOUS_CHARS,
  REPLAY_MODULE_BATCH,
} from '../constants.js';
import { sha256Hex, type ModuleCrypto } from '../crypto/index.js';
import { fail } from '../errors.js';
import {
  checkEffect,
  DAY_MS,
  dayBefore,
  dayStartMs,
  decodeHeader,
  GENESIS_HASH,
  isReportedKind,
  openBody,
  parseReport,
  ProviderDayFold,
  recordHash,
  REPORT_KINDS,
  reportBodyText,
  reportSignatureProblem,
  reportStatement,
  ReportFormatError,
  signedReportText,
  type LedgerEffect,
  type ParsedReport,
  type ReportKind,
  type ReportPosition,
} from '../ledger/index.js';
import type * as M from './messages.js';

// Provider reports are made by a module, from the log: the caller feeds it the records after the
// previous day's report, log by log in sequence order; the module checks that each continues its
// log (hash chain), opens each body itself, and folds the effects into the day's four reports,
// which it signs. So a report line is always a transaction a module witnessed, and no record can be
// left out between two reports: each continues exactly where the previous day's inventory ended.

export type ReportCrypto = Pick<ModuleCrypto, 'serial' | 'certPem' | 'caCertPem' | 'openLogBody' | 'signAsModule'>;

export interface ReportSelf {
  readonly now: () => number;
  /** The sequence number of the last record of this module's log. */
  readonly logHeadSeq: () => bigint;
}

interface LogCursor {
  seq: bigint;
  hash: string;
  /** A record dated after the day has been seen: the day is over on this log. */
  ended: boolean;
}

class ReportPass {
  private previousText = '';
  private previous: ParsedReport | null = null;
  private fold: ProviderDayFold | null = null;
  private readonly logs = new Map<string, LogCursor>();
  private readonly from = new Map<string, ReportPosition>();
  private events = 0;
  finished: Map<ReportKind, string> | null = null;

  constructor(
    readonly reportId: string,
    readonly day: string,
    readonly issue: number,
    private previousPending: boolean,
  ) {}

  get endMs(): number {
    return dayStartMs(this.day) + DAY_MS;
  }

  takePrevious(text: string, last: boolean, check: (r: ParsedReport) => void): void {
    if (!this.previousPending) fail('report_refused', `report ${this.reportId}: it was begun without a previous inventory, or that is read already`);
    if (this.previousText.length + text.length > MAX_REPORT_PREVIOUS_CHARS)
      fail('report_refused', `the previous inventory is over ${MAX_REPORT_PREVIOUS_CHARS} characters`);
    this.previousText += text;
    if (!last) return;
    let parsed: ParsedReport;
    try {
      parsed = parseReport(this.previousText);
    } catch (e) {
      return fail('report_refused', `the previous inventory: ${e instanceof ReportFormatError ? e.message : 'does not parse'}`);
    }
    check(parsed);
    this.previous = parsed;
    this.previousText = '';
    this.previousPending = false;
    for (const [logId, at] of parsed.to) this.from.set(logId, at);
  }

  get foldOpen(): ProviderDayFold {
    if (this.previousPending) fail('report_refused', `report ${this.reportId}: the previous inventory is not read yet`);
    if (this.finished) fail('report_refused', `report ${this.reportId} is finished`);
    this.fold ??= new ProviderDayFold(this.day, this.previous);
    return this.fold;
  }

  /** Where the next record of `logId` must continue from: the previous report's end, else the log's start. */
  cursor(logId: string): LogCursor {
    let c = this.logs.get(logId);
    if (!c) {
      const start = this.from.get(logId) ?? { seq: 0n, hash: GENESIS_HASH };
      this.from.set(logId, start);
      c = { ...start, ended: false };
      this.logs.set(logId, c);
    }
    return c;
  }

  counted(effects: number): void {
    this.events += effects;
    if (this.events > MAX_REPORT_EVENTS) fail('report_refused', `a day holds at most ${MAX_REPORT_EVENTS} reported effects`);
    if ((this.fold?.meterCount ?? 0) > MAX_REPORT_METERS) fail('report_refused', `an inventory lists at most ${MAX_REPORT_METERS} meters`);
  }

  positions(): { from: Map<string, ReportPosition>; to: Map<string, ReportPosition> } {
    const to = new Map<string, ReportPosition>(this.from);
    for (const [logId, c] of this.logs) to.set(logId, { seq: c.seq, hash: c.hash });
    return { from: new Map(this.from), to };
  }

  get previousSha(): string | null {
    return this.previous?.sha256 ?? null;
  }
}

export class ReportDesk {
  private readonly passes = new Map<string, ReportPass>();

  constructor(
    private readonly crypto: ReportCrypto,
    private readonly self: ReportSelf,
  ) {}

  /** Begin a day's reports; `previous`: whether the previous day's inventory follows (else every log starts at its first record). */
  async begin(a: M.BeginReportArgs): Promise<Record<string, never>> {
    const reportId = idOf(a.reportId);
    if (typeof a.day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(a.day) || Number.isNaN(dayStartMs(a.day)))
      fail('invalid_request', 'a report day is YYYY-MM-DD');
    if (!Number.isSafeInteger(a.issue) || a.issue < 1 || a.issue > 999_999) fail('invalid_request', 'a report issue is 1 to 999999');
    const pass = new ReportPass(reportId, a.day, a.issue, a.previous === true);
    if (pass.endMs > this.self.now()) fail('report_refused', `${a.day} is not over yet on this module's clock`);
    if (this.passes.has(reportId)) fail('report_refused', `report ${reportId} is begun already`);
    if (this.passes.size >= MAX_OPEN_REPORTS) this.passes.delete(this.passes.keys().next().value!);
    this.passes.set(reportId, pass);
    return {};
  }

  /** A piece of the previous day's inventory file; with `last`, the module checks its signature and continues from its end. */
  async previous(a: M.ReportPreviousArgs): Promise<Record<string, never>> {
    const pass = this.of(a.reportId);
    if (typeof a.text !== 'string' || a.text.length > MAX_REPORT_CHUNK_CHARS)
      fail('invalid_request', `a report piece is at most ${MAX_REPORT_CHUNK_CHARS} characters`);
    pass.takePrevious(a.text, a.last === true, (r) => {
      if (r.kind !== 'inventory' || r.day !== dayBefore(pass.day))
        fail('report_refused', `the previous report must be the inventory of ${dayBefore(pass.day)}`);
      const problem = reportSignatureProblem(r, this.crypto.caCertPem, new Date(this.self.now()));
      if (problem) fail('report_refused', `the previous inventory: ${problem}`);
    });
    return {};
  }

  /** Records of any logs, each log's in sequence order, continuing where the previous report ended. */
  async records(a: M.ReportRecordsArgs): Promise<{ readonly ended: readonly string[] }> {
    const pass = this.of(a.reportId);
    const fold = pass.foldOpen;
    if (!Array.isArray(a.records) || a.records.length > REPLAY_MODULE_BATCH) fail('invalid_request', `feed 0 to ${REPLAY_MODULE_BATCH} records at a time`);
    for (const [i, wire] of a.records.entries()) {
      const header = typeof wire.header === 'string' && /^([0-9a-f]{2})+$/.test(wire.header) ? Buffer.from(wire.header, 'hex') : null;
      const h = header ? decodeHeader(header) : null;
      if (!header || !h) return fail('log_record_invalid', `record ${i}: the header is malformed`, { index: i });
      const body = Buffer.from(String(wire.body), 'base64');
      const c = pass.cursor(h.logId);
      if (c.ended) fail('report_refused', `log ${h.logId}: record ${h.seq} comes after a record of the next day`);
      if (h.seq !== c.seq + 1n || h.prevHash !== c.hash)
        fail('report_refused', `log ${h.logId}: record ${h.seq} does not continue record ${c.seq} (a record is missing, repeated or changed)`);
      const opened = await openBody(this.crypto, h.logId, { header, body }).catch(() => null);
      if (!opened) fail('log_record_invalid', `record ${h.seq} of log ${h.logId}: the body fails authentication`, { index: i });
      if (h.atMs >= pass.endMs) {
        c.ended = true;
        continue;
      }
      const effects = effectsIn(opened, h.logId, h.seq);
      fold.add({ ...h, effects });
      Object.assign(c, { seq: h.seq, hash: recordHash({ header, body }) });
      pass.counted(effects.length);
    }
    return { ended: this.endedLogs(pass) };
  }

  /** Sign the day's four reports. This module's own log must be fed to the day's end or to its head. */
  async finish(a: M.FinishReportArgs): Promise<M.FinishReportResult> {
    const pass = this.of(a.reportId);
    const fold = pass.foldOpen;
    const own = pass.cursor(this.crypto.serial);
    const head = this.self.logHeadSeq();
    if (!own.ended && own.seq < head)
      fail('report_incomplete', `log ${this.crypto.serial} is fed to record ${own.seq}, but its head is record ${head} and no record of the next day was seen`);
    const { from, to } = pass.positions();
    const signedAt = new Date(this.self.now()).toISOString();
    const texts = new Map<ReportKind, string>();
    for (const body of fold.finish(pass.issue, pass.previousSha, from, to)) {
      const text = reportBodyText(body);
      const statement = reportStatement({ kind: body.kind, day: body.day, issue: body.issue, sha256: sha256Hex(text), signer: this.crypto.serial, signedAt });
      const signature = await this.crypto.signAsModule('provider-report', statement);
      texts.set(
        body.kind,
        signedReportText(text, { signer: this.crypto.serial, signedAt, signatureHex: signature.toString('hex'), certificatePem: this.crypto.certPem }),
      );
    }
    pass.finished = texts;
    return { reports: REPORT_KINDS.map((kind) => ({ kind, chars: texts.get(kind)!.length, sha256: sha256Hex(texts.get(kind)!) })) };
  }

  /** A piece of a finished report's file. */
  async part(a: M.ReportPartArgs): Promise<M.ReportPartResult> {
    const pass = this.of(a.reportId);
    const text = pass.finished?.get(a.kind) ?? fail('report_refused', `report ${pass.reportId} has no finished ${String(a.kind)} report`);
    if (!Number.isSafeInteger(a.offset) || a.offset < 0 || a.offset > text.length) fail('invalid_request', 'bad report offset');
    const end = Math.min(text.length, a.offset + MAX_REPORT_CHUNK_CHARS);
    return { text: text.slice(a.offset, end), next: end < text.length ? end : null };
  }

  private endedLogs(pass: ReportPass): string[] {
    return [...pass.positions().to.keys()].filter((logId) => pass.cursor(logId).ended);
  }

  private of(reportId: unknown): ReportPass {
    return this.passes.get(idOf(reportId)) ?? fail('report_refused', `report ${String(reportId)} was not begun on this module (or was forgotten)`);
  }
}

function idOf(reportId: unknown): string {
  if (typeof reportId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(reportId)) fail('invalid_request', 'bad report id');
  return reportId;
}

/** The effects a record body carries; a body a module sealed that holds a malformed one is a broken log, not a line to skip. */
function effectsIn(body: Record<string, unknown>, logId: string, seq: bigint): LedgerEffect[] {
  const list = body.effects;
  if (list === undefined) return [];
  if (!Array.isArray(list)) fail('log_record_invalid', `record ${seq} of log ${logId}: its effects are not a list`);
  try {
    return list.filter((e: { kind?: unknown } | null) => isReportedKind(e?.kind)).map(checkEffect);
  } catch (e) {
    return fail('log_record_invalid', `record ${seq} of log ${logId}: ${(e as Error).message}`);
  }
}
