import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FAILED_LOGINS } from '../../src/constants.js';
import { diskProfiles } from '../../src/cli/index.js';
import { ModuleConnection } from '../../src/module/index.js';
import { moduleSockets } from '../../src/runtime/index.js';
import { MeterClient, putProfile, verifyEmailToken } from '../../src/sdk/index.js';
import type { LooseJson } from '../helpers/loose-json.js';
import { approveAs, fundAs, get, letter, newTestOfficer, officerHeaders, post, signedAs, type TestOfficer } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 14 item 2, customer care, against real module processes and PostgreSQL: a support agent
// looks a customer up and asks; a different security officer approves; the module carries the act
// out only on both signatures. Every act is one ledger record with its approval, and audited.

const PASSWORD = 'correct horse battery';
const REASON = 'customer called; identity checked against the profile';

describe('customer care', () => {
  let sys: TestSystem;
  let sam: TestOfficer;
  const as = (o: TestOfficer) => ['--server', sys.url, '--officer', o.user, '--officer-password', o.password, '--officer-key', o.keyFile, '--json'];

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '2' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    sam = await newTestOfficer(sys.url, [sys.officer, sys.secondOfficer], 'sam-support', 'support', sys.dir);
  }, 180_000);
  afterAll(async () => sys?.stop());

  async function customer(user: string, fundMills: bigint): Promise<{ meterId: string; recoveryCode: string }> {
    const reg = await sys.cli(['client', 'register', '--server', sys.url, '--user', user, '--password', PASSWORD, '--json']);
    expect(reg.code, reg.stderr).toBe(0);
    expect((await fundAs(sys.url, sys.officer, user, fundMills)).status).toBe(200);
    return { meterId: reg.json.meterId, recoveryCode: reg.json.recoveryCode };
  }

  /** Ask for a care act as `who` through the CLI; the approval's id. */
  async function ask(who: TestOfficer, args: string[]): Promise<string> {
    const r = await sys.cli(['admin', 'care', ...args, ...as(who)]);
    expect(r.code, r.stderr).toBe(0);
    return r.json.approval.id;
  }

  /** Wrong passwords that reach the module (the profile is open through the session), until it locks the meter. */
  async function lockOut(user: string): Promise<void> {
    const c = (await MeterClient.resume(diskProfiles, user))!;
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) await expect(c.authenticate('not the password')).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(c.authenticate(PASSWORD)).rejects.toMatchObject({ code: 'meter_locked' });
  }

  /** A verified e-mail address, so that mail about the account goes out (no SMTP here: it waits in the outbox). */
  async function verifiedAddress(user: string): Promise<string> {
    const c = (await MeterClient.resume(diskProfiles, user))!;
    const email = `${user}@example.com`;
    const address = { street: '1 Main St', secondary: '', city: 'Long Beach', state: 'CA', zip: '90807' };
    await putProfile(c, { name: user, company: '', address, email });
    const token = /--token ([A-Za-z0-9_-]+)/.exec((await outbox(email))[0]!.text_body)![1]!;
    await verifyEmailToken(c, token);
    return email;
  }

  async function outbox(to: string): Promise<{ kind: string; text_body: string }[]> {
    const db = await sys.ownerDb();
    try {
      return (await db.query('SELECT kind, text_body FROM support.mail_outbox WHERE to_address = $1 ORDER BY mail_id DESC', [to])).rows;
    } finally {
      await db.end();
    }
  }

  async function audit(meterId: string): Promise<LooseJson[]> {
    const db = await sys.ownerDb();
    try {
      return (await db.query('SELECT kind, actor, detail FROM support.audit_events WHERE meter_id = $1 ORDER BY event_id', [meterId])).rows;
    } finally {
      await db.end();
    }
  }

  it('a support agent looks a customer up; an unknown one is 404; a customer session cannot', async () => {
    const { meterId } = await customer('cora', 5000n);
    const r = await get(sys.url, '/v1/admin/customers/cora', officerHeaders(sam));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ user: 'cora', meterId, meter: { status: 'active', drMills: '5000', arMills: '0' }, apiKeys: 0, refund: null });
    expect((await get(sys.url, '/v1/admin/customers/nobody', officerHeaders(sam))).json.code).toBe('not_found');
    const shown = await sys.cli(['admin', 'customer', 'cora', ...as(sam)]);
    expect(shown.json.meterId).toBe(meterId);
    const c = (await MeterClient.resume(diskProfiles, 'cora'))!;
    expect((await get(sys.url, '/v1/admin/customers/cora', { authorization: `Bearer ${c.sessionToken}` })).status).toBe(401);
  });

  it('an adjustment takes a support request and a security officer approval; the customer sees it; it is audited with its reason', async () => {
    const { meterId } = await customer('adam', 5000n);
    const email = await verifiedAddress('adam');
    const id = await ask(sam, ['adjust', '--user', 'adam', '--amount', '-1.25', '--reason', REASON]);
    // Support cannot approve, nor can the requester; a security officer can.
    expect((await approveAs(sys.url, sam, id)).json.code).toBe('forbidden');
    const done = await approveAs(sys.url, sys.officer, id);
    expect(done.status, JSON.stringify(done.json)).toBe(200);
    expect(done.json.approval.result).toMatchObject({
      act: 'adjust_balance',
      drMills: '3750',
      amountMills: '-1250',
      officers: ['sam-support', sys.officer.user],
    });
    expect((await approveAs(sys.url, sys.secondOfficer, id)).json.code).toBe('approval_not_pending');
    const c = (await MeterClient.resume(diskProfiles, 'adam'))!;
    expect((await c.balance()).drMills).toBe(3750n);
    // The customer hears of it, with the reason.
    const [mail] = await outbox(email);
    expect(mail!.kind).toBe('balance_adjusted');
    expect(mail!.text_body).toContain(`The reason recorded: ${REASON}`);
    const events = await audit(meterId);
    expect(events.find((e) => e.kind === 'meter_adjusted')).toMatchObject({ actor: sys.officer.user, detail: { reason: REASON, deltaMills: '-1250' } });
    // A credit back, requested and approved by two security officers.
    const back = await ask(sys.secondOfficer, ['adjust', '--user', 'adam', '--amount', '0.50', '--reason', 'goodwill']);
    expect((await approveAs(sys.url, sys.secondOfficer, back)).json.code).toBe('dual_control');
    expect((await approveAs(sys.url, sys.officer, back)).json.approval.result.drMills).toBe('4250');
    expect((await c.balance()).drMills).toBe(4250n);
    // The history shows both, with the registers after each, as the module has them.
    const tx = await get(sys.url, `/v1/meters/${meterId}/transactions?kind=adjust`, { authorization: `Bearer ${c.sessionToken}` });
    expect(tx.json.transactions.map((t: LooseJson) => [t.amountMills, t.drAfterMills])).toEqual([
      ['500', '4250'],
      ['-1250', '3750'],
    ]);
  });

  it('refuses bad care requests and changes nothing', async () => {
    await customer('bree', 1000n);
    const headers = officerHeaders(sam);
    const meterId = (await get(sys.url, '/v1/admin/customers/bree', headers)).json.meterId;
    const signed = await signedAs(sam, 'adjust_balance', { meterId, reason: 'x', amountMills: '100' });
    const cases: [unknown, string][] = [
      [{ action: 'adjust_balance', user: 'bree', reason: 'x', amountMills: '0', authorization: signed }, 'invalid_request'],
      [{ action: 'adjust_balance', user: 'bree', reason: 'x', amountMills: '200', authorization: signed }, 'officer_signature_invalid'],
      [{ action: 'adjust_balance', user: 'bree', reason: 'x', amountMills: '100' }, 'officer_signature_required'],
      [{ action: 'close_account', user: 'bree', reason: 'x', authorization: signed }, 'officer_signature_invalid'],
      [{ action: 'close_account', user: 'nobody', reason: 'x', authorization: signed }, 'not_found'],
      [{ action: 'adjust_balance', user: 'bree', reason: 'x', amountMills: '99999999999', authorization: signed }, 'amount_too_large'],
      [{ action: 'fund', user: 'bree', reason: 'x', authorization: signed }, 'invalid_request'],
    ];
    for (const [body, code] of cases) expect((await post(sys.url, '/v1/admin/care', body, headers)).json.code, JSON.stringify(body)).toBe(code);
    // Support never funds: the server refuses the role (and the module its signature, test/unit/module/customer-care.test.ts).
    expect((await fundAs(sys.url, sam, 'bree', 100n)).json.code).toBe('forbidden');
    const approvals = (await get(sys.url, '/v1/admin/approvals', headers)).json.approvals as LooseJson[];
    expect(approvals.filter((a) => a.params.user === 'bree')).toEqual([]);
    expect((await get(sys.url, '/v1/admin/customers/bree', headers)).json.meter.drMills).toBe('1000');
  });

  it("a care op sent straight to a module socket with one officer's signature creates no value", async () => {
    const { meterId } = await customer('ivan', 1000n);
    const db = await sys.ownerDb();
    const socket = (await moduleSockets(sys.env.VAULTMETER_HOME!))[0]!;
    const m = new ModuleConnection(socket);
    try {
      const serial = (await m.call('info', {})).serial;
      const cp = (await db.query('SELECT checkpoint AS record, checkpoint_mac AS mac FROM postal.modules WHERE serial = $1', [serial])).rows[0];
      const checkpoint = cp.record ? { record: cp.record.toString('hex'), mac: cp.mac.toString('hex') } : null;
      const row = (await db.query('SELECT package, package_version FROM postal.meters WHERE meter_id = $1', [meterId])).rows[0];
      const pkg = { meterId, version: String(row.package_version), sealed: row.package.toString('base64') };
      const params = { meterId, reason: 'x', amountMills: '5000000' };
      const one = await signedAs(sys.officer, 'adjust_balance', params);
      const args = { pkg, act: 'adjust_balance', amountMills: '5000000', reason: 'x', checkpoint, actor: sys.officer.user };
      await expect(m.call('care', { ...args, authorization: one })).rejects.toMatchObject({ code: 'officer_signature_invalid' });
      // The same officer's signature twice is still one officer.
      const twice = { statement: one.statement, signatures: [one.signatures[0]!, one.signatures[0]!] };
      await expect(m.call('care', { ...args, authorization: twice })).rejects.toMatchObject({ code: 'dual_control' });
    } finally {
      m.close();
      await db.end();
    }
  });

  it('resets a forgotten password: the customer finishes it with the recovery code, and only their client could', async () => {
    const { meterId, recoveryCode } = await customer('pia', 3000n);
    expect(recoveryCode).toMatch(/^[0-9A-F]{4}(-[0-9A-F]{4}){7}$/);
    await lockOut('pia');
    // The profile opens with the password, but the module has locked the meter.
    await expect(MeterClient.login(diskProfiles, 'pia', PASSWORD)).rejects.toMatchObject({ code: 'meter_locked' });
    expect((await get(sys.url, '/v1/password-reset/pia')).json.code).toBe('password_reset_none');
    const id = await ask(sam, ['reset-password', '--user', 'pia', '--reason', REASON]);
    const done = await approveAs(sys.url, sys.secondOfficer, id);
    expect(done.json.approval.result).toMatchObject({ act: 'reset_password', state: 'operational' });
    // What the server holds is a sealed box: no password in the answer, the tables or the log's clear parts.
    const picked = await get(sys.url, '/v1/password-reset/pia');
    expect(Object.keys(picked.json).sort()).toEqual(['meterId', 'resetAt', 'resetNonce', 'sealedPassword']);
    // A wrong recovery code opens nothing; the right one finishes the reset with a password of the customer's choosing.
    const wrong = await sys.cli([
      'client',
      'password-reset',
      '--user',
      'pia',
      '--new-password',
      'a brand new secret',
      '--recovery-code',
      '0000-0000',
      '--json',
    ]);
    expect(wrong.json.error.code).toBe('invalid_credentials');
    const ok = await sys.cli(['client', 'password-reset', '--user', 'pia', '--new-password', 'a brand new secret', '--recovery-code', recoveryCode, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await sys.cli(['client', 'balance', '--user', 'pia', '--json'])).json.drMills).toBe('3000');
    await expect(MeterClient.login(diskProfiles, 'pia', PASSWORD)).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect((await MeterClient.login(diskProfiles, 'pia', 'a brand new secret')).meterId).toBe(meterId);
    expect((await audit(meterId)).map((e) => e.kind)).toContain('password_reset');
  });

  it('closes an account: the meter is withdrawn, the balance is owed back, and nothing prints after', async () => {
    const { meterId } = await customer('cleo', 8420n);
    const c = (await MeterClient.resume(diskProfiles, 'cleo'))!;
    await c.print(letter(420n));
    const id = await ask(sam, ['close', '--user', 'cleo', '--reason', 'customer asked to close the account']);
    const done = await approveAs(sys.url, sys.officer, id);
    expect(done.json.approval.result).toMatchObject({ act: 'close_account', state: 'withdrawn', amountMills: '8000', drMills: '0' });
    await expect(c.print(letter(420n))).rejects.toMatchObject({ code: 'meter_withdrawn' });
    const refunds = await sys.cli(['admin', 'account-refunds', '--state', 'payable', ...as(sam)]);
    expect(refunds.json.refunds).toContainEqual(expect.objectContaining({ meterId, user: 'cleo', refundMills: '8000', owedMills: '0', state: 'payable' }));
    const record = (await get(sys.url, '/v1/admin/customers/cleo', officerHeaders(sam))).json;
    expect(record).toMatchObject({ meter: { status: 'withdrawn' }, refund: { refundMills: '8000', state: 'payable' } });
    expect(record.events.map((e: LooseJson) => e.kind)).toContain('account_closed');
    // A security officer records the refund paid, once; support may not.
    const paid = (who: TestOfficer) => sys.cli(['admin', 'account-refund-paid', '--user', 'cleo', '--reference', 'check 1042', ...as(who)]);
    expect((await paid(sam)).json.error.code).toBe('forbidden');
    expect((await paid(sys.officer)).json).toMatchObject({ meterId, state: 'paid' });
    expect((await paid(sys.secondOfficer)).json.error.code).toBe('conflict');
    expect((await get(sys.url, '/v1/admin/customers/cleo', officerHeaders(sam))).json.refund.state).toBe('paid');
    // Closing again is refused by the module: the meter is no longer cared for.
    const again = await ask(sam, ['close', '--user', 'cleo', '--reason', 'again']);
    expect((await approveAs(sys.url, sys.officer, again)).json.code).toBe('meter_not_operational');
  });

  it("support reads customers' accounts but not the machinery: modules, log, payments, mail, metrics, billing, funding, device audits", async () => {
    const h = () => officerHeaders(sam);
    for (const path of ['/v1/admin/modules', '/v1/admin/log', '/v1/admin/audit-events', '/v1/admin/mail', '/v1/admin/payments/files', '/metrics'])
      expect((await get(sys.url, path, h())).json.code, path).toBe('forbidden');
    for (const [path, body] of [
      ['/v1/admin/payments/run', {}],
      ['/v1/admin/billing/run', { month: '2020-01' }],
      ['/v1/admin/audit', { user: 'cora' }],
    ] as const)
      expect((await post(sys.url, path, body, h())).json.code, path).toBe('forbidden');
    for (const path of ['/v1/admin/approvals', '/v1/admin/customers/cora', '/v1/items?user=cora', '/v1/admin/account-refunds'])
      expect((await get(sys.url, path, h())).status, path).toBe(200);
  });

  it('support unlocks a meter locked by bad passwords', async () => {
    await customer('uma', 100n);
    await lockOut('uma');
    const r = await sys.cli(['admin', 'unlock', '--user', 'uma', ...as(sam)]);
    expect(r.json, r.stderr).toMatchObject({ state: 'operational' });
    expect((await MeterClient.login(diskProfiles, 'uma', PASSWORD)).meterId).toBeTruthy();
  });
});
