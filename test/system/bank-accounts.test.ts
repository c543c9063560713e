import { verify, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { BANK_ACCOUNT_RATE_BURST, MAX_BANK_ACCOUNTS_PER_CUSTOMER } from '../../src/constants.js';
import { achFileStatement, ModuleConnection, type AchEntryWire, type AchFileHeaderWire } from '../../src/module/index.js';
import { validateNachaFile } from '../../src/payments/index.js';
import { paths } from '../../src/runtime/index.js';
import { addBankAccount, listBankAccounts, MeterClient, type BankAccount } from '../../src/sdk/index.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 14 item 4: customers' bank accounts, sealed by a module. The number goes in once; the
// database, the log and every answer hold only the sealed blob and the last four; only a module's
// ACH file carries it again, for the bank.

const PW = 'correct horse battery';
const ROUTING = '021000021';
const ODFI = '081000032';
const NUMBER = '918273645501'; // distinctive: searched for everywhere afterwards
const SCHEMAS = ['postal', 'membership', 'provider', 'commerce', 'support', 'staging'];

const header: AchFileHeaderWire = {
  immediateDestination: ODFI,
  immediateOrigin: '1234567890',
  destinationName: 'First Bank',
  originName: 'Vaultmeter Inc',
  companyName: 'Vaultmeter',
  companyId: '1234567890',
  entryDescription: 'POSTAGE',
  odfi: ODFI,
  effectiveDate: '2026-12-01',
  fileIdModifier: 'A',
  createdAt: new Date().toISOString(),
};

interface Stored {
  username: string;
  meter_id: string;
  bank_account_id: string;
  routing: string;
  account_type: 'checking' | 'savings';
  holder_name: string;
  sealed: Buffer;
}

interface Debit {
  requestId: string;
  amountMills: string;
  debitAuthorization: string;
}

describe('bank accounts, sealed by a module', () => {
  let sys: TestSystem;
  let db: pg.Client;
  let ann: MeterClient;
  let bob: MeterClient;
  /** Sends the refused requests: each counts against the customer's rate limit (a burst of 10). */
  let cy: MeterClient;
  let annAccount: BankAccount;

  const call = async (client: MeterClient, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sys.url}${path}`, {
      method,
      headers: { ...client.sessionHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, text: await res.clone().text(), json: (await res.json()) as Record<string, unknown> };
  };
  const account = (over: Record<string, unknown> = {}) => ({
    routingNumber: ROUTING,
    accountNumber: NUMBER,
    accountType: 'checking',
    holderName: 'Ann Example',
    ...over,
  });
  // The meter pool refills in the background: its provisioning records are no request's doing.
  const counts = async () =>
    (
      await db.query<{ accounts: number; log: number }>(
        `SELECT (SELECT count(*)::int FROM membership.bank_accounts) AS accounts, (SELECT count(*)::int FROM postal.txlog WHERE type <> 'provision') AS log`,
      )
    ).rows[0]!;
  const stored = async (bankAccountId: string) =>
    (
      await db.query<Stored>(
        `SELECT c.username, c.meter_id, b.bank_account_id, b.routing, b.account_type, b.holder_name, b.sealed
         FROM membership.bank_accounts b JOIN membership.customers c USING (customer_id) WHERE b.bank_account_id = $1`,
        [bankAccountId],
      )
    ).rows[0]!;
  /** A real funding request of `client` from `account`, and the module's authorization of it (as the payments run reads it). */
  const requested = async (client: MeterClient, bankAccountId: string, amountMills: bigint): Promise<Debit> => {
    const r = await client.requestFunding({ amountMills, bankAccountId });
    const row = await db.query<{ a: Buffer }>('SELECT debit_authorization AS a FROM commerce.funding_requests WHERE request_id = $1', [r.requestId]);
    return { requestId: r.requestId, amountMills: String(amountMills), debitAuthorization: row.rows[0]!.a.toString('base64') };
  };
  const entryOf = (s: Stored, i: number, debit: Debit, over: Partial<AchEntryWire> = {}): AchEntryWire => ({
    ...debit,
    meterId: s.meter_id,
    username: s.username,
    bankAccountId: s.bank_account_id,
    sealedBase64: s.sealed.toString('base64'),
    routing: s.routing,
    accountType: s.account_type,
    holderName: s.holder_name,
    individualId: `FR${i}`,
    traceNumber: ODFI.slice(0, 8) + String(i + 1).padStart(7, '0'),
    ...over,
  });
  const withModule = async <T>(fn: (m: ModuleConnection) => Promise<T>): Promise<T> => {
    const m = new ModuleConnection(join(paths(sys.env.VAULTMETER_HOME!).runDir, 'module-1.sock'));
    try {
      return await fn(m);
    } finally {
      m.close();
    }
  };

  beforeAll(async () => {
    sys = await startSystem();
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    db = await sys.ownerDb();
    ann = await MeterClient.register(diskProfiles, sys.url, 'ann', PW);
    bob = await MeterClient.register(diskProfiles, sys.url, 'bob', PW);
    cy = await MeterClient.register(diskProfiles, sys.url, 'cy', PW);
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  it('adds (201), lists by the last four only, and answers the number nowhere', async () => {
    const added = await call(ann, 'POST', '/v1/bank-accounts', account());
    expect(added.status, added.text).toBe(201);
    expect(added.json).toMatchObject({ routingNumber: ROUTING, last4: '5501', accountType: 'checking', holderName: 'Ann Example' });
    expect(added.text).not.toContain(NUMBER);
    annAccount = added.json as unknown as BankAccount;
    const list = await call(ann, 'GET', '/v1/bank-accounts');
    expect(list.json.bankAccounts).toEqual([annAccount]);
    expect(list.text).not.toContain(NUMBER);
    expect(await listBankAccounts(bob)).toEqual([]);
  });

  it('refuses bad input with its code, and stores and logs nothing', async () => {
    const before = await counts();
    const refused = async (body: unknown, status: number, code: string) => {
      const r = await call(cy, 'POST', '/v1/bank-accounts', body);
      expect({ status: r.status, code: r.json.code }, JSON.stringify(body)).toEqual({ status, code });
    };
    await refused(account({ routingNumber: '021000022' }), 422, 'invalid_routing_number'); // checksum
    await refused(account({ routingNumber: '990000000' }), 422, 'invalid_routing_number'); // prefix
    await refused(account({ routingNumber: '02100002' }), 422, 'invalid_routing_number');
    await refused(account({ accountNumber: '12 34 56' }), 422, 'invalid_account_number');
    await refused(account({ accountNumber: '1'.repeat(18) }), 422, 'invalid_account_number');
    await refused(account({ accountType: 'loan' }), 400, 'invalid_request');
    await refused(account({ holderName: 'Zoë\n' }), 400, 'invalid_request');
    await refused({ ...account(), extra: 1 }, 400, 'invalid_request');
    expect(await counts()).toEqual(before);
    // The rate limit counts refusals too (those the schema refuses never reach it): a burst, then one a minute.
    const statuses: number[] = [];
    for (let i = 0; i < BANK_ACCOUNT_RATE_BURST && !statuses.includes(429); i++)
      statuses.push((await call(cy, 'POST', '/v1/bank-accounts', account({ accountNumber: '12 34' }))).status);
    expect(new Set(statuses)).toEqual(new Set([422, 429]));
    expect(await listBankAccounts(cy)).toEqual([]);
  });

  it('holds at most MAX_BANK_ACCOUNTS_PER_CUSTOMER accounts; a removed one frees its place', async () => {
    const ids: string[] = [];
    for (let i = 1; i < MAX_BANK_ACCOUNTS_PER_CUSTOMER; i++)
      ids.push(
        (await addBankAccount(ann, { routingNumber: ROUTING, accountNumber: `5555000${i}`, accountType: 'savings', holderName: 'Ann Example' })).bankAccountId,
      );
    const before = await counts();
    const sixth = await call(ann, 'POST', '/v1/bank-accounts', account({ accountNumber: '55550009' }));
    expect({ status: sixth.status, code: sixth.json.code }).toEqual({ status: 409, code: 'too_many_bank_accounts' });
    expect(await counts()).toEqual(before);
    for (const id of ids) expect((await call(ann, 'DELETE', `/v1/bank-accounts/${id}`)).status).toBe(200);
    expect((await listBankAccounts(ann)).map((a) => a.bankAccountId)).toEqual([annAccount.bankAccountId]);
  });

  it("keeps another customer's account out of sight and out of reach", async () => {
    const before = await counts();
    const theirs = await call(bob, 'DELETE', `/v1/bank-accounts/${annAccount.bankAccountId}`);
    expect({ status: theirs.status, code: theirs.json.code }).toEqual({ status: 404, code: 'not_found' });
    expect((await call(bob, 'GET', '/v1/bank-accounts')).json.bankAccounts).toEqual([]);
    expect(await counts()).toEqual(before);
    expect((await listBankAccounts(ann)).length).toBe(1);
  });

  it('takes an Idempotency-Key: a retry answers the same account and adds nothing; the key with another body is refused', async () => {
    // A customer of their own: these adds count against a customer's rate limit.
    const dee = await MeterClient.register(diskProfiles, sys.url, 'dee', PW);
    const key = { 'idempotency-key': 'add-account-1' };
    const body = account({ accountNumber: '31415926', holderName: 'Dee Example' });
    const first = await call(dee, 'POST', '/v1/bank-accounts', body, key);
    expect(first.status, first.text).toBe(201);
    expect(first.json).toMatchObject({ last4: '5926', holderName: 'Dee Example' });
    const before = await counts();
    const again = await call(dee, 'POST', '/v1/bank-accounts', body, key);
    expect([again.status, again.headers.get('idempotency-replayed')]).toEqual([201, 'true']);
    expect(again.json).toEqual(first.json);
    const other = await call(dee, 'POST', '/v1/bank-accounts', account({ accountNumber: '27182818', holderName: 'Dee Example' }), key);
    expect({ status: other.status, code: other.json.code }).toEqual({ status: 422, code: 'idempotency_key_reused' });
    expect(await counts()).toEqual(before);
    expect(await listBankAccounts(dee)).toEqual([first.json]);

    // The SDK sends a key of its own with every add (one stored answer each); a retry with the same key adds nothing,
    // even after the account was removed: it still names the account it added.
    const input = { routingNumber: ROUTING, accountNumber: '16180339', accountType: 'savings' as const, holderName: 'Dee Example' };
    const scope = `customer:${(await db.query<{ id: string }>("SELECT customer_id::text AS id FROM membership.customers WHERE username = 'dee'")).rows[0]!.id}`;
    const keys = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM postal.idempotency WHERE scope = $1', [scope])).rows[0]!.n;
    const keysBefore = await keys();
    const viaSdk = await addBankAccount(dee, input);
    expect(await keys()).toBe(keysBefore + 1);
    const retried = await addBankAccount(dee, input, { idempotencyKey: 'sdk-retry-1' });
    expect(await addBankAccount(dee, input, { idempotencyKey: 'sdk-retry-1' })).toEqual(retried);
    expect((await call(dee, 'DELETE', `/v1/bank-accounts/${retried.bankAccountId}`)).status).toBe(200);
    const afterRemoval = await counts();
    expect(await addBankAccount(dee, input, { idempotencyKey: 'sdk-retry-1' })).toEqual(retried);
    expect(await counts()).toEqual(afterRemoval);
    expect((await listBankAccounts(dee)).map((a) => a.bankAccountId)).toEqual([first.json.bankAccountId, viaSdk.bankAccountId]);
  });

  it('keeps the number out of every table, the sealed column and the log included', async () => {
    const row = await stored(annAccount.bankAccountId);
    expect(row.sealed.includes(Buffer.from(NUMBER))).toBe(false);
    const log = await db.query<{ header: Buffer; body: Buffer }>('SELECT header, body FROM postal.txlog');
    expect(log.rows.length).toBeGreaterThan(0);
    for (const r of log.rows) expect(r.header.includes(NUMBER) || r.body.includes(NUMBER)).toBe(false);
    const tables = await db.query<{ name: string }>(
      "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = ANY($1::text[])",
      [SCHEMAS],
    );
    for (const { name } of tables.rows) {
      const hits = await db.query(`SELECT 1 FROM ${name} t WHERE row_to_json(t)::text LIKE $1 LIMIT 1`, [`%${NUMBER}%`]);
      expect(hits.rowCount, name).toBe(0);
    }
  });

  it("builds a valid, signed ACH file in a real module, with the opened number in the account's entry", async () => {
    const row = await stored(annAccount.bankAccountId);
    const bobs = await addBankAccount(bob, { routingNumber: '011000015', accountNumber: 'bob-77', accountType: 'savings', holderName: 'Bob Example' });
    const bobRow = await stored(bobs.bankAccountId);
    const [annDebit, bobDebit] = [await requested(ann, row.bank_account_id, 25_000n), await requested(bob, bobRow.bank_account_id, 1_230n)];
    const { file, certPem } = await withModule(async (m) => ({
      file: await m.buildAchFile({ header, entries: [entryOf(row, 0, annDebit), entryOf(bobRow, 1, bobDebit)] }),
      certPem: (await m.call('info', {})).certPem,
    }));
    const check = validateNachaFile(file.text);
    if (!check.ok) throw new Error(JSON.stringify(check.problems));
    expect(check.entries.map((e) => [e.account.trim(), e.transactionCode, e.amountCents])).toEqual([
      [NUMBER, '27', 2500n],
      ['BOB-77', '37', 123n],
    ]);
    expect({ entryCount: file.entryCount, totalMills: file.totalMills }).toEqual({ entryCount: 2, totalMills: '26230' });
    const statement = achFileStatement({ sha256Hex: file.sha256Hex, entryCount: 2, totalMills: '26230', signer: file.signer });
    expect(verify('sha256', statement, new X509Certificate(certPem).publicKey, Buffer.from(file.signatureDerHex, 'hex'))).toBe(true);
  });

  it("refuses a tampered sealed number, one moved onto another customer's account, and a debit no customer asked for", async () => {
    const row = await stored(annAccount.bankAccountId);
    const bobRow = (await db.query<{ bank_account_id: string }>("SELECT bank_account_id FROM membership.bank_accounts WHERE holder_name = 'Bob Example'"))
      .rows[0]!;
    const bobStored = await stored(bobRow.bank_account_id);
    const flipped = Buffer.from(row.sealed);
    flipped[flipped.length - 1]! ^= 1;
    const [annDebit, bobDebit] = [await requested(ann, row.bank_account_id, 10_000n), await requested(bob, bobStored.bank_account_id, 20_000n)];
    await withModule(async (m) => {
      const refused = (entry: AchEntryWire, code: string) => expect(m.buildAchFile({ header, entries: [entry] })).rejects.toMatchObject({ code });
      await refused(entryOf({ ...row, sealed: flipped }, 0, annDebit), 'bank_account_tampered');
      // Bob's real request, with Ann's sealed number put in his row: it does not open.
      await refused(entryOf({ ...bobStored, sealed: row.sealed }, 0, bobDebit), 'bank_account_tampered');
      // With the module sockets alone, no file opens an account no customer asked to debit, or for another amount.
      await refused(entryOf(row, 0, { ...annDebit, debitAuthorization: '' }), 'debit_not_authorized');
      await refused(entryOf(row, 0, { ...annDebit, amountMills: '99990' }), 'debit_not_authorized');
      await refused(entryOf(row, 0, bobDebit), 'debit_not_authorized');
    });
  });

  it('the CLI lists, adds and removes, showing only the last four', async () => {
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => sys.cli(['client', 'bank-accounts', ...args, '--user', 'bob', '--json'], env);
    const add = await cli(['add', '--routing', ROUTING, '--type', 'checking', '--holder', 'Bob Example'], { VAULTMETER_ACCOUNT_NUMBER: '44443333' });
    expect(add.code, add.stderr).toBe(0);
    expect(add.json).toMatchObject({ last4: '3333', routingNumber: ROUTING });
    expect(add.stdout).not.toContain('44443333');
    const list = await cli(['list']);
    expect(list.json.bankAccounts.map((a: BankAccount) => a.last4)).toEqual(['BOB-77'.slice(-4), '3333']);
    const removed = await cli(['remove', add.json.bankAccountId]);
    expect(removed.json).toEqual({ bankAccountId: add.json.bankAccountId, removed: true });
    const bad = await cli(['add', '--routing', '123456789', '--holder', 'Bob'], { VAULTMETER_ACCOUNT_NUMBER: '44443333' });
    expect(bad.code).toBe(1);
    expect(bad.json.error.code).toBe('invalid_routing_number');
  });
});
