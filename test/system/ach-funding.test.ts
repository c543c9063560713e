import { createHash, verify, X509Certificate } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { achFileStatement } from '../../src/module/index.js';
import { validateNachaFile } from '../../src/payments/index.js';
import { DEV_ACH_ODFI } from '../../src/services/index.js';
import { addBankAccount, ApiError, MeterClient, putProfile, verifyEmailToken, type BankAccount } from '../../src/sdk/index.js';
import { returnsFile } from '../helpers/returns-file.js';
import { pdfText } from '../unit/labels/fixtures.js';
import { get, letter, officerHeaders, post, rawCommand, type RawAnswer } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 14 item 4, the money path: a customer funds their meter from their bank account. The
// request is MAC'd and waits in the package; the NACHA file carries it to the bank; after the hold
// the module downloads its value; a return cancels it, or suspends the meter and records the debt.

const PW = 'correct horse battery';
const ROUTING = '021000021';
const NUMBER = '55501234567';

describe('ACH funding, through real processes', () => {
  let sys: TestSystem;
  let db: pg.Client;
  let ann: MeterClient;
  let bob: MeterClient;
  let annAccount: BankAccount;
  let bobAccount: BankAccount;
  const outbox = () => join(sys.env.VAULTMETER_HOME!, 'bank-outbox');
  const run = (body: Record<string, boolean> = {}): Promise<RawAnswer> => post(sys.url, '/v1/admin/payments/run', body, officerHeaders(sys.officer));
  const returns = (text: string): Promise<RawAnswer> => post(sys.url, '/v1/admin/payments/returns', { text }, officerHeaders(sys.officer));
  const requestRow = async (requestId: string) =>
    (await db.query('SELECT status, trace_number, return_code, owed_mills FROM commerce.funding_requests WHERE request_id = $1', [requestId])).rows[0];
  // The meter pool refills in the background: its provisioning records are no request's doing.
  const ledgerCounts = async () =>
    (
      await db.query<{ requests: number; files: number; log: number }>(
        `SELECT (SELECT count(*)::int FROM commerce.funding_requests) AS requests, (SELECT count(*)::int FROM commerce.ach_files) AS files,
                (SELECT count(*)::int FROM postal.txlog WHERE type <> 'provision') AS log`,
      )
    ).rows[0]!;

  const mailTo = async (to: string, kind: string): Promise<string[]> =>
    (
      await db.query<{ text_body: string }>('SELECT text_body FROM support.mail_outbox WHERE to_address = $1 AND kind = $2 ORDER BY mail_id', [to, kind])
    ).rows.map((r) => r.text_body);

  beforeAll(async () => {
    // No hold: a filed debit settles in the same run (the hold itself is the module's, tested in unit tests).
    sys = await startSystem({ VAULTMETER_ACH_HOLD_HOURS: '0' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    db = await sys.ownerDb();
    ann = await MeterClient.register(diskProfiles, sys.url, 'ann', PW);
    bob = await MeterClient.register(diskProfiles, sys.url, 'bob', PW);
    const account = { routingNumber: ROUTING, accountNumber: NUMBER, accountType: 'checking' as const, holderName: 'Ann Example' };
    annAccount = await addBankAccount(ann, account);
    // A verified address, so the receipt and return mails have somewhere to go (no SMTP: they wait in the outbox).
    await putProfile(ann, {
      name: 'Ann Example',
      company: '',
      address: { street: '1 Main St', secondary: '', city: 'Long Beach', state: 'CA', zip: '90807' },
      email: 'ann@example.com',
    });
    const token = /--token ([A-Za-z0-9_-]+)/.exec((await mailTo('ann@example.com', 'email_verification'))[0]!)![1]!;
    await verifyEmailToken(ann, token);
    bobAccount = await addBankAccount(bob, { ...account, accountNumber: '77700011', holderName: 'Bob Example' });
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  it('a request credits nothing; the file carries it; settlement credits the meter exactly once', async () => {
    const before = await ann.balance();
    const r = await ann.requestFunding({ amountMills: 50_000n, bankAccountId: annAccount.bankAccountId });
    expect(r.drMills).toBe(before.drMills);
    expect((await ann.fundingRequests()).map((f) => [f.requestId, f.status])).toEqual([[r.requestId, 'requested']]);

    const filed = await run({ settle: false });
    expect(filed.status, JSON.stringify(filed.json)).toBe(200);
    const [file] = filed.json.files as { fileName: string; sha256: string; entryCount: number; totalMills: string; development: boolean }[];
    expect(file).toMatchObject({ entryCount: 1, totalMills: '50000', development: true });
    const text = await readFile(join(outbox(), file!.fileName), 'utf8');
    expect(createHash('sha256').update(text).digest('hex')).toBe(file!.sha256);
    const checked = validateNachaFile(text);
    expect(checked.ok).toBe(true);
    // The only place the account number is in clear: the file the bank reads.
    expect(text).toContain(NUMBER);
    expect(text.split(/\r?\n/).find((l) => l.startsWith('6'))).toContain('0000005000'); // $50.00 in cents
    const sig = JSON.parse(await readFile(join(outbox(), `${file!.fileName}.sig.json`), 'utf8'));
    const moduleCert = (await db.query<{ certificate_pem: string }>('SELECT certificate_pem FROM postal.modules WHERE serial = $1', [sig.signer])).rows[0]!;
    const statement = achFileStatement({ sha256Hex: sig.sha256, entryCount: sig.entryCount, totalMills: sig.totalMills, signer: sig.signer });
    expect(verify('sha256', statement, new X509Certificate(moduleCert.certificate_pem).publicKey, Buffer.from(sig.signatureDerHex, 'hex'))).toBe(true);
    const row = await requestRow(r.requestId);
    expect(row).toMatchObject({ status: 'filed' });
    expect(row.trace_number.startsWith(DEV_ACH_ODFI.slice(0, 8))).toBe(true);

    const settled = await run();
    expect(settled.json.files).toEqual([]);
    expect(settled.json.settled).toEqual([expect.objectContaining({ requestId: r.requestId, outcome: 'settled', amountMills: '50000' })]);
    expect((await ann.balance()).drMills).toBe(before.drMills + 50_000n);
    // Run again: nothing is filed or settled twice.
    expect((await run()).json).toEqual({ files: [], settled: [], cards: [] });
    expect((await ann.balance()).drMills).toBe(before.drMills + 50_000n);
    expect(await ann.print(letter(730n))).toMatchObject({ amountMills: 730n });
    // The receipt: mailed at settlement, and a PDF made from the ledger's rows, for the customer only.
    expect(await mailTo('ann@example.com', 'funding_receipt')).toEqual([expect.stringContaining(`--receipt ${r.requestId}`)]);
    const receipt = await ann.fundingReceipt(r.requestId);
    const text2 = (await pdfText(receipt)).replace(/\s+/g, ' ');
    for (const part of ['Receipt for postage funding', `Receipt number ${r.requestId}`, 'Amount $50.00', `ending ${NUMBER.slice(-4)}`])
      expect(text2).toContain(part);
    expect(text2).not.toContain(NUMBER);
    const notYours = await get(sys.url, `/v1/meters/${bob.meterId}/funding-requests/${r.requestId}/receipt`, bob.sessionHeaders());
    expect([notYours.status, notYours.json.code]).toEqual([404, 'not_found']);
    const cli = await sys.cli(['client', 'funding', '--user', 'ann', '--receipt', r.requestId, '--out', join(sys.dir, 'receipt.pdf'), '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect((await readFile(join(sys.dir, 'receipt.pdf'))).equals(receipt)).toBe(true);
    const tx = await get(sys.url, `/v1/meters/${ann.meterId}/transactions`, ann.sessionHeaders());
    expect((tx.json.transactions as { kind: string; amountMills: string }[]).some((t) => t.kind === 'fund' && t.amountMills === '50000')).toBe(true);
  });

  it('refuses bad funding requests with their codes, spending the challenge and changing nothing', async () => {
    const before = await ledgerCounts();
    const refused = async (req: Promise<unknown>, code: string) => {
      const e = await req.then(
        () => null,
        (x: unknown) => x,
      );
      expect(e instanceof ApiError ? e.code : e).toBe(code);
    };
    await refused(ann.requestFunding({ amountMills: 10_000n, bankAccountId: bobAccount.bankAccountId }), 'not_found');
    await refused(ann.requestFunding({ amountMills: 10_005n, bankAccountId: annAccount.bankAccountId }), 'invalid_amount');
    await refused(ann.requestFunding({ amountMills: 5_000_010n, bankAccountId: annAccount.bankAccountId }), 'amount_too_large');
    const after = await ledgerCounts();
    expect({ requests: after.requests, files: after.files }).toEqual({ requests: before.requests, files: before.files });
    // Each refusal rotated the challenge: the client goes on.
    await ann.balance();
  });

  it('a request id is spent once, whatever the Idempotency-Key', async () => {
    const params = { amountMills: '20000', bankAccountId: bobAccount.bankAccountId, requestId: 'ab'.repeat(16) };
    const first = await rawCommand(sys.url, bob, 'fund_request', params, () => {}, { 'idempotency-key': 'first-try' });
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    bob = (await MeterClient.login(diskProfiles, 'bob', PW, { server: sys.url }))!;
    const again = await rawCommand(sys.url, bob, 'fund_request', params, () => {}, { 'idempotency-key': 'second-try' });
    expect(again.json.code).toBe('funding_request_duplicate');
    bob = (await MeterClient.login(diskProfiles, 'bob', PW, { server: sys.url }))!;
  });

  it('a return before settlement cancels the debit; after settlement it suspends the meter and records the debt', async () => {
    const filed = await run({ settle: false });
    expect(filed.json.files).toHaveLength(1);
    const bobReq = await requestRow('ab'.repeat(16));
    const annReq = (await ann.fundingRequests()).find((f) => f.status === 'settled')!;
    const file = returnsFile(DEV_ACH_ODFI, [
      { routing: ROUTING, cents: 2000, originalTrace: bobReq.trace_number, reason: 'R01' },
      { routing: ROUTING, cents: 5000, originalTrace: annReq.traceNumber!, reason: 'R02' },
    ]);
    const read = await returns(file);
    expect(read.status, JSON.stringify(read.json)).toBe(200);
    const outcomes = (read.json.returns as { requestId: string; outcome: string }[]).map((o) => [o.requestId, o.outcome]).sort();
    expect(outcomes).toEqual(
      [
        [annReq.requestId, 'owed'],
        ['ab'.repeat(16), 'cancelled'],
      ].sort(),
    );
    expect(await requestRow('ab'.repeat(16))).toMatchObject({ status: 'returned', return_code: 'R01', owed_mills: 0n });
    expect(await requestRow(annReq.requestId)).toMatchObject({ status: 'returned', return_code: 'R02', owed_mills: 50_000n });
    // Bob's cancelled debit never settles; Ann's meter is suspended by its package.
    expect((await run()).json.settled).toEqual([]);
    const printed = await ann.print(letter(730n)).catch((e: unknown) => e);
    expect(printed instanceof ApiError ? printed.code : printed).toBe('debit_returned');
    expect(await mailTo('ann@example.com', 'debit_returned')).toEqual([expect.stringContaining('R02 (Account closed)')]);
    // The same file again changes nothing.
    const again = await returns(file);
    expect(again.json).toMatchObject({ returns: [], alreadyReturned: expect.arrayContaining([bobReq.trace_number, annReq.traceNumber]) });
  });

  it('refuses a returns file naming an entry never sent, or another amount, and changes nothing', async () => {
    const before = await ledgerCounts();
    const unknown = await returns(returnsFile(DEV_ACH_ODFI, [{ routing: ROUTING, cents: 100, originalTrace: '011000019999999', reason: 'R03' }]));
    expect([unknown.status, unknown.json.code]).toEqual([422, 'return_entry_unknown']);
    const bobReq = await requestRow('ab'.repeat(16));
    const wrongAmount = await returns(returnsFile(DEV_ACH_ODFI, [{ routing: ROUTING, cents: 1999, originalTrace: bobReq.trace_number, reason: 'R01' }]));
    expect([wrongAmount.status, wrongAmount.json.code]).toEqual([422, 'return_entry_unknown']);
    const junk = await returns('not a NACHA file');
    expect([junk.status, junk.json.code]).toEqual([400, 'invalid_request']);
    expect(await ledgerCounts()).toEqual(before);
  });

  it('a file created but not delivered (the outbox fails) is delivered by the next run, with the same entries', async () => {
    const r = await bob.requestFunding({ amountMills: 12_340n, bankAccountId: bobAccount.bankAccountId });
    await expect(bob.fundingReceipt(r.requestId)).rejects.toMatchObject({ code: 'receipt_not_ready' });
    await rename(outbox(), `${outbox()}.away`);
    await writeFile(outbox(), 'not a directory');
    const failed = await run({ settle: false });
    expect([failed.status, failed.json.code]).toEqual([503, 'bank_outbox_unwritable']);
    const pending = await db.query('SELECT file_id, delivered_at FROM commerce.ach_files WHERE delivered_at IS NULL');
    expect(pending.rows).toHaveLength(1);
    const filedAs = await requestRow(r.requestId);
    expect(filedAs.status).toBe('filed');
    await rm(outbox());
    await rename(`${outbox()}.away`, outbox());
    const delivered = await run({ settle: false });
    expect(delivered.status, JSON.stringify(delivered.json)).toBe(200);
    expect(delivered.json.files).toEqual([expect.objectContaining({ fileId: pending.rows[0].file_id, entryCount: 1, totalMills: '12340' })]);
    expect(await requestRow(r.requestId)).toEqual(filedAs);
    expect((await run({ settle: false })).json.files).toEqual([]);
  });

  it('lists the files for an officer; a customer sees only their own requests', async () => {
    const files = await get(sys.url, '/v1/admin/payments/files', officerHeaders(sys.officer));
    expect((files.json.files as unknown[]).length).toBe(3);
    expect(JSON.stringify(files.json)).not.toContain(NUMBER);
    const other = await get(sys.url, `/v1/meters/${ann.meterId}/funding-requests`, bob.sessionHeaders());
    expect([other.status, other.json.code]).toEqual([404, 'not_found']);
    const names = await readdir(outbox());
    expect(names.filter((n) => n.endsWith('.txt'))).toHaveLength(3);
  });
});
