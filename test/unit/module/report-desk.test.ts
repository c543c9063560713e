import { beforeEach, describe, expect, it } from 'vitest';
import type { SoftwareModuleCrypto } from '../../../src/module/software-crypto.js';
import { ReportDesk } from '../../../src/module/report-desk.js';
import { chainRecords, type ChainedRecord, type RecordDraft } from '../../../src/ledger/chain.js';
import {
  GENESIS_HASH,
  parseReport,
  reportSignatureProblem,
  reportTotalsProblems,
  signedReportText,
  type LedgerEffect,
  type ParsedReport,
  type ReportKind,
} from '../../../src/ledger/index.js';
import { rejectsWith, testCrypto } from '../helpers/engine.js';
import { flipByte } from '../helpers/txlog.js';

// A module makes the provider reports from log records it opens itself: every line is a record it
// witnessed, and each day continues exactly where the previous day's inventory ended. These tests
// drive the desk with real sealed records (the software crypto backend) and a controlled clock.

const DAY = '2026-03-14';
const NEXT = '2026-03-15';
const NOON = Date.parse(`${DAY}T12:00:00.000Z`);
const METER = '11111111-2222-4333-8444-555555555555';
const OTHER_METER = '66666666-7777-4888-8999-aaaaaaaaaaaa';
const LICENSE = 'VM-2026-0000ABCD';
const OWN = 'M-UNIT';
const PEER = 'M-PEER';

let crypto: SoftwareModuleCrypto;
let nowMs: number;
let ownHead: bigint;
let desk: ReportDesk;

beforeEach(async () => {
  crypto = await testCrypto();
  nowMs = Date.parse(`${NEXT}T06:00:00.000Z`);
  ownHead = 0n;
  desk = new ReportDesk(crypto, { now: () => nowMs, logHeadSeq: () => ownHead });
});

interface Step {
  readonly atMs: number;
  readonly effects: readonly LedgerEffect[];
  readonly meterId?: string;
  readonly version?: bigint;
  readonly ar?: bigint;
  readonly dr?: bigint;
}

/** One log's records, chained from its start (or `from`), each sealed under the domain log key as its module would. */
async function logOf(logId: string, steps: readonly Step[], from = { seq: 0n, hash: GENESIS_HASH }): Promise<ChainedRecord[]> {
  const out: ChainedRecord[] = [];
  let head = from;
  for (const s of steps) {
    const draft: RecordDraft = {
      type: 'log',
      meterId: s.meterId ?? '',
      versionBefore: s.version ? s.version - 1n : 0n,
      versionAfter: s.version ?? 0n,
      arBeforeMills: 0n,
      drBeforeMills: 0n,
      arAfterMills: s.ar ?? 0n,
      drAfterMills: s.dr ?? 0n,
      body: { op: 'log', effectsVersion: 1, effects: s.effects },
    };
    const r = await chainRecords(crypto, logId, head, s.atMs, [draft]);
    out.push(...r.records);
    head = r.head;
  }
  return out;
}

const provisioned = (meterId: string): LedgerEffect => ({
  kind: 'meter_provisioned',
  meterId,
  certSerialHex: 'ab',
  certificatePem: 'pem',
  licensingZip: '20260',
  version: '1',
  sealed: 'AAAA',
});
const wire = (r: ChainedRecord) => ({ header: r.header, body: r.body });

/** A day of one customer: provisioned, claimed, licensed, funded twice (one on the peer module), moved, suspended. */
async function dayLogs(): Promise<{ own: ChainedRecord[]; peer: ChainedRecord[] }> {
  const own = await logOf(OWN, [
    { atMs: NOON - 3 * 3_600_000, effects: [provisioned(METER), provisioned(OTHER_METER)] },
    { atMs: NOON - 2 * 3_600_000, effects: [{ kind: 'customer_claimed', username: 'lena', meterId: METER }] },
    {
      atMs: NOON - 3_600_000,
      effects: [
        { kind: 'license_issued', licenseNumber: LICENSE, meterId: METER, licensingZip: '90807', taxIdSealed: 'AAAA', taxIdLast4: '4321', officer: 'so1' },
      ],
    },
    { atMs: NOON, meterId: METER, version: 2n, dr: 5_000_000n, effects: [{ kind: 'meter_funded', meterId: METER, amountMills: '5000000', officer: 'so1' }] },
    {
      atMs: NOON + 3_600_000,
      meterId: METER,
      version: 4n,
      ar: 1_000n,
      dr: 6_999_000n,
      effects: [{ kind: 'meter_moved', meterId: METER, fromZip: '90807', toZip: '10001' }],
    },
    {
      atMs: NOON + 2 * 3_600_000,
      effects: [
        { kind: 'license_status_changed', licenseNumber: LICENSE, meterId: METER, status: 'suspended', reason: 'late, "very" late, indeed', officer: 'so2' },
      ],
    },
    // The next day: it ends the day on this log and is in no report of this day.
    { atMs: Date.parse(`${NEXT}T00:00:01.000Z`), meterId: METER, version: 5n, ar: 2_000n, dr: 6_998_000n, effects: [] },
  ]);
  const peer = await logOf(PEER, [
    {
      atMs: NOON + 30 * 60_000,
      meterId: METER,
      version: 3n,
      ar: 1_000n,
      dr: 6_999_000n,
      effects: [{ kind: 'funding_settled', meterId: METER, requestId: 'ab'.repeat(16), amountMills: '2000000' }],
    },
  ]);
  return { own, peer };
}

async function makeDay(id: string, day: string, records: readonly ChainedRecord[], previous?: string): Promise<Map<ReportKind, ParsedReport>> {
  await desk.begin({ reportId: id, day, issue: 1, previous: previous !== undefined });
  if (previous !== undefined) await desk.previous({ reportId: id, text: previous, last: true });
  for (let i = 0; i < records.length; i += 3) await desk.records({ reportId: id, records: records.slice(i, i + 3).map(wire) });
  const { reports } = await desk.finish({ reportId: id });
  const out = new Map<ReportKind, ParsedReport>();
  for (const r of reports) {
    let text = '';
    for (let offset: number | null = 0; offset !== null;) {
      const part = await desk.part({ reportId: id, kind: r.kind, offset });
      text += part.text;
      offset = part.next;
    }
    expect(text.length).toBe(r.chars);
    out.set(r.kind, parseReport(text));
  }
  return out;
}

const textOf = async (id: string, kind: ReportKind): Promise<string> => (await desk.part({ reportId: id, kind, offset: 0 })).text;

describe('a day of provider reports, made by the module from its log', () => {
  it('lines up every funding, movement and license act in time order across logs, and signs each report', async () => {
    const { own, peer } = await dayLogs();
    ownHead = BigInt(own.length);
    const reports = await makeDay('day-one-1', DAY, [...own, ...peer]);

    const resetting = reports.get('resetting')!;
    expect(resetting.lines.map((l) => [l[0], l[2], l[3], l[4], l[5], l[6], l[7]])).toEqual([
      [new Date(NOON).toISOString(), METER, LICENSE, 'reset', '5000000', '0', '5000000'],
      [new Date(NOON + 30 * 60_000).toISOString(), METER, LICENSE, 'reset', '2000000', '1000', '6999000'],
    ]);
    expect(Object.fromEntries(resetting.totals)).toMatchObject({ lines: '2', resets: '2', resetMills: '7000000', returns: '0', lateLines: '0' });
    expect(reports.get('movement')!.lines.map((l) => l.slice(2, 6))).toEqual([[METER, LICENSE, '90807', '10001']]);
    const license = reports.get('license-activity')!;
    expect(license.lines.map((l) => [l[2], l[4], l[5], l[6], l[8]])).toEqual([
      [LICENSE, 'issued', '90807', '4321', ''],
      [LICENSE, 'suspended', '10001', '', 'late, "very" late, indeed'],
    ]);
    const inventory = reports.get('inventory')!;
    expect(inventory.lines).toEqual([
      [METER, LICENSE, 'suspended', '10001', 'active', '4', '1000', '6999000', new Date(NOON + 3_600_000).toISOString()],
      [OTHER_METER, '', 'none', '20260', 'pool', '0', '0', '0', ''],
    ]);
    expect(Object.fromEntries(inventory.totals)).toMatchObject({ meters: '2', licensed: '0', suspended: '1', unlicensed: '1', descendingMills: '6999000' });

    for (const r of reports.values()) {
      expect(reportSignatureProblem(r, crypto.caCertPem, new Date(nowMs))).toBeNull();
      expect(reportTotalsProblems(r)).toEqual([]);
      expect(r.signer).toBe(OWN);
      // The day's end on each log: the own log stops before the next day's record.
      expect(r.to.get(OWN)).toEqual({ seq: BigInt(own.length - 1), hash: own[own.length - 2]!.hash });
      expect(r.to.get(PEER)).toEqual({ seq: 1n, hash: peer[0]!.hash });
      expect(r.from.get(OWN)).toEqual({ seq: 0n, hash: GENESIS_HASH });
      expect(r.previous).toBeNull();
    }
  });

  it('continues the next day from the previous inventory: nothing is left out, nothing counted twice', async () => {
    const { own, peer } = await dayLogs();
    ownHead = BigInt(own.length);
    await makeDay('day-one-1', DAY, [...own, ...peer]);
    const previous = await textOf('day-one-1', 'inventory');
    nowMs = Date.parse('2026-03-16T06:00:00.000Z');
    const more = await logOf(
      OWN,
      [
        {
          atMs: Date.parse(`${NEXT}T09:00:00.000Z`),
          meterId: METER,
          version: 6n,
          ar: 2_000n,
          dr: 7_998_000n,
          effects: [{ kind: 'meter_funded', meterId: METER, amountMills: '1000000', officer: 'so1' }],
        },
      ],
      { seq: BigInt(own.length), hash: own[own.length - 1]!.hash },
    );
    ownHead += 1n;
    const next = await makeDay('day-two-1', NEXT, [own[own.length - 1]!, ...more], previous);
    const resetting = next.get('resetting')!;
    expect(resetting.lines.map((l) => [l[4], l[5]])).toEqual([['reset', '1000000']]);
    expect(resetting.previous).toBe(parseReport(previous).sha256);
    expect(resetting.from.get(OWN)!.seq).toBe(BigInt(own.length - 1));
    expect(next.get('inventory')!.lines[0]).toEqual([METER, LICENSE, 'suspended', '10001', 'active', '6', '2000', '7998000', `${NEXT}T09:00:00.000Z`]);
    // The peer log had nothing that day: it carries its position over.
    expect(next.get('inventory')!.to.get(PEER)!.seq).toBe(1n);

    // Fed from the log's start again (the previous day's records repeated): refused.
    await desk.begin({ reportId: 'day-two-2', day: NEXT, issue: 2, previous: true });
    await desk.previous({ reportId: 'day-two-2', text: previous, last: true });
    await rejectsWith(desk.records({ reportId: 'day-two-2', records: own.slice(0, 1).map(wire) }), 'report_refused');
  });
});

describe('what the module refuses', () => {
  it('a log with a record left out, repeated, or changed', async () => {
    const { own } = await dayLogs();
    ownHead = BigInt(own.length);
    await desk.begin({ reportId: 'gap-0001', day: DAY, issue: 1, previous: false });
    await rejectsWith(desk.records({ reportId: 'gap-0001', records: [own[0]!, own[2]!].map(wire) }), 'report_refused');

    await desk.begin({ reportId: 'again-01', day: DAY, issue: 1, previous: false });
    await desk.records({ reportId: 'again-01', records: [wire(own[0]!)] });
    await rejectsWith(desk.records({ reportId: 'again-01', records: [wire(own[0]!)] }), 'report_refused');

    await desk.begin({ reportId: 'flip-001', day: DAY, issue: 1, previous: false });
    const body = flipByte(Buffer.from(own[0]!.body, 'base64'), 20).toString('base64');
    await rejectsWith(desk.records({ reportId: 'flip-001', records: [{ header: own[0]!.header, body }] }), 'log_record_invalid');
  });

  it("records past the day's end on a log, and a day that is not over", async () => {
    const { own } = await dayLogs();
    const past = await logOf(OWN, [{ atMs: Date.parse(`${NEXT}T00:00:02.000Z`), effects: [] }], { seq: BigInt(own.length), hash: own[own.length - 1]!.hash });
    ownHead = BigInt(own.length + 1);
    await desk.begin({ reportId: 'past-001', day: DAY, issue: 1, previous: false });
    await rejectsWith(desk.records({ reportId: 'past-001', records: [...own, ...past].map(wire) }), 'report_refused');
    nowMs = Date.parse(`${DAY}T23:59:00.000Z`);
    await rejectsWith(desk.begin({ reportId: 'early-01', day: DAY, issue: 1, previous: false }), 'report_refused');
  });

  it("its own log fed short of the day's end and of its head: incomplete until the rest comes", async () => {
    const { own } = await dayLogs();
    ownHead = BigInt(own.length);
    await desk.begin({ reportId: 'short-01', day: DAY, issue: 1, previous: false });
    await desk.records({ reportId: 'short-01', records: own.slice(0, 3).map(wire) });
    await rejectsWith(desk.finish({ reportId: 'short-01' }), 'report_incomplete');
    await desk.records({ reportId: 'short-01', records: own.slice(3).map(wire) });
    expect((await desk.finish({ reportId: 'short-01' })).reports).toHaveLength(4);
  });

  it('a previous inventory that is changed, of the wrong day, or not a signed module report', async () => {
    const { own, peer } = await dayLogs();
    ownHead = BigInt(own.length);
    await makeDay('base-001', DAY, [...own, ...peer]);
    const good = await textOf('base-001', 'inventory');
    const resetting = await textOf('base-001', 'resetting');
    nowMs = Date.parse('2026-03-20T06:00:00.000Z');
    const tryPrevious = async (id: string, day: string, text: string) => {
      await desk.begin({ reportId: id, day, issue: 1, previous: true });
      return desk.previous({ reportId: id, text, last: true });
    };
    // A line changed (registers lowered): the digest no longer matches.
    await rejectsWith(tryPrevious('prev-001', NEXT, good.replace(',6999000,', ',1000,')), 'report_refused');
    // Re-digested after the change: the module's signature does not cover it.
    const parsed = parseReport(good);
    const bodyText = good.slice(0, good.lastIndexOf('\nS,') + 1).replace(',6999000,', ',1000,');
    const forged = signedReportText(bodyText, {
      signer: parsed.signer,
      signedAt: parsed.signedAt,
      signatureHex: parsed.signatureHex,
      certificatePem: parsed.certificatePem,
    });
    await rejectsWith(tryPrevious('prev-002', NEXT, forged), 'report_refused');
    // The right file for the wrong day.
    await rejectsWith(tryPrevious('prev-003', '2026-03-17', good), 'report_refused');
    // A resetting report is not an inventory.
    await rejectsWith(tryPrevious('prev-004', NEXT, resetting), 'report_refused');
    // Records before the previous inventory is read: refused.
    await desk.begin({ reportId: 'prev-005', day: NEXT, issue: 1, previous: true });
    await rejectsWith(desk.records({ reportId: 'prev-005', records: [] }), 'report_refused');
  });
});
