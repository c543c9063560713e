import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { VaultError } from '../../src/errors.js';
import { parseReport, signedReportText, type ParsedReport } from '../../src/ledger/index.js';
import { ModuleConnection } from '../../src/module/index.js';
import { moduleSockets } from '../../src/runtime/index.js';
import { MeterClient } from '../../src/sdk/index.js';
import { fundAs, get, newTestOfficer, officerHeaders, post, type TestOfficer } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';
import { until } from './wait.js';
import { DAY_MS, TestClock } from '../helpers/test-clock.js';

// Issue 18 item 2, against the real processes: the report job files each day that is over, a
// module makes and signs the reports from the log, `provider reports verify` holds them to the CA,
// their own trailers and the ledger, and whoever holds the API server's privileges cannot make a
// module sign a report that leaves a transaction out.
//
// The whole system runs on a clock the test moves (test/helpers/shifted-clock.mjs): the activity
// happens today, then the clock moves to tomorrow noon so that today is over, and so on.

const PW = 'correct horse battery';

/** A module's refusal code (its own error, not an HTTP answer). */
async function moduleRefusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(VaultError);
  return (e as VaultError).code;
}

describe('provider reports to the postal authority', () => {
  let sys: TestSystem;
  let db: pg.Client;
  let clock: TestClock;
  let day = '';
  let nextDay = '';
  let lena: MeterClient;
  let operator: TestOfficer;
  let license = '';

  const filedIssues = async (d: string) =>
    Number((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM provider.reports WHERE day = $1 AND issue = 1', [d])).rows[0]!.n);
  const fetch = async (d: string, kind: string, issue?: number) => {
    const r = await get(sys.url, `/v1/admin/provider/reports/${d}/${kind}${issue ? `?issue=${issue}` : ''}`, officerHeaders(sys.officer));
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json as { report: { objectKey: string; sha256: string; issue: number }; text: string; ledgerTotals: Record<string, string> };
  };
  /** A module's socket, as whoever holds the API server's privileges reaches it. */
  const withModule = async (index: number, fn: (m: ModuleConnection) => Promise<void>) => {
    const m = new ModuleConnection((await moduleSockets(sys.env.VAULTMETER_HOME!))[index]!);
    try {
      await fn(m);
    } finally {
      m.close();
    }
  };
  /** `provider reports verify DAY KIND` against the live system, as a security officer. */
  const verifyCli = (d: string, kind: string) =>
    sys.cli(['provider', 'reports', 'verify', d, kind, '--officer', sys.officer.user, '--officer-password', sys.officer.password, '--server', sys.url]);
  const outboxFile = (key: string) => join(sys.env.VAULTMETER_HOME!, 'provider-outbox', key);

  beforeAll(async () => {
    clock = await TestClock.create();
    // Never straddle midnight: near it, start the day a little later.
    const now = Date.now();
    const start = now % DAY_MS > DAY_MS - 20 * 60_000 ? now + 30 * 60_000 : now;
    await clock.set(start);
    day = TestClock.dayOf(start);
    nextDay = TestClock.dayOf(start + DAY_MS);
    sys = await startSystem({ ...clock.env, VAULTMETER_PROVIDER_REPORTS_POLL_MS: '300' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    db = await sys.ownerDb();
    lena = await MeterClient.register(diskProfiles, sys.url, 'lena', PW);
    await MeterClient.register(diskProfiles, sys.url, 'otto', PW);
    operator = await newTestOfficer(sys.url, [sys.officer, sys.secondOfficer], 'opal', 'operator', sys.dir);
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  it("files the day once it is over: four reports a module made from the day's log and signed", async () => {
    expect((await fundAs(sys.url, sys.officer, 'lena', 5_000_000n)).status).toBe(200);
    const issued = await post(sys.url, '/v1/admin/licenses', { user: 'lena', taxId: '98-7654321', licensingZip: '90807' }, officerHeaders(sys.officer));
    expect(issued.status, JSON.stringify(issued.json)).toBe(200);
    license = String(issued.json.license.licenseNumber);
    await lena.move('10001');
    const suspended = await post(sys.url, `/v1/admin/licenses/${license}/suspend`, { reason: 'paperwork, "late"' }, officerHeaders(sys.officer));
    expect(suspended.status).toBe(200);
    expect(await filedIssues(day)).toBe(0); // the day is not over

    await clock.set(TestClock.noonAfter(day));
    await until(`the reports of ${day}`, async () => (await filedIssues(day)) === 4, 60_000, 200);

    const resetting = parseReport((await fetch(day, 'resetting')).text);
    expect(resetting.lines.map((l) => [l[2], l[3], l[4], l[5]])).toEqual([[lena.meterId, '', 'reset', '5000000']]);
    const movement = parseReport((await fetch(day, 'movement')).text);
    expect(movement.lines.map((l) => [l[2], l[3], l[5]])).toEqual([[lena.meterId, license, '10001']]);
    const activity = parseReport((await fetch(day, 'license-activity')).text);
    expect(activity.lines.map((l) => [l[2], l[4], l[8]])).toEqual([
      [license, 'issued', ''],
      [license, 'suspended', 'paperwork, "late"'],
    ]);
    const inventory = parseReport((await fetch(day, 'inventory')).text);
    const lenaLine = inventory.lines.find((l) => l[0] === lena.meterId)!;
    expect(lenaLine.slice(1, 5)).toEqual([license, 'suspended', '10001', 'active']);
    const balance = await lena.balance();
    expect([lenaLine[6], lenaLine[7]]).toEqual([balance.arMills.toString(), balance.drMills.toString()]);
    expect(inventory.lines.find((l) => l[1] === '' && l[4] === 'active')).toBeDefined(); // otto: a customer without a license
    expect(new Set([resetting, movement, activity, inventory].map((r) => r.signer)).size).toBe(1);

    // The files are in the outbox, byte for byte what was filed.
    const filed = await fetch(day, 'inventory');
    expect(await readFile(outboxFile(filed.report.objectKey), 'utf8')).toBe(filed.text);
  }, 120_000);

  it('verifies each report: the signature under the CA, the trailer, the ledger totals', async () => {
    for (const kind of ['resetting', 'movement', 'license-activity', 'inventory']) {
      const r = await verifyCli(day, kind);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).not.toContain('FAIL');
      expect(r.stdout).toContain('totals against the ledger');
    }
  });

  it('detects a changed file: a changed line, a re-digested forgery, and a changed outbox copy', async () => {
    const filed = await fetch(day, 'resetting');
    const ca = join(sys.env.VAULTMETER_HOME!, 'certs', 'ca.pem');
    const verifyFile = async (text: string) => {
      const f = join(sys.dir, 'tampered.csv');
      await writeFile(f, text);
      return sys.cli(['provider', 'reports', 'verify', '--file', f, '--ca', ca, '--offline', '--json']);
    };
    const changed = filed.text.replace(',5000000,', ',9000000,');
    expect(changed).not.toBe(filed.text);
    const r1 = await verifyFile(changed);
    expect(r1.code).not.toBe(0);
    expect(JSON.parse(r1.stdout).error).toMatchObject({ code: 'report_invalid' });
    expect(r1.stdout).toContain('the body does not match the digest');

    const p = parseReport(filed.text);
    const body = changed.slice(0, changed.lastIndexOf('\nS,') + 1);
    const forged = signedReportText(body.replace(/resetMills=\d+/, 'resetMills=9000000'), {
      signer: p.signer,
      signedAt: p.signedAt,
      signatureHex: p.signatureHex,
      certificatePem: p.certificatePem,
    });
    const r2 = await verifyFile(forged);
    expect(r2.code).not.toBe(0);
    expect(JSON.parse(r2.stdout).error.checks.find((c: { check: string }) => c.check.startsWith('signature')).problems).toEqual([
      'the signature does not verify',
    ]);
    expect((await verifyFile(filed.text)).code).toBe(0);

    // The outbox copy changed behind the system's back: it will not serve it, nor continue from it.
    const path = outboxFile(filed.report.objectKey);
    await writeFile(path, changed);
    const show = await get(sys.url, `/v1/admin/provider/reports/${day}/resetting`, officerHeaders(sys.officer));
    expect(show.json.code).toBe('report_file_missing');
    await writeFile(path, filed.text);
  });

  it("whoever holds the API server's privileges cannot have a module leave a transaction out", async () => {
    await withModule(0, async (m) => {
      const log = (await db.query<{ log_id: string }>('SELECT log_id FROM postal.txlog GROUP BY log_id ORDER BY count(*) DESC LIMIT 1')).rows[0]!.log_id;
      const rows = await db.query<{ header: Buffer; body: Buffer }>('SELECT header, body FROM postal.txlog WHERE log_id = $1 AND seq <= 4 ORDER BY seq', [log]);
      const wire = rows.rows.map((r) => ({ header: r.header.toString('hex'), body: r.body.toString('base64') }));
      // The day again from the log's start, with its first record left out: refused.
      await m.call('beginReport', { reportId: 'attack-skip-01', day, issue: 9, previous: false });
      expect(await moduleRefusal(m.call('reportRecords', { reportId: 'attack-skip-01', records: wire.slice(1) }))).toBe('report_refused');
      // With the second left out: refused.
      await m.call('beginReport', { reportId: 'attack-skip-02', day, issue: 9, previous: false });
      expect(await moduleRefusal(m.call('reportRecords', { reportId: 'attack-skip-02', records: [wire[0]!, ...wire.slice(2)] }))).toBe('report_refused');
      // A record's body changed: it fails the module's own seal.
      const body = Buffer.from(wire[0]!.body, 'base64');
      body[body.length - 1]! ^= 1;
      await m.call('beginReport', { reportId: 'attack-flip-01', day, issue: 9, previous: false });
      expect(await moduleRefusal(m.call('reportRecords', { reportId: 'attack-flip-01', records: [{ ...wire[0]!, body: body.toString('base64') }] }))).toBe(
        'log_record_invalid',
      );
      // A day that is not over on the module's clock: refused.
      expect(await moduleRefusal(m.call('beginReport', { reportId: 'attack-early-1', day: nextDay, issue: 1, previous: false }))).toBe('report_refused');
    });
  });

  it('continues the next day from the previous inventory; a day is filed once; a security officer re-issues it', async () => {
    const reinstated = await post(sys.url, `/v1/admin/licenses/${license}/reinstate`, { reason: 'paperwork in' }, officerHeaders(sys.officer));
    expect(reinstated.status).toBe(200);
    await clock.set(TestClock.noonAfter(nextDay));
    await until(`the reports of ${nextDay}`, async () => (await filedIssues(nextDay)) === 4, 60_000, 200);

    const first: ParsedReport = parseReport((await fetch(day, 'inventory')).text);
    const next = parseReport((await fetch(nextDay, 'license-activity')).text);
    expect(next.previous).toBe(first.sha256);
    expect(next.from).toEqual(first.to);
    expect(next.lines.map((l) => [l[2], l[4]])).toEqual([[license, 'reinstated']]);
    expect(parseReport((await fetch(nextDay, 'inventory')).text).lines.find((l) => l[0] === lena.meterId)![2]).toBe('issued');
    const cli = await verifyCli(nextDay, 'inventory');
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);

    // Nothing is due: a run files nothing, and the day's rows stay as they are.
    const run = await post(sys.url, '/v1/admin/provider/reports/run', {}, officerHeaders(operator));
    expect(run.status, JSON.stringify(run.json)).toBe(200);
    expect(run.json.filed).toEqual([]);

    // Re-issue: only a security officer, with a reason; the same lines as the next issue.
    expect((await post(sys.url, `/v1/admin/provider/reports/${day}/reissue`, { reason: 'lost' }, officerHeaders(operator))).json.code).toBe('forbidden');
    const again = await post(sys.url, `/v1/admin/provider/reports/${day}/reissue`, { reason: 'the authority lost it' }, officerHeaders(sys.officer));
    expect(again.status, JSON.stringify(again.json)).toBe(200);
    expect(again.json.filed[0]).toMatchObject({ day, issue: 2 });
    const reissued = parseReport((await fetch(day, 'resetting', 2)).text);
    expect(reissued.lines).toEqual(parseReport((await fetch(day, 'resetting', 1)).text).lines);
    const listed = await sys.cli([
      'provider',
      'reports',
      'list',
      '--day',
      day,
      '--officer',
      operator.user,
      '--officer-password',
      operator.password,
      '--server',
      sys.url,
    ]);
    expect(listed.stdout).toContain('re-issued by');
    const page = await get(sys.url, `/v1/admin/provider/reports?day=${day}&limit=2`, officerHeaders(operator));
    expect(page.json.reports.map((r: { issue: number }) => r.issue)).toEqual([2, 2]);
    // Query numbers are text on the wire: a limit on the license listing works too.
    expect((await get(sys.url, '/v1/admin/licenses?limit=1', officerHeaders(operator))).json.licenses).toHaveLength(1);
  }, 120_000);

  it('a module will not continue from a previous inventory whose registers were lowered', async () => {
    const previous = (await fetch(day, 'inventory')).text;
    const signed = previous.slice(0, previous.lastIndexOf('\nS,') + 1);
    const body = signed.replace(new RegExp(`(${lena.meterId},[^\\n]*?,active,\\d+),\\d+,\\d+,`), '$1,0,0,');
    expect(body).not.toBe(signed);
    const p = parseReport(previous);
    const forged = signedReportText(body, { signer: p.signer, signedAt: p.signedAt, signatureHex: p.signatureHex, certificatePem: p.certificatePem });
    await withModule(1, async (m) => {
      await m.call('beginReport', { reportId: 'attack-prev-01', day: nextDay, issue: 9, previous: true });
      expect(await moduleRefusal(m.call('reportPrevious', { reportId: 'attack-prev-01', text: forged, last: true }))).toBe('report_refused');
      await m.call('beginReport', { reportId: 'honest-prev-1', day: nextDay, issue: 9, previous: true });
      await m.call('reportPrevious', { reportId: 'honest-prev-1', text: previous, last: true });
    });
  });

  it('resumes after the index is lost: the same day is made again from the same log', async () => {
    const before = parseReport((await fetch(nextDay, 'resetting')).text);
    await db.query('DELETE FROM provider.reports WHERE day = $1', [nextDay]);
    const run = await post(sys.url, '/v1/admin/provider/reports/run', {}, officerHeaders(sys.officer));
    const busy = run.json.code === 'provider_reports_busy';
    if (!busy) expect(run.status, JSON.stringify(run.json)).toBe(200);
    await until(`the reports of ${nextDay}`, async () => (await filedIssues(nextDay)) === 4, 60_000, 200);
    const after = parseReport((await fetch(nextDay, 'resetting')).text);
    expect([after.lines, after.from, after.to, after.issue]).toEqual([before.lines, before.from, before.to, 1]);
    // It continues the newest issue of the day before (re-issued above as issue 2).
    expect(after.previous).toBe(parseReport((await fetch(day, 'inventory', 2)).text).sha256);
  }, 90_000);
});
