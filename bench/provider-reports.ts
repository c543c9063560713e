// npm run bench:provider-reports: what a module's provider report pass costs (issue 18 item 2).
//
// One day of N log records, sealed under a domain log key as a module writes them: mostly prints
// (`item_printed`), with fundings, settled debits, movements and license acts mixed in, over M
// meters and two logs. In the same run, in this process, with the software crypto backend:
//   baseline  the module's `openLog` of the same records (hash check + AES-GCM open), the least any
//             pass over the log must do;
//   report    the module's report pass: chain checks, open, effect checks, the fold, and four
//             signed files (beginReport, reportRecords in batches, finishReport, reportPart).
// The ratio report/baseline is the report's own cost on top of reading the log. No socket, no
// database: it measures the module's work, which is the bound the report job cannot beat.
//
// Writes bench/results/provider-reports.json and prints a table. `--help` lists the settings.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { REPLAY_MODULE_BATCH } from '../src/constants.js';
import { chainRecords, GENESIS_HASH, type ChainedRecord, type LedgerEffect, type RecordDraft } from '../src/ledger/index.js';
import { createAuthority, issueCertificate, newCertSerialHex } from '../src/module/certificates.js';
import { newDomainKeys } from '../src/module/keystore.js';
import { LogVault } from '../src/module/log-vault.js';
import { ReportDesk } from '../src/module/report-desk.js';
import { SoftwareModuleCrypto } from '../src/module/software-crypto.js';
import { exitOnHelp, int } from './lib/flags.js';

exitOnHelp(`npm run bench:provider-reports -- [options]

  --records N   log records in the day (200000)
  --meters M    meters they concern (2000)
  --rounds R    timed passes of each kind, alternating (3)
`);

const RECORDS = int('records', 200_000, 100);
const METERS = int('meters', 2_000, 1);
const ROUNDS = int('rounds', 3, 1);
const DAY = '2026-03-14';
const DAY_START = Date.parse(`${DAY}T00:00:00.000Z`);
const DAY_MS = 86_400_000;

async function moduleCrypto(): Promise<SoftwareModuleCrypto> {
  const now = new Date(DAY_START - DAY_MS);
  const ca = await createAuthority('Bench', now);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certPem = await issueCertificate(ca, {
    subject: 'CN=module M-BENCH, O=Vaultmeter',
    publicSpki: publicKey.export({ type: 'spki', format: 'der' }),
    serialHex: newCertSerialHex(),
    notBefore: now,
    notAfter: new Date(now.getTime() + 365 * DAY_MS),
  });
  return new SoftwareModuleCrypto({
    domain: newDomainKeys(ca.privatePkcs8, ca.certPem),
    identity: { serial: 'M-BENCH', privatePkcs8: privateKey.export({ type: 'pkcs8', format: 'der' }), certPem },
  });
}

/** The effect of record `i`: one in 50 a funding or a settlement, one in 500 a movement or a license act, the rest prints. */
function effectOf(i: number, meterId: string): LedgerEffect {
  if (i < METERS)
    return { kind: 'meter_provisioned', meterId, certSerialHex: 'ab', certificatePem: 'pem', licensingZip: '20260', version: '1', sealed: 'AAAA' };
  if (i % 500 === 1) return { kind: 'meter_moved', meterId, fromZip: '20260', toZip: '10001' };
  if (i % 500 === 2)
    return {
      kind: 'license_issued',
      licenseNumber: `VM-2026-${(i & 0xffffffff).toString(16).toUpperCase().padStart(8, '0')}`,
      meterId,
      licensingZip: '20260',
      taxIdSealed: 'AAAA',
      taxIdLast4: '1234',
      officer: 'so1',
    };
  if (i % 50 === 3) return { kind: 'meter_funded', meterId, amountMills: '1000000', officer: 'so1' };
  if (i % 50 === 4) return { kind: 'funding_settled', meterId, requestId: 'ab'.repeat(16), amountMills: '500000' };
  return {
    kind: 'item_printed',
    meterId,
    itemId: 'cd'.repeat(16),
    itemSerial: String(i),
    itemKind: 'postage',
    amountMills: '730',
    itemBase64: 'A'.repeat(400),
  };
}

async function dayOfRecords(crypto: SoftwareModuleCrypto, meters: string[]): Promise<ChainedRecord[][]> {
  const logs: ChainedRecord[][] = [[], []];
  const heads = [
    { seq: 0n, hash: GENESIS_HASH },
    { seq: 0n, hash: GENESIS_HASH },
  ];
  const stepMs = Math.floor((DAY_MS - 1000) / RECORDS);
  for (let i = 0; i < RECORDS; i++) {
    const log = i % 2;
    const meterId = meters[i % meters.length]!;
    const draft: RecordDraft = {
      type: 'command',
      meterId,
      versionBefore: BigInt(i + 1),
      versionAfter: BigInt(i + 2),
      arBeforeMills: BigInt(i) * 730n,
      drBeforeMills: 10_000_000n,
      arAfterMills: BigInt(i + 1) * 730n,
      drAfterMills: 10_000_000n - 730n,
      body: { op: 'command', effectsVersion: 1, effects: [effectOf(i, meterId)] },
    };
    const r = await chainRecords(crypto, log === 0 ? 'M-BENCH' : 'M-PEER', heads[log]!, DAY_START + i * stepMs, [draft]);
    logs[log]!.push(...r.records);
    heads[log] = r.head;
  }
  return logs;
}

const wire = (r: ChainedRecord) => ({ header: r.header, body: r.body });

async function baselinePass(vault: LogVault, logs: ChainedRecord[][]): Promise<number> {
  const t0 = performance.now();
  for (const log of logs) for (let i = 0; i < log.length; i += REPLAY_MODULE_BATCH) await vault.openLog({ records: log.slice(i, i + REPLAY_MODULE_BATCH) });
  return performance.now() - t0;
}

async function reportPass(desk: ReportDesk, logs: ChainedRecord[][]): Promise<{ ms: number; chars: number }> {
  const reportId = randomUUID().replace(/-/g, '');
  const t0 = performance.now();
  await desk.begin({ reportId, day: DAY, issue: 1, previous: false });
  for (const log of logs)
    for (let i = 0; i < log.length; i += REPLAY_MODULE_BATCH) await desk.records({ reportId, records: log.slice(i, i + REPLAY_MODULE_BATCH).map(wire) });
  const { reports } = await desk.finish({ reportId });
  let chars = 0;
  for (const r of reports) {
    for (let offset: number | null = 0; offset !== null;) {
      const part = await desk.part({ reportId, kind: r.kind, offset });
      chars += part.text.length;
      offset = part.next;
    }
  }
  return { ms: performance.now() - t0, chars };
}

async function main(): Promise<void> {
  const crypto = await moduleCrypto();
  const meters = Array.from({ length: METERS }, () => randomUUID());
  process.stderr.write(`sealing ${RECORDS} records of one day over ${METERS} meters…\n`);
  const logs = await dayOfRecords(crypto, meters);
  const now = () => DAY_START + 2 * DAY_MS;
  const vault = new LogVault(crypto, { now, logHeadSeq: () => BigInt(logs[0]!.length) });
  const desk = new ReportDesk(crypto, { now, logHeadSeq: () => BigInt(logs[0]!.length) });
  await baselinePass(vault, logs); // warm-up
  await reportPass(desk, logs);
  const base: number[] = [];
  const report: number[] = [];
  let chars = 0;
  for (let round = 0; round < ROUNDS; round++) {
    base.push(await baselinePass(vault, logs));
    const r = await reportPass(desk, logs);
    report.push(r.ms);
    chars = r.chars;
    process.stderr.write(`round ${round + 1}/${ROUNDS}: openLog ${base[round]!.toFixed(0)} ms, report pass ${r.ms.toFixed(0)} ms\n`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const result = {
    records: RECORDS,
    meters: METERS,
    rounds: ROUNDS,
    cpu: cpus()[0]?.model ?? 'unknown',
    openLogMs: Math.round(median(base)),
    reportPassMs: Math.round(median(report)),
    openLogRecordsPerSec: Math.round(RECORDS / (median(base) / 1000)),
    reportRecordsPerSec: Math.round(RECORDS / (median(report) / 1000)),
    reportOverOpenLog: Number((median(report) / median(base)).toFixed(2)),
    reportChars: chars,
  };
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/provider-reports.json', `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    [
      `| pass over ${RECORDS} records (${METERS} meters, 2 logs), median of ${ROUNDS} | ms | records/s |`,
      '|---|---:|---:|',
      `| baseline: openLog (hash + AES-GCM open) | ${result.openLogMs} | ${result.openLogRecordsPerSec} |`,
      `| provider report pass (chain, open, fold, 4 signed files) | ${result.reportPassMs} | ${result.reportRecordsPerSec} |`,
      `| ratio report / baseline | ${result.reportOverOpenLog} | |`,
      `| report files | ${chars} characters | |`,
    ].join('\n') + '\n',
  );
}

await main();
