import { randomBytes } from 'node:crypto';
import {
  MAX_REPORT_CHUNK_CHARS,
  MAX_REPORT_DAYS_PER_RUN,
  REPLAY_MODULE_BATCH,
  REPLAY_MODULE_BATCH_BYTES,
  REPORT_DAY_GRACE_MS,
  REPORT_INCOMPLETE_RETRIES,
  REPORT_INCOMPLETE_RETRY_MS,
} from '../constants.js';
import { sha256Hex } from '../crypto/index.js';
import { fail, VaultError } from '../errors.js';
import {
  DAY_MS,
  dayBefore,
  dayStartMs,
  decodeHeader,
  parseReport,
  REPORT_KINDS,
  type EffectOf,
  type ReportKind,
  type ReportPosition,
} from '../ledger/index.js';
import type { ModuleConnection } from '../module/index.js';
import { locks, providerReportsRepo, txlogRepo, type ReportRow } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { logEffects } from './logged.js';

// The provider report job (issue 18 item 2): each day that is over, a module folds the log into the
// day's four reports and signs them (src/module/report-desk.ts); the job writes the files to the
// provider outbox and files the `provider_reports_filed` effect. Days are filed in order, each
// continuing from the previous day's inventory, so a run resumes wherever the last one stopped,
// and a day already filed is never made again unless an officer re-issues it.

export interface FiledReport {
  readonly kind: ReportKind;
  readonly objectKey: string;
  readonly sha256: string;
  readonly lines: number;
  readonly totals: Readonly<Record<string, string>>;
}

export interface FiledDay {
  readonly day: string;
  readonly issue: number;
  readonly signer: string;
  readonly reports: readonly FiledReport[];
}

export interface ReportRun {
  readonly filed: readonly FiledDay[];
  /** More days wait than one run files (MAX_REPORT_DAYS_PER_RUN): run again. */
  readonly more: boolean;
}

export interface ReissueRequest {
  readonly day: string;
  readonly reason: string;
  readonly officer: string;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** File every day that is over and not filed yet (oldest first), or re-issue one day. One run at a time per installation. */
export async function runProviderReports(ctx: ServiceContext, opts: { now?: Date; reissue?: ReissueRequest } = {}): Promise<ReportRun> {
  const client = await ctx.db.connect();
  try {
    if (!(await locks.tryLockProviderReports(client))) fail('provider_reports_busy', 'another provider report run is in progress; retry in a minute');
    try {
      if (opts.reissue) return { filed: [await reissueDay(ctx, opts.reissue)], more: false };
      return await fileDueDays(ctx, opts.now ?? new Date());
    } finally {
      await locks.unlockProviderReports(client).catch(() => {});
    }
  } finally {
    client.release();
  }
}

async function fileDueDays(ctx: ServiceContext, now: Date): Promise<ReportRun> {
  const last = await providerReportsRepo.lastFiledDay(ctx.db);
  const first = last ? dayOf(dayStartMs(last) + DAY_MS) : await providerReportsRepo.firstRecordDay(ctx.db);
  if (!first) return { filed: [], more: false };
  const lastDue = dayOf(now.getTime() - REPORT_DAY_GRACE_MS - DAY_MS);
  const filed: FiledDay[] = [];
  for (let day = first; day <= lastDue && filed.length < MAX_REPORT_DAYS_PER_RUN; day = dayOf(dayStartMs(day) + DAY_MS)) {
    filed.push(await fileDay(ctx, day, 1, null));
  }
  const next = filed.length ? dayOf(dayStartMs(filed[filed.length - 1]!.day) + DAY_MS) : first;
  return { filed, more: next <= lastDue };
}

async function reissueDay(ctx: ServiceContext, r: ReissueRequest): Promise<FiledDay> {
  const latest = await providerReportsRepo.latestIssue(ctx.db, r.day);
  if (!latest) fail('not_found', `${r.day} has no filed reports to re-issue`);
  return fileDay(ctx, r.day, latest[0]!.issue + 1, { reason: r.reason, officer: r.officer });
}

async function fileDay(ctx: ServiceContext, day: string, issue: number, reissue: { reason: string; officer: string } | null): Promise<FiledDay> {
  const previous = await previousInventory(ctx, day);
  const module = ctx.modules.pick();
  const signer = ctx.modules.serialOf(module);
  const texts = await makeReports(ctx, module, day, issue, previous);
  const reports: FiledReport[] = [];
  for (const kind of REPORT_KINDS) {
    const text = texts.get(kind)!;
    const objectKey = `${day}/${kind}-${issue}.csv`;
    await ctx.providerOutbox.put(objectKey, Buffer.from(text, 'utf8'));
    const parsed = parseReport(text);
    reports.push({ kind, objectKey, sha256: sha256Hex(text), lines: parsed.lines.length, totals: Object.fromEntries(parsed.totals) });
  }
  const effect: EffectOf<'provider_reports_filed'> = {
    kind: 'provider_reports_filed',
    day,
    issue,
    signer,
    target: ctx.providerOutbox.name,
    reports: reports.map(({ kind, objectKey, sha256, lines }) => ({ kind, objectKey, sha256, lines })),
    reason: reissue?.reason ?? null,
    officer: reissue?.officer ?? null,
  };
  await logEffects(ctx, [effect]);
  return { day, issue, signer, reports };
}

/** The previous day's filed inventory, read back from the outbox and held to its recorded digest; null before the first filed day. */
async function previousInventory(ctx: ServiceContext, day: string): Promise<string | null> {
  const rows = await providerReportsRepo.latestIssue(ctx.db, dayBefore(day));
  const row = rows?.find((r) => r.kind === 'inventory');
  if (!row) {
    // Only the first day filed starts from the logs' beginnings; any later day continues the one before.
    const first = await providerReportsRepo.firstFiledDay(ctx.db);
    if (first && first < day) fail('report_refused', `${dayBefore(day)} is not filed, so ${day} cannot continue from it`);
    return null;
  }
  return readFiled(ctx, row);
}

/** A filed report's text from the outbox, exactly the bytes that were filed. */
export async function readFiled(ctx: ServiceContext, row: ReportRow): Promise<string> {
  const bytes = await ctx.providerOutbox.get(row.objectKey);
  if (!bytes) fail('report_file_missing', `${row.objectKey} is not in the provider outbox (${ctx.providerOutbox.name}); re-issue ${row.day}`);
  if (sha256Hex(bytes) !== row.sha256)
    fail('report_file_missing', `${row.objectKey} in the provider outbox is not the file that was filed (its SHA-256 differs)`);
  return bytes.toString('utf8');
}

/** One module pass: begin, the previous inventory, every log's records of the day, finish, and the four files. */
async function makeReports(
  ctx: ServiceContext,
  module: ModuleConnection,
  day: string,
  issue: number,
  previous: string | null,
): Promise<Map<ReportKind, string>> {
  const reportId = randomBytes(12).toString('hex');
  await module.call('beginReport', { reportId, day, issue, previous: previous !== null });
  if (previous !== null) await sendPrevious(module, reportId, previous);
  const from = previous === null ? new Map<string, ReportPosition>() : parseReport(previous).to;
  const feed = new LogFeed(ctx, module, reportId, dayStartMs(day) + DAY_MS, from);
  const logIds = new Set([...from.keys(), ...(await txlogRepo.logIds(ctx.db))]);
  for (let attempt = 0; ; attempt += 1) {
    for (const logId of logIds) await feed.feed(logId);
    try {
      const { reports } = await module.call('finishReport', { reportId });
      return await readParts(module, reportId, reports);
    } catch (e) {
      // The module's own log may be ahead of the database by a commit in flight: read it again.
      if (!(e instanceof VaultError && e.code === 'report_incomplete') || attempt >= REPORT_INCOMPLETE_RETRIES) throw e;
      await new Promise((r) => setTimeout(r, REPORT_INCOMPLETE_RETRY_MS));
      for (const id of await txlogRepo.logIds(ctx.db)) logIds.add(id);
    }
  }
}

async function sendPrevious(module: ModuleConnection, reportId: string, text: string): Promise<void> {
  for (let at = 0; ; at += MAX_REPORT_CHUNK_CHARS) {
    const last = at + MAX_REPORT_CHUNK_CHARS >= text.length;
    await module.call('reportPrevious', { reportId, text: text.slice(at, at + MAX_REPORT_CHUNK_CHARS), last });
    if (last) return;
  }
}

async function readParts(
  module: ModuleConnection,
  reportId: string,
  reports: readonly { kind: ReportKind; chars: number; sha256: string }[],
): Promise<Map<ReportKind, string>> {
  const texts = new Map<ReportKind, string>();
  for (const r of reports) {
    let text = '';
    for (let offset: number | null = 0; offset !== null;) {
      const part: { text: string; next: number | null } = await module.call('reportPart', { reportId, kind: r.kind, offset });
      text += part.text;
      offset = part.next;
    }
    if (text.length !== r.chars || sha256Hex(text) !== r.sha256) fail('internal', `the ${r.kind} report arrived damaged from the module`);
    texts.set(r.kind, text);
  }
  return texts;
}

/** Feeds each log's records, in order, from the previous report's end to the first record of the next day. */
class LogFeed {
  private readonly after = new Map<string, bigint>();
  private readonly ended = new Set<string>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly module: ModuleConnection,
    private readonly reportId: string,
    private readonly endMs: number,
    from: ReadonlyMap<string, ReportPosition>,
  ) {
    for (const [logId, at] of from) this.after.set(logId, at.seq);
  }

  async feed(logId: string): Promise<void> {
    while (!this.ended.has(logId)) {
      const rows = await txlogRepo.readLog(this.ctx.db, logId, this.after.get(logId) ?? 0n, REPLAY_MODULE_BATCH);
      if (rows.length === 0) return;
      const page: { header: string; body: string }[] = [];
      let bytes = 0;
      for (const row of rows) {
        // The header's time is the module's: the database's copy of it is only a hint.
        const atMs = decodeHeader(row.header)?.atMs ?? 0;
        // On the wire: the header as hex, the body as base64.
        bytes += row.header.length * 2 + Math.ceil(row.body.length / 3) * 4;
        if (page.length && bytes > REPLAY_MODULE_BATCH_BYTES) break;
        page.push({ header: row.header.toString('hex'), body: row.body.toString('base64') });
        this.after.set(logId, row.seq);
        if (atMs >= this.endMs) break;
      }
      const { ended } = await this.module.call('reportRecords', { reportId: this.reportId, records: page });
      if (ended.includes(logId)) this.ended.add(logId);
    }
  }
}

export interface ReportView {
  readonly day: string;
  readonly kind: string;
  readonly issue: number;
  readonly objectKey: string;
  readonly sha256: string;
  readonly lines: number;
  readonly signer: string;
  readonly target: string;
  readonly reason: string | null;
  readonly officer: string | null;
  readonly filedAt: string;
}

const viewOf = (r: ReportRow): ReportView => ({ ...r, filedAt: r.filedAt.toISOString() });

export async function listProviderReports(ctx: ServiceContext, day: string | null, limit: number): Promise<ReportView[]> {
  return (await providerReportsRepo.listReports(ctx.db, { ...(day ? { day } : {}), limit })).map(viewOf);
}

/** One filed report (the newest issue unless one is named): the file's text, and the ledger's own totals of that day. */
export async function providerReport(
  ctx: ServiceContext,
  day: string,
  kind: ReportKind,
  issue: number | null,
): Promise<{ report: ReportView; text: string; ledgerTotals: Record<string, string> }> {
  const row =
    (await providerReportsRepo.findReport(ctx.db, day, kind, issue)) ??
    fail('not_found', `no ${kind} report of ${day}${issue ? ` issue ${issue}` : ''} was filed`);
  const text = await readFiled(ctx, row);
  return { report: viewOf(row), text, ledgerTotals: await providerReportsRepo.ledgerTotals(ctx.db, kind, day) };
}
