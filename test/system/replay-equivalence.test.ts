import { chmod, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import {
  addBankAccount,
  choosePlan,
  ApiError,
  listApiKeys,
  listBankAccounts,
  MeterClient,
  putProfile,
  removeBankAccount,
  revokeApiKey,
  verifyEmailToken,
  type PrintedItem,
} from '../../src/sdk/index.js';
import { LEDGER_AUDIT_KINDS } from '../../src/store/index.js';
import { MAX_FAILED_LOGINS } from '../../src/constants.js';
import { DEV_ACH_ODFI } from '../../src/services/index.js';
import { returnsFile } from '../helpers/returns-file.js';
import {
  officerFlags,
  officerHeaders,
  post,
  fundAs,
  newTestOfficer,
  type TestOfficer,
  revokeAs,
  requestAs,
  approveAs,
  letter,
  officerSignature,
  signedAs,
} from './api-client.js';
import { newStatement } from '../../src/runtime/index.js';
import { recoverVault, startSystem, type TestSystem } from './harness.js';
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripe-standin.js';
import { modulePids, shippedTo, until } from './wait.js';
import { TestClock } from '../helpers/test-clock.js';

// Issue 10's proof that one applier writes every durable change: a random mix of every kind of
// command runs live (with a module killed mid-batch), then the installation is rebuilt from a
// backup plus the shipped log into an empty database, and every durable table must equal the live
// one row for row.

const PW = 'correct horse battery';
const CUSTOMERS = 6;
const STEPS = 240;
const today = () => new Date().toISOString().slice(0, 10);
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const postage = letter;

/**
 * The durable tables and how to read them in a comparable order. Surrogate ids drawn from
 * sequences (customer_id, officer_id, action_id, event_id, verification_id) are left out: the
 * rows' identity is their natural key, and no other durable row refers to those ids. Approval ids
 * are kept: officers name requests by them, and the log carries them.
 */
const DURABLE: Record<string, string> = {
  'postal.meters': 'SELECT * FROM postal.meters ORDER BY meter_id',
  'postal.items': 'SELECT * FROM postal.items ORDER BY item_id',
  'postal.redemptions': 'SELECT * FROM postal.redemptions ORDER BY item_id',
  'postal.verifications': 'SELECT item_id, meter_id, at, location, valid FROM postal.verifications ORDER BY at, item_id, location, valid',
  // head_signature is where a head was signed: after each dispatch live, at each segment's end in the
  // shipped log. Either proves the chain; the records themselves (header, sealed body, hash) are equal.
  'postal.txlog': 'SELECT log_id, seq, at, type, meter_id, version_after, hash, header, body FROM postal.txlog ORDER BY log_id, seq',
  'membership.customers': 'SELECT username, meter_id, registered_at, created_at FROM membership.customers ORDER BY username',
  'membership.profiles': `SELECT c.username, p.name, p.company, p.address, p.email, p.email_verified_at, p.updated_at
    FROM membership.profiles p JOIN membership.customers c USING (customer_id) ORDER BY c.username`,
  'commerce.funding_requests': 'SELECT * FROM commerce.funding_requests ORDER BY request_id',
  'postal.test_fundings': 'SELECT meter_id, amount_mills, at FROM postal.test_fundings ORDER BY meter_id, at, amount_mills',
  'commerce.ach_files': 'SELECT * FROM commerce.ach_files ORDER BY file_id',
  'membership.bank_accounts': `SELECT c.username, b.bank_account_id, b.routing, b.account_type, b.holder_name, b.last4, b.sealed, b.created_at, b.removed_at
    FROM membership.bank_accounts b JOIN membership.customers c USING (customer_id) ORDER BY b.bank_account_id`,
  // last_used_at is left out: a hint for the customer, not ledger state (a recovery starts it afresh).
  'membership.api_keys': 'SELECT key_id, meter_id, key_sha256, scopes, created_at, expires_at, revoked_at FROM membership.api_keys ORDER BY key_id',
  'membership.account_members': 'SELECT * FROM membership.account_members ORDER BY meter_id, member',
  'provider.meter_licenses': 'SELECT * FROM provider.meter_licenses ORDER BY license_number',
  'provider.meter_movements': 'SELECT * FROM provider.meter_movements ORDER BY meter_id, moved_at',
  'provider.reports': 'SELECT * FROM provider.reports ORDER BY day, kind, issue',
  'membership.officers': 'SELECT username, password_hash, role, created_at, removed_at FROM membership.officers ORDER BY username',
  'membership.password_resets': 'SELECT * FROM membership.password_resets ORDER BY meter_id',
  'commerce.account_refunds': 'SELECT * FROM commerce.account_refunds ORDER BY meter_id',
  'commerce.customer_plans': 'SELECT * FROM commerce.customer_plans ORDER BY meter_id',
  'commerce.invoices': 'SELECT * FROM commerce.invoices ORDER BY invoice_id',
  'support.operator_actions': 'SELECT officer, action, meter_id, detail, at FROM support.operator_actions ORDER BY at, officer, action, meter_id, detail::text',
  'support.approvals': 'SELECT * FROM support.approvals ORDER BY approval_id',
  'support.audit_events (ledger kinds)': `SELECT at, kind, module_serial, meter_id, actor, detail FROM support.audit_events
    WHERE kind = ANY($1::text[]) ORDER BY at, kind, detail::text`,
};

/**
 * Not durable on purpose (a recovered installation starts them afresh):
 * - membership.sessions: logins on this database; customers log in again after a recovery.
 * - membership.email_tokens and support.mail_outbox: pending verifications and mail; a recovered
 *   installation must not send old mail again (backups leave them out).
 * - postal.idempotency: a cache of answers; a retried client command is refused by its spent
 *   challenge, so no retry can debit twice.
 * - postal.modules, postal.system_state and the other support.audit_events kinds: the checkpoint
 *   machinery of this database and its journal; recovery re-seeds every module's checkpoint.
 * - postal.txlog_segments, postal.txlog_shipped, postal.txlog_continuity, support.backups: the
 *   shipper's and the audit verifier's progress, rebuilt from the shipped log.
 */
async function durableRows(db: pg.Client): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, sql] of Object.entries(DURABLE)) {
    out[table] = (await db.query(sql, sql.includes('$1') ? [[...LEDGER_AUDIT_KINDS]] : [])).rows;
  }
  return out;
}

/** A small deterministic PRNG, so a failing mix can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Customer {
  user: string;
  client: MeterClient;
  password: string;
  items: PrintedItem[];
  withdrawn: boolean;
}

type Officer = TestSystem['officer'];

/** The customers, each registered, funded and with a first balance read. */
async function registerCustomers(sys: TestSystem, officer: Officer): Promise<Customer[]> {
  const customers: Customer[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const user = `eq${i}`;
    const client = await MeterClient.register(diskProfiles, sys.url, user, PW);
    expect((await fundAs(sys.url, officer, user, '200000')).status).toBe(200);
    await client.balance();
    customers.push({ user, client, password: PW, items: [], withdrawn: false });
  }
  return customers;
}

/** A second officer, and a dual-control request the first makes and the second approves. */
async function secondOfficerApproves(sys: TestSystem, officer: Officer): Promise<void> {
  await newTestOfficer(sys.url, [officer, sys.secondOfficer], 'op1', 'operator', sys.dir);
  const secondOfficer = sys.secondOfficer;
  // An officer removed (`officer_removed`): the modules refuse the name, the row keeps when.
  await newTestOfficer(sys.url, [officer, secondOfficer], 'op2', 'operator', sys.dir);
  const statement = newStatement('remove_officer', { user: 'op2' });
  const signatures = [await officerSignature(officer, statement), await officerSignature(secondOfficer, statement)];
  expect((await post(sys.url, '/v1/admin/officers/op2/removal', { authorization: { statement, signatures } }, officerHeaders(officer))).status).toBe(200);
  const req = await requestAs(sys.url, officer, 'clear_halt');
  expect(req.status).toBe(200);
  expect((await approveAs(sys.url, secondOfficer, req.json.approval.id)).status).toBe(200);
}

/** The mix really holds every kind of change. */
/** The live installation's settings: card payments through the stand-in, quick shipping, the moved clock. */
function liveEnv(standIn: StripeStandIn, clock: TestClock): NodeJS.ProcessEnv {
  return {
    STRIPE_SECRET_KEY: standIn.secretKey,
    STRIPE_WEBHOOK_SECRET: standIn.webhookSecret,
    VAULTMETER_STRIPE_API_BASE: standIn.base,
    VAULTMETER_POOL_SIZE: '2',
    VAULTMETER_SHIP_INTERVAL_MS: '100',
    VAULTMETER_SEGMENT_RECORDS: '50',
    VAULTMETER_SEGMENT_MAX_AGE_MS: '0',
    VAULTMETER_BACKUP_INTERVAL_MS: '0',
    VAULTMETER_ACH_HOLD_HOURS: '0',
    VAULTMETER_PROVIDER_REPORTS_POLL_MS: '300',
    ...clock.env,
  };
}

/** Provider reports (`provider_reports_filed`): the clock moves to the next noon, so the day is over, and the job files it. */
async function fileProviderReports(db: pg.Client, clock: TestClock): Promise<void> {
  const lastDay = TestClock.dayOf((await db.query<{ at: Date }>('SELECT max(at) AS at FROM postal.txlog')).rows[0]!.at.getTime());
  await clock.set(TestClock.noonAfter(lastDay));
  await until('the provider reports', async () => {
    const r = await db.query<{ day: string }>("SELECT to_char(max(day), 'YYYY-MM-DD') AS day FROM provider.reports");
    return r.rows[0]!.day === lastDay;
  });
}

function expectEveryKind(live: Record<string, unknown[]>): void {
  const actions = new Set(live['support.operator_actions']!.map((a) => (a as { action: string }).action));
  expect([...actions].sort()).toEqual(['account_closed', 'account_refund_paid', 'audit', 'fund', 'meter_adjusted', 'password_reset', 'revoke']);
  expect(live['support.approvals']!.map((a) => (a as { state: string }).state)).toEqual(Array(5).fill('approved'));
  const officers = live['membership.officers'] as { username: string; removed_at: Date | null }[];
  expect(officers.filter((o) => o.removed_at !== null).map((o) => o.username)).toEqual(['op2']);
  expect(officers.length).toBe(5);
  expect(live['membership.password_resets']!.length).toBe(1);
  expect(live['commerce.customer_plans']!.map((p) => (p as { plan: string }).plan)).toEqual(['standard']);
  expect((live['commerce.account_refunds'] as { state: string }[]).map((r) => r.state)).toEqual(['paid']);
  expect(live['postal.redemptions']!.length).toBeGreaterThan(0);
  expect(live['provider.reports']!.length % 4).toBe(0);
  expect(live['provider.reports']!.length).toBeGreaterThan(0);
  expect(live['postal.verifications']!.length).toBeGreaterThan(0);
  expect(live['postal.items']!.some((i) => (i as { refunded_at: Date | null }).refunded_at !== null)).toBe(true);
  const profiles = live['membership.profiles'] as { email_verified_at: Date | null }[];
  expect(profiles.some((p) => p.email_verified_at !== null)).toBe(true);
  expect(profiles.some((p) => p.email_verified_at === null)).toBe(true);
  const accounts = live['membership.bank_accounts'] as { removed_at: Date | null }[];
  expect(accounts.some((a) => a.removed_at !== null)).toBe(true);
  expect(accounts.some((a) => a.removed_at === null)).toBe(true);
  const funding = (live['commerce.funding_requests'] as { status: string; owed_mills: bigint }[]).map((f) => `${f.status}:${f.owed_mills}`);
  expect(funding.sort()).toEqual(['requested:0', 'returned:0', 'returned:0', 'returned:40000', 'returned:50000', 'settled:0']);
  const methods = (live['commerce.funding_requests'] as { method: string }[]).map((f) => f.method);
  expect(methods.filter((m) => m === 'card')).toHaveLength(3);
  expect((live['commerce.ach_files'] as { delivered_at: Date | null }[]).every((f) => f.delivered_at !== null)).toBe(true);
  // Test mode: a sandbox meter (meter_sandboxed), its test funds (test_funded) and its test items.
  expect((live['postal.meters'] as { sandbox: boolean }[]).filter((m) => m.sandbox)).toHaveLength(1);
  expect(live['postal.test_fundings']!.length).toBe(2);
  const keys = live['membership.api_keys'] as { revoked_at: Date | null; expires_at: Date | null }[];
  expect(keys.some((k) => k.revoked_at !== null)).toBe(true);
  expect(keys.some((k) => k.revoked_at === null)).toBe(true);
  expect(keys.some((k) => k.expires_at !== null)).toBe(true);
  const members = (live['membership.account_members'] as { member: string; status: string }[]).map((m) => `${m.member}:${m.status}`);
  expect(members).toEqual(['bob:removed', 'vic:locked']);
  const licenses = (live['provider.meter_licenses'] as { status: string }[]).map((l) => l.status);
  expect(licenses.sort()).toEqual(['issued', 'revoked']);
  expect(live['provider.meter_movements']!.length).toBe(1);
}

/** No SMTP_URL: every mail stays pending, untried, and operators list it. */
async function expectMailWaiting(sys: TestSystem, officer: TestOfficer): Promise<void> {
  const mail = await sys.cli(['admin', 'mail', 'list', '--json', ...officerFlags(sys.url, officer)]);
  expect(mail.code, mail.stderr).toBe(0);
  expect(mail.json.mail.length).toBeGreaterThan(0);
  for (const m of mail.json.mail) expect(m).toMatchObject({ state: 'pending', attempts: 0 });
  for (const m of mail.json.mail)
    expect([
      'email_verification',
      'debit_returned',
      'funding_receipt',
      'balance_adjusted',
      'password_reset',
      'account_closed',
      'member_invitation',
      'meter_locked',
    ]).toContain(m.kind);
}

/** A profile change: one of a few addresses, so some changes keep the address (and its verification) and some reset it. */
async function setProfile(c: Customer, rnd: () => number): Promise<void> {
  const n = Math.floor(rnd() * 3);
  const address = { street: `${1 + n} Main St`, secondary: '', city: 'Long Beach', state: 'CA', zip: '90807' };
  await putProfile(c.client, { name: `${c.user} ${n}`, company: n ? `Co ${n}` : '', address, email: `${c.user}.${n}@example.com` });
}

/** Verify with the token of the newest verification mail to the profile's address (no SMTP: it waits in the outbox). */
async function verifyLatest(sys: TestSystem, c: Customer): Promise<void> {
  const db = await sys.ownerDb();
  try {
    const r = await db.query<{ text_body: string }>(
      `SELECT o.text_body FROM support.mail_outbox o JOIN membership.profiles p ON p.email = o.to_address
       JOIN membership.customers cu USING (customer_id) WHERE cu.username = $1 AND o.kind = 'email_verification' ORDER BY o.mail_id DESC LIMIT 1`,
      [c.user],
    );
    const token = /--token ([A-Za-z0-9_-]+)/.exec(r.rows[0]?.text_body ?? '')?.[1];
    if (token) await verifyEmailToken(c.client, token);
  } finally {
    await db.end();
  }
}

const ROUTINGS = ['021000021', '011000015', '121000358'];

/** A bank account: sealed by a module, then logged (`bank_account_added`). */
async function addAccount(c: Customer, rnd: () => number): Promise<void> {
  const n = Math.floor(rnd() * 1e8);
  const accountNumber = `${n}`.padStart(8, '0');
  await addBankAccount(c.client, {
    routingNumber: ROUTINGS[n % 3]!,
    accountNumber,
    accountType: n % 2 ? 'savings' : 'checking',
    holderName: `${c.user} holder`,
  });
}

/** One of the customer's accounts removed (`bank_account_removed`), when they hold one. */
async function removeAccount(c: Customer, rnd: () => number): Promise<void> {
  const held = await listBankAccounts(c.client);
  if (held.length) await removeBankAccount(c.client, held[Math.floor(rnd() * held.length)]!.bankAccountId);
}

/** Both bank account effects at least once: one account kept, one removed. */
async function everyBankEffect(customers: Customer[]): Promise<void> {
  await addAccount(customers[2]!, () => 0.25);
  await addAccount(customers[3]!, () => 0.75);
  await removeAccount(customers[3]!, () => 0);
}

/**
 * Every funding effect: two debits requested and filed; one returned before settlement (cancelled),
 * one settled and then returned (owed: the meter is suspended); a third left waiting.
 */
async function everyFundingEffect(sys: TestSystem, c: Customer, officer: TestOfficer): Promise<void> {
  await addAccount(c, () => 0.5);
  const account = (await listBankAccounts(c.client)).at(-1);
  const settled = await c.client.requestFunding({ amountMills: 50_000n, bankAccountId: account!.bankAccountId });
  const cancelled = await c.client.requestFunding({ amountMills: 20_000n, bankAccountId: account!.bankAccountId });
  expect((await post(sys.url, '/v1/admin/payments/run', { settle: false }, officerHeaders(officer))).status).toBe(200);
  const traces = new Map((await c.client.fundingRequests()).map((f) => [f.requestId, f.traceNumber!]));
  const returned = (requestId: string, cents: number, reason: string) =>
    post(
      sys.url,
      '/v1/admin/payments/returns',
      { text: returnsFile(DEV_ACH_ODFI, [{ routing: account!.routingNumber, cents, originalTrace: traces.get(requestId)!, reason }]) },
      officerHeaders(officer),
    );
  expect((await returned(cancelled.requestId, 2000, 'R01')).status).toBe(200);
  expect((await post(sys.url, '/v1/admin/payments/run', { file: false }, officerHeaders(officer))).json.settled).toHaveLength(1);
  await c.client.requestFunding({ amountMills: 10_000n, bankAccountId: account!.bankAccountId });
  expect((await returned(settled.requestId, 5000, 'R02')).status).toBe(200);
}

/**
 * Every card funding effect, through the Stripe stand-in: a card payment settled at once, one
 * declined (cancelled), and one settled and then disputed through the signed webhook (owed: the
 * meter is suspended).
 */
async function everyCardEffect(sys: TestSystem, c: Customer, standIn: StripeStandIn): Promise<void> {
  expect(await c.client.requestCardFunding({ amountMills: 30_000n, paymentMethod: 'pm_card_visa' })).toMatchObject({ status: 'settled' });
  const declined = await c.client.requestCardFunding({ amountMills: 7_000n, paymentMethod: 'pm_card_chargeDeclined' }).catch((e: unknown) => e);
  expect(declined instanceof ApiError ? declined.code : declined).toBe('card_declined');
  const disputed = await c.client.requestCardFunding({ amountMills: 40_000n, paymentMethod: 'pm_card_visa' });
  const event = standIn.signedEvent('charge.dispute.created', { id: 'dp_eq', object: 'dispute', payment_intent: disputed.paymentIntentId, charge: 'ch_eq' });
  const hook = await post(sys.url, '/v1/webhooks/stripe', event.body, { 'stripe-signature': event.signature });
  expect(hook.json).toMatchObject({ outcome: 'owed' });
}

/** An API key: the MAC'd `api_key` command (`api_key_created`); some expire. */
async function createKey(c: Customer, rnd: () => number): Promise<void> {
  const n = Math.floor(rnd() * 4);
  await c.client.createApiKey({ scopes: n ? ['balance', 'print'] : ['refund'], ...(n % 2 ? { expiresInDays: 30 } : {}) });
}

/** One of the customer's live keys revoked (`api_key_revoked`), when they hold one. */
async function revokeKey(c: Customer, rnd: () => number): Promise<void> {
  const live = (await listApiKeys(c.client)).filter((k) => !k.revokedAt);
  if (live.length) await revokeApiKey(c.client, live[Math.floor(rnd() * live.length)]!.keyId);
}

/** Both API key effects at least once: a key used by an integrator and kept, one revoked by itself. */
async function everyApiKeyEffect(c: Customer): Promise<void> {
  const kept = await c.client.createApiKey({ scopes: ['balance', 'print'], expiresInDays: 7 });
  const integrator = MeterClient.fromApiKey(diskProfiles, await diskProfiles.unlockWithPassword(c.user, c.password), kept.apiKey);
  c.items.push(await integrator.print(postage(222n)));
  const ended = await c.client.createApiKey({ scopes: ['refund'] });
  await revokeApiKey(MeterClient.fromApiKey(diskProfiles, await diskProfiles.unlockWithPassword(c.user, c.password), ended.apiKey), ended.keyId);
}

/**
 * Every member effect: Bob invited by mail (`member_invited`), joins (`member_joined`), prints, and
 * is removed (`member_removed`); Vic, invited by a handed-over code, joins and locks herself out
 * (`member_locked`).
 */
async function everyMemberEffect(sys: TestSystem, c: Customer): Promise<void> {
  const bobCode = await c.client.inviteMember({ member: 'bob', role: 'shipper', email: 'bob@example.com', mail: true });
  const vicCode = await c.client.inviteMember({ member: 'vic', role: 'viewer' });
  const bob = await MeterClient.register(diskProfiles, sys.url, `${c.user}+bob`, PW, { inviteCode: bobCode.code });
  c.items.push(await bob.print(postage(333n)));
  const vic = await MeterClient.register(diskProfiles, sys.url, `${c.user}+vic`, PW, { inviteCode: vicCode.code });
  for (let i = 0; i < MAX_FAILED_LOGINS; i++) await expect(vic.authenticate('not the password')).rejects.toMatchObject({ code: 'invalid_credentials' });
  await c.client.removeMember('bob');
}

/** Every license effect: issued, suspended, reinstated, revoked, issued again; and the meter moved (`meter_moved`). */
async function everyLicenseEffect(sys: TestSystem, c: Customer, officer: TestOfficer): Promise<void> {
  const issue = () => post(sys.url, '/v1/admin/licenses', { user: c.user, taxId: '98-7654321' }, officerHeaders(officer));
  const first = await issue();
  expect(first.status, JSON.stringify(first.json)).toBe(200);
  for (const action of ['suspend', 'reinstate', 'revoke']) {
    const r = await post(
      sys.url,
      `/v1/admin/licenses/${first.json.license.licenseNumber}/${action}`,
      { reason: `equivalence ${action}` },
      officerHeaders(officer),
    );
    expect(r.status, JSON.stringify(r.json)).toBe(200);
  }
  expect((await issue()).status).toBe(200);
  await c.client.move('10001');
}

/** Customer care's acts, each asked for by a support agent and approved by a security officer. */
async function everyCareEffect(sys: TestSystem, customers: Customer[], officer: TestOfficer): Promise<void> {
  const support = await newTestOfficer(sys.url, [officer, sys.secondOfficer], 'care1', 'support', sys.dir);
  const care = async (c: Customer, action: 'adjust_balance' | 'reset_password' | 'close_account', amountMills?: string) => {
    const meterId = c.client.meterId;
    const params = { meterId, reason: `equivalence ${action}`, ...(amountMills ? { amountMills } : {}) };
    const authorization = await signedAs(support, action, params);
    const asked = await post(sys.url, '/v1/admin/care', { action, user: c.user, reason: params.reason, amountMills, authorization }, officerHeaders(support));
    expect(asked.status, JSON.stringify(asked.json)).toBe(200);
    const done = await approveAs(sys.url, officer, asked.json.approval.id);
    expect(done.status, JSON.stringify(done.json)).toBe(200);
  };
  await choosePlan(customers[2]!.client, 'business');
  await choosePlan(customers[2]!.client, 'standard');
  await care(customers[2]!, 'adjust_balance', '700');
  await care(customers[2]!, 'adjust_balance', '-300');
  await care(customers[3]!, 'reset_password');
  const reopened = await diskProfiles.unlockWithPassword(customers[3]!.user, customers[3]!.password);
  customers[3]!.password = `${PW} after reset`;
  customers[3]!.client = await MeterClient.completePasswordReset(diskProfiles, reopened, customers[3]!.password);
  // customers[5] has a disputed card payment (suspended, owing): the reset customer is closed instead.
  await care(customers[3]!, 'close_account');
  customers[3]!.withdrawn = true;
  const paid = await post(sys.url, `/v1/admin/account-refunds/${customers[3]!.client.meterId}/paid`, { reference: 'check 1001' }, officerHeaders(officer));
  expect(paid.status, JSON.stringify(paid.json)).toBe(200);
}

/**
 * Test mode: a sandbox meter registered (`meter_sandboxed`), test-funded twice (`test_funded`), a
 * test item printed, refunded and scanned, and an officer's funding of it refused by the module.
 */
async function everySandboxEffect(sys: TestSystem, officer: TestOfficer): Promise<void> {
  // Registered early in the run (after the backup), so the pool's refill is long done when the tables are read.
  const sandy = await MeterClient.login(diskProfiles, 'sandy', PW);
  await sandy.testFund(20_000n);
  await sandy.testFund(5_000n);
  const item = await sandy.print(postage(300n));
  expect(item.test).toBe(true);
  await post(sys.url, '/v1/verify', { itemBase64: item.itemBytes.toString('base64'), location: 'sandbox' });
  await sandy.refund(item.itemId);
  expect((await fundAs(sys.url, officer, 'sandy', '1000')).json).toMatchObject({ code: 'sandbox_meter' });
}

/** The first customer's meter revoked by an officer, the second's withdrawn by its customer. */
async function revokeAndWithdraw(sys: TestSystem, customers: Customer[], officer: TestOfficer): Promise<void> {
  expect((await revokeAs(sys.url, officer, customers[0]!.user, 'equivalence test')).status).toBe(200);
  customers[0]!.withdrawn = true;
  await customers[1]!.client.withdraw();
  customers[1]!.withdrawn = true;
}

/** Every customer-side effect at least once, whatever the random mix chose. */
async function everyCustomerEffect(sys: TestSystem, customers: Customer[], officer: TestOfficer, standIn: StripeStandIn): Promise<void> {
  // Every profile effect at least once: a verified address, then one changed (reset) after it.
  await setProfile(customers[2]!, () => 0);
  await verifyLatest(sys, customers[2]!);
  await setProfile(customers[3]!, () => 0.5);
  await everyBankEffect(customers);
  await everyFundingEffect(sys, customers[4]!, officer);
  await everyApiKeyEffect(customers[5]!);
  await everyMemberEffect(sys, customers[2]!);
  // customers[4] owes a returned debit (suspended): customers[2] is in service.
  await everyLicenseEffect(sys, customers[2]!, officer);
  await everySandboxEffect(sys, officer);
  await everyCardEffect(sys, customers[5]!, standIn);
}

/** Every kind of change, chosen at random; refusals are part of the mix (they rotate the package too). */
async function step(sys: TestSystem, rnd: () => number, customers: Customer[], officer: TestOfficer): Promise<void> {
  const live = customers.filter((c) => !c.withdrawn);
  const c = live[Math.floor(rnd() * live.length)]!;
  const pick = rnd();
  const settle = (p: Promise<unknown>) => p.catch(() => undefined); // refusals are expected; the tables must still match
  if (pick < 0.3) c.items.push(await c.client.print(postage(100n + BigInt(Math.floor(rnd() * 900)))));
  else if (pick < 0.34) c.items.push(await c.client.issue('ticket', 500n, { event: 'Match', seat: '', validFrom: today(), validTo: inDays(1) }));
  else if (pick < 0.38) c.items.push(await c.client.issue('coupon', 500n, { offer: 'Free pastry', expiry: inDays(10) }));
  else if (pick < 0.46 && c.items.length) await settle(c.client.refund(c.items[Math.floor(rnd() * c.items.length)]!.itemId));
  else if (pick < 0.56 && c.items.length)
    await post(sys.url, '/v1/verify', {
      itemBase64: c.items[Math.floor(rnd() * c.items.length)]!.itemBytes.toString('base64'),
      location: `hub ${Math.floor(rnd() * 3)}`,
    });
  else if (pick < 0.62 && c.items.length)
    await post(sys.url, '/v1/redeem', { itemBase64: c.items[Math.floor(rnd() * c.items.length)]!.itemBytes.toString('base64'), location: 'till' });
  else if (pick < 0.7) await fundAs(sys.url, officer, c.user, String(1000 + Math.floor(rnd() * 5000)));
  else if (pick < 0.74) await post(sys.url, '/v1/admin/audit', { user: c.user }, officerHeaders(officer));
  else if (pick < 0.77) {
    const next = `${PW} ${Math.floor(rnd() * 1000)}`;
    await c.client.changePassword(c.password, next);
    await c.client.rewrapProfile(next);
    c.password = next;
  } else if (pick < 0.8) {
    // A wrong password reaches the module (a counted failure that ends the sessions), then the right one.
    await expect(c.client.authenticate('not the password')).rejects.toMatchObject({ code: 'invalid_credentials' });
    await c.client.authenticate(c.password);
  } else if (pick < 0.83) c.client = await MeterClient.login(diskProfiles, c.user, c.password);
  else if (pick < 0.87) await settle(setProfile(c, rnd));
  else if (pick < 0.9) await settle(verifyLatest(sys, c));
  else if (pick < 0.93) await settle(addAccount(c, rnd));
  else if (pick < 0.95) await settle(removeAccount(c, rnd));
  else if (pick < 0.965) await settle(createKey(c, rnd));
  else if (pick < 0.975) await settle(revokeKey(c, rnd));
  else await c.client.balance();
}

describe('replay equivalence: live tables = backup + replayed log, row for row', () => {
  let sys: TestSystem | null = null;
  let vault = '';
  let standIn: StripeStandIn;
  let clock: TestClock;
  afterAll(async () => {
    await sys?.stop();
    await standIn?.close();
    if (vault) await rm(vault, { recursive: true, force: true });
  });

  beforeAll(async () => {
    standIn = await startStripeStandIn();
    // The system runs on a clock the test moves: at the end, today is over and its provider reports are filed.
    clock = await TestClock.create();
  });

  it('rebuilds every durable table exactly', async () => {
    sys = await startSystem(liveEnv(standIn, clock));
    const home = sys.env.VAULTMETER_HOME!;
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    const officer = sys.officer;
    const rnd = prng(20261129);
    const customers = await registerCustomers(sys, officer);
    vault = await mkdtemp(join(tmpdir(), 'vm-equiv-'));
    await chmod(vault, 0o711);
    const b = await sys.cli(['backup', 'create', '--to', vault, '--json']);
    expect(b.code, b.stderr).toBe(0);

    // Operator actions: an officer, a dual-control request and its approval, a revocation.
    await secondOfficerApproves(sys, officer);
    // Test mode: a sandbox meter (`meter_sandboxed`), used at the end (everySandboxEffect).
    await MeterClient.register(diskProfiles, sys.url, 'sandy', PW, { sandbox: true });

    for (let i = 0; i < STEPS / 2; i++) await step(sys, rnd, customers, officer);
    // A module killed mid-batch: what it did and the database did not commit is discarded (and logged).
    const pids = await modulePids(home);
    const burst = Promise.all(customers.map((c) => c.client.print(postage(111n)).catch(() => undefined)));
    process.kill(pids[0]!, 'SIGKILL');
    await burst;
    await until('the module to restart', async () => (await modulePids(home)).length === 2, 30_000, 100);
    for (const c of customers) c.client = await MeterClient.login(diskProfiles, c.user, c.password);
    for (let i = STEPS / 2; i < STEPS; i++) await step(sys, rnd, customers, officer);
    await everyCustomerEffect(sys, customers, officer, standIn);
    await everyCareEffect(sys, customers, officer);
    await revokeAndWithdraw(sys, customers, officer);

    const db = await sys.ownerDb();
    await fileProviderReports(db, clock);
    const shipDir = join(home, 'shipped-log');
    await until('the log to ship', () => shippedTo(db, `dir:${shipDir}`));
    const live = await durableRows(db);
    await db.end();
    expectEveryKind(live);
    await expectMailWaiting(sys, officer);

    await cp(shipDir, join(vault, 'log'), { recursive: true });
    await cp(join(home, 'dev-passphrase'), join(vault, 'passphrase'));
    const port = new URL(sys.url).port;
    await sys.stop();
    sys = null;

    const { rec, newHome } = await recoverVault(vault, clock.env);
    expect(rec.code, rec.stderr).toBe(0);
    sys = await startSystem({ VAULTMETER_HOME: newHome, PORT: port, VAULTMETER_POOL_SIZE: '0', VAULTMETER_BACKUP_INTERVAL_MS: '0', ...clock.env });
    const rdb = await sys.ownerDb();
    try {
      const recovered = await durableRows(rdb);
      for (const table of Object.keys(DURABLE)) {
        expect(recovered[table]!.length, `${table}: row count`).toBe(live[table]!.length);
        expect(recovered[table], table).toEqual(live[table]);
      }
      // The recovered installation sends no old mail again.
      expect((await rdb.query('SELECT count(*)::int AS n FROM support.mail_outbox')).rows[0].n).toBe(0);
    } finally {
      await rdb.end();
    }
  }, 900_000);
});
