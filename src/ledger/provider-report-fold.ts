import type { LedgerEffect } from './effects.js';
import type { ParsedReport, ReportBody, ReportKind, ReportPosition } from './provider-report-format.js';

// A day's provider reports as a pure fold of the log: the previous day's inventory (what every meter
// was at its end), then the day's records. Only a module runs it, on records it opened itself
// (report-desk.ts), so every line is one a module witnessed. Pure: the caller supplies the day.

/** One opened log record, as the fold needs it. */
export interface FoldRecord {
  readonly logId: string;
  readonly seq: bigint;
  readonly atMs: number;
  readonly meterId: string;
  readonly versionAfter: bigint;
  readonly arAfterMills: bigint;
  readonly drAfterMills: bigint;
  readonly effects: readonly LedgerEffect[];
}

interface MeterState {
  licenseNumber: string;
  licenseStatus: string;
  licensingZip: string;
  meterStatus: string;
  version: bigint;
  arMills: bigint;
  drMills: bigint;
  lastAtMs: number | null;
}

interface Event {
  readonly r: FoldRecord;
  readonly index: number;
  readonly effect: LedgerEffect;
}

/** Effects that a report lines up or that change a meter's inventory entry. */
const REPORTED = new Set<string>([
  'meter_provisioned',
  'customer_claimed',
  'meter_sandboxed',
  'meter_funded',
  'funding_settled',
  'funding_returned',
  'meter_adjusted',
  'account_closed',
  'meter_withdrawn',
  'meter_revoked',
  'license_issued',
  'license_status_changed',
  'meter_moved',
]);

/** Whether an effect kind is one the reports fold (the rest of a record is only checked for continuity). */
export function isReportedKind(kind: unknown): boolean {
  return typeof kind === 'string' && REPORTED.has(kind);
}

export const DAY_MS = 86_400_000;

/** The start of a UTC day (YYYY-MM-DD) in ms. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

export function dayBefore(day: string): string {
  return new Date(dayStartMs(day) - DAY_MS).toISOString().slice(0, 10);
}

export class ProviderDayFold {
  private readonly meters = new Map<string, MeterState>();
  private readonly events: Event[] = [];
  private readonly startMs: number;

  constructor(
    readonly day: string,
    previousInventory: ParsedReport | null,
  ) {
    this.startMs = dayStartMs(day);
    for (const l of previousInventory?.lines ?? []) {
      this.meters.set(l[0]!, {
        licenseNumber: l[1]!,
        licenseStatus: l[2]!,
        licensingZip: l[3]!,
        meterStatus: l[4]!,
        version: BigInt(l[5]!),
        arMills: BigInt(l[6]!),
        drMills: BigInt(l[7]!),
        lastAtMs: l[8] ? Date.parse(l[8]) : null,
      });
    }
  }

  /** How many meters the inventory holds so far (the module bounds it). */
  get meterCount(): number {
    return this.meters.size;
  }

  add(r: FoldRecord): void {
    r.effects.forEach((effect, index) => {
      if (REPORTED.has(effect.kind)) this.events.push({ r, index, effect });
    });
    if (!r.meterId || r.versionAfter === 0n) return;
    const m = this.meter(r.meterId);
    // A meter's records may sit in several modules' logs: its newest package version wins.
    if (r.versionAfter > m.version) Object.assign(m, { version: r.versionAfter, arMills: r.arAfterMills, drMills: r.drAfterMills });
    if (m.lastAtMs === null || r.atMs > m.lastAtMs) m.lastAtMs = r.atMs;
  }

  /** The four report bodies (unsigned), lines in time order across logs. */
  finish(issue: number, previous: string | null, from: ReadonlyMap<string, ReportPosition>, to: ReadonlyMap<string, ReportPosition>): ReportBody[] {
    const out = { resetting: [] as string[][], movement: [] as string[][], 'license-activity': [] as string[][] };
    const ordered = [...this.events].sort((a, b) => a.r.atMs - b.r.atMs || cmp(a.r.logId, b.r.logId) || cmpBig(a.r.seq, b.r.seq) || a.index - b.index);
    for (const e of ordered) this.apply(e, out);
    const base = { day: this.day, issue, previous, from, to };
    const inventory = this.inventoryLines();
    return [
      { ...base, kind: 'resetting', lines: out.resetting, totals: resettingTotals(out.resetting) },
      { ...base, kind: 'movement', lines: out.movement, totals: movementTotals(out.movement) },
      { ...base, kind: 'license-activity', lines: out['license-activity'], totals: licenseTotals(out['license-activity']) },
      { ...base, kind: 'inventory', lines: inventory, totals: inventoryTotals(inventory) },
    ];
  }

  private meter(meterId: string): MeterState {
    let m = this.meters.get(meterId);
    if (!m) {
      m = { licenseNumber: '', licenseStatus: 'none', licensingZip: '', meterStatus: 'pool', version: 0n, arMills: 0n, drMills: 0n, lastAtMs: null };
      this.meters.set(meterId, m);
    }
    return m;
  }

  private apply(e: Event, out: Record<Exclude<ReportKind, 'inventory'>, string[][]>): void {
    const { r, effect: x } = e;
    const at = new Date(r.atMs).toISOString();
    const record = `${r.logId}:${r.seq}`;
    const late = r.atMs < this.startMs ? 'yes' : '';
    const reset = (meterId: string, type: string, amount: string): void => {
      const m = this.meter(meterId);
      out.resetting.push([at, record, meterId, m.licenseNumber, type, amount, r.arAfterMills.toString(), r.drAfterMills.toString(), late]);
    };
    switch (x.kind) {
      case 'meter_provisioned':
        this.meter(x.meterId).licensingZip = x.licensingZip;
        return;
      case 'customer_claimed':
        this.meter(x.meterId).meterStatus = 'active';
        return;
      case 'meter_sandboxed':
        this.meter(x.meterId).meterStatus = 'sandbox';
        return;
      case 'meter_funded':
      case 'funding_settled':
        return reset(x.meterId, 'reset', x.amountMills);
      case 'funding_returned':
        if (x.outcome === 'owed') reset(x.meterId, 'return', x.amountMills);
        return;
      case 'meter_adjusted':
        return reset(x.meterId, 'adjustment', x.deltaMills);
      case 'account_closed':
        reset(x.meterId, 'withdrawal', x.balanceMills);
        this.meter(x.meterId).meterStatus = 'withdrawn';
        return;
      case 'meter_withdrawn':
        this.meter(x.meterId).meterStatus = 'withdrawn';
        return;
      case 'meter_revoked':
        this.meter(x.meterId).meterStatus = 'revoked';
        return;
      case 'meter_moved': {
        const m = this.meter(x.meterId);
        out.movement.push([at, record, x.meterId, m.licenseNumber, x.fromZip, x.toZip, late]);
        m.licensingZip = x.toZip;
        return;
      }
      case 'license_issued': {
        Object.assign(this.meter(x.meterId), { licenseNumber: x.licenseNumber, licenseStatus: 'issued', licensingZip: x.licensingZip });
        out['license-activity'].push([at, record, x.licenseNumber, x.meterId, 'issued', x.licensingZip, x.taxIdLast4, x.officer, '', late]);
        return;
      }
      case 'license_status_changed': {
        const m = this.meter(x.meterId);
        if (m.licenseNumber === x.licenseNumber) m.licenseStatus = x.status;
        const action = x.status === 'issued' ? 'reinstated' : x.status;
        out['license-activity'].push([at, record, x.licenseNumber, x.meterId, action, m.licensingZip, '', x.officer, x.reason, late]);
        return;
      }
      default:
        return;
    }
  }

  private inventoryLines(): string[][] {
    return [...this.meters.keys()].sort().map((id) => {
      const m = this.meters.get(id)!;
      const last = m.lastAtMs === null ? '' : new Date(m.lastAtMs).toISOString();
      return [id, m.licenseNumber, m.licenseStatus, m.licensingZip, m.meterStatus, m.version.toString(), m.arMills.toString(), m.drMills.toString(), last];
    });
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const cmpBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

const sum = (lines: readonly string[][], col: number, keep: (l: string[]) => boolean): bigint => lines.filter(keep).reduce((s, l) => s + BigInt(l[col]!), 0n);
const count = (lines: readonly string[][], keep: (l: string[]) => boolean): string => String(lines.filter(keep).length);

/** Totals of a resetting report (column 4 the type, 5 the amount, 8 late); the verifier recomputes them from the lines. */
export function resettingTotals(lines: readonly string[][]): [string, string][] {
  const of = (type: string): [string, string][] => [
    [`${type}s`, count(lines, (l) => l[4] === type)],
    [`${type}Mills`, sum(lines, 5, (l) => l[4] === type).toString()],
  ];
  return [
    ['lines', String(lines.length)],
    ...of('reset'),
    ...of('return'),
    ...of('adjustment'),
    ...of('withdrawal'),
    ['lateLines', count(lines, (l) => l[8] === 'yes')],
  ];
}

export function movementTotals(lines: readonly string[][]): [string, string][] {
  return [
    ['lines', String(lines.length)],
    ['meters', String(new Set(lines.map((l) => l[2])).size)],
    ['lateLines', count(lines, (l) => l[6] === 'yes')],
  ];
}

export function licenseTotals(lines: readonly string[][]): [string, string][] {
  const of = (action: string): [string, string] => [action, count(lines, (l) => l[4] === action)];
  return [['lines', String(lines.length)], of('issued'), of('suspended'), of('reinstated'), of('revoked'), ['lateLines', count(lines, (l) => l[9] === 'yes')]];
}

export function inventoryTotals(lines: readonly string[][]): [string, string][] {
  const of = (status: string): [string, string] => [status, count(lines, (l) => l[2] === status)];
  return [
    ['meters', String(lines.length)],
    ['licensed', count(lines, (l) => l[2] === 'issued')],
    of('suspended'),
    of('revoked'),
    ['unlicensed', count(lines, (l) => l[2] === 'none')],
    ['ascendingMills', sum(lines, 6, () => true).toString()],
    ['descendingMills', sum(lines, 7, () => true).toString()],
  ];
}

/** The totals a kind's lines give: what the trailer must say. */
export function totalsOf(kind: ReportKind, lines: readonly string[][]): [string, string][] {
  if (kind === 'resetting') return resettingTotals(lines);
  if (kind === 'movement') return movementTotals(lines);
  if (kind === 'license-activity') return licenseTotals(lines);
  return inventoryTotals(lines);
}
