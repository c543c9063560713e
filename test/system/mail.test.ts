import { simpleParser } from 'mailparser';
import type pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { LOW_BALANCE_MILLS, MAX_FAILED_LOGINS } from '../../src/constants.js';
import { freePort } from '../../src/runtime/init.js';
import { MeterClient } from '../../src/sdk/index.js';
import { fundAs, officerFlags } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';
import { until } from './wait.js';

// Issue 14: the profile's verified e-mail address and the mail outbox, with a real SMTP server in
// this process (smtp-server) and every mail parsed as it arrives (mailparser).

const PW = 'correct horse battery';
const today = () => new Date().toISOString().slice(0, 10);
const LETTER_MILLS = 730n; // the shipped rate table's price of this letter
const letter = () => ({ amountMills: LETTER_MILLS, originZip: '90807', destination: '10001', date: today(), rateCategory: 'FCM-LETTER', weightTenthOz: 10 });
const ADDRESS = { street: '1 Main St', secondary: '', city: 'Long Beach', state: 'CA', zip: '90807' };

interface Received {
  to: string;
  subject: string;
  text: string;
  from: string;
}

/** An SMTP server on a fixed port that can be stopped and started again. */
class Inbox {
  readonly mail: Received[] = [];
  private server: SMTPServer | null = null;
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, done) => {
        simpleParser(stream).then(
          (m) => {
            const to = Array.isArray(m.to) ? m.to[0] : m.to;
            this.mail.push({ to: to?.value[0]?.address ?? '', subject: m.subject ?? '', text: m.text ?? '', from: m.from?.text ?? '' });
            done();
          },
          (e: Error) => done(e),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  to(address: string, subject: RegExp): Received[] {
    return this.mail.filter((m) => m.to === address && subject.test(m.subject));
  }

  async next(address: string, subject: RegExp, count = 1): Promise<Received> {
    const got = await until(`mail ${count} to ${address} (${subject})`, async () => this.to(address, subject).length >= count, 30_000, 50);
    expect(got).toBe(true);
    return this.to(address, subject)[count - 1]!;
  }
}

const tokenIn = (mail: Received): string => /--token ([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;

describe('profile, e-mail verification and the mail outbox over SMTP', () => {
  let sys: TestSystem;
  let inbox: Inbox;
  let db: pg.Client;
  let ann: MeterClient;

  const call = async (client: MeterClient, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sys.url}${path}`, {
      method,
      headers: { ...client.sessionHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const putEmail = (client: MeterClient, email: string | null) =>
    call(client, 'PUT', '/v1/profile', { name: 'Ann Example', company: 'Example Co', address: ADDRESS, email });
  const verify = (client: MeterClient, token: string) => call(client, 'POST', '/v1/profile/email/verify', { token });
  const profileOf = async (client: MeterClient) => (await call(client, 'GET', '/v1/profile')).json;
  const outbox = async (kind: string, to: string) =>
    (await db.query('SELECT state, attempts, last_error FROM support.mail_outbox WHERE kind = $1 AND to_address = $2 ORDER BY mail_id', [kind, to])).rows;

  beforeAll(async () => {
    inbox = new Inbox(await freePort(0));
    await inbox.start();
    sys = await startSystem({ SMTP_URL: `smtp://127.0.0.1:${inbox.port}`, MAIL_FROM: 'Meter Desk <desk@example.com>', VAULTMETER_MAIL_RETRY_BASE_MS: '200' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    db = await sys.ownerDb();
    ann = await MeterClient.register(diskProfiles, sys.url, 'ann', PW);
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
    await inbox?.stop();
  });

  it('verifies an address with the mailed token; refuses a wrong, expired or used one, changing nothing', async () => {
    expect(await profileOf(ann)).toMatchObject({ email: null, emailVerified: false, updatedAt: null });
    const set = await putEmail(ann, 'ann@Example.COM');
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ email: 'ann@example.com', emailVerified: false, verificationSent: true, name: 'Ann Example', address: ADDRESS });
    const mail = await inbox.next('ann@example.com', /Confirm your e-mail/);
    expect(mail.from).toContain('desk@example.com');
    const token = tokenIn(mail);
    // Only the token's hash is stored.
    const stored = await db.query('SELECT token_sha256 FROM membership.email_tokens');
    expect(JSON.stringify(stored.rows)).not.toContain(token);

    const before = await profileOf(ann);
    for (const bad of ['A'.repeat(43), `${token}x`]) {
      const r = await verify(ann, bad);
      expect(r.status).toBe(422);
      expect(r.json.code).toBe('email_token_invalid');
    }
    await db.query("UPDATE membership.email_tokens SET expires_at = now() - interval '1 second'");
    expect((await verify(ann, token)).json.code).toBe('email_token_invalid');
    expect(await profileOf(ann)).toEqual(before);

    await db.query("UPDATE membership.email_tokens SET expires_at = now() + interval '1 hour'");
    const ok = await verify(ann, token);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ email: 'ann@example.com', emailVerified: true });
    const verified = await profileOf(ann);
    const reused = await verify(ann, token);
    expect([reused.status, reused.json.code]).toEqual([422, 'email_token_invalid']);
    expect(await profileOf(ann)).toEqual(verified);
    // The CLI changes only the fields given; the same address keeps its verification and sends nothing.
    const cli = await sys.cli(['client', 'profile', 'set', '--user', 'ann', '--company', 'Ann & Sons', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.json).toMatchObject({ company: 'Ann & Sons', name: 'Ann Example', email: 'ann@example.com', emailVerified: true, verificationSent: false });
    const both = await sys.cli(['client', 'profile', 'set', '--user', 'ann', '--email', 'x@example.com', '--clear-email', '--json']);
    expect([both.code, both.json.error.code]).toEqual([1, 'invalid_request']);
    expect((await sys.cli(['client', 'profile', '--user', 'ann', '--json'])).json).toMatchObject({ company: 'Ann & Sons', emailVerified: true });
    // The same address again keeps its verification and sends nothing.
    expect((await putEmail(ann, 'ann@example.com')).json).toMatchObject({ emailVerified: true, verificationSent: false });
  });

  it('refuses a malformed address or field with a problem code, changing nothing', async () => {
    const before = await profileOf(ann);
    for (const email of ['no-at-sign', 'a@b', 'a..b@example.com', 'ann@exa mple.com', 'ann@example.123']) {
      const r = await putEmail(ann, email);
      expect([r.status, r.json.code], email).toEqual([400, 'invalid_email']);
    }
    const long = await call(ann, 'PUT', '/v1/profile', { name: 'x'.repeat(1000), company: '', address: ADDRESS, email: null });
    expect([long.status, long.json.code]).toEqual([400, 'invalid_request']);
    const extra = await call(ann, 'PUT', '/v1/profile', { name: '', company: '', address: ADDRESS, email: null, admin: true });
    expect([extra.status, extra.json.code]).toEqual([400, 'invalid_request']);
    const noSession = await fetch(`${sys.url}/v1/profile`);
    expect(noSession.status).toBe(401);
    expect(await profileOf(ann)).toEqual(before);
  });

  it('mails a low balance once per crossing, to the verified address only', async () => {
    // 730 mills a letter from 11,000: 10,270, then 9,540 (below 10,000: one mail), then 8,810.
    expect(LOW_BALANCE_MILLS).toBe(10_000n);
    expect((await fundAs(sys.url, sys.officer, 'ann', '11000')).status).toBe(200);
    await ann.balance();
    for (let i = 0; i < 3; i++) await ann.print(letter());
    const mail = await inbox.next('ann@example.com', /balance is low/);
    expect(mail.text).toContain('$9.540');
    await until('the outbox to drain', async () => (await outbox('low_balance', 'ann@example.com')).every((r) => r.state === 'sent'));
    expect(await outbox('low_balance', 'ann@example.com')).toHaveLength(1);
    // Funded above the threshold again, the next crossing mails again.
    expect((await fundAs(sys.url, sys.officer, 'ann', '2000')).status).toBe(200);
    await ann.balance();
    await ann.print(letter()); // 10,810 → 10,080
    await ann.print(letter()); // → 9,350
    await inbox.next('ann@example.com', /balance is low/, 2);
    expect(await outbox('low_balance', 'ann@example.com')).toHaveLength(2);
  });

  it('keeps mail pending while SMTP is down, counting tries, and delivers when it is back', async () => {
    const bob = await MeterClient.register(diskProfiles, sys.url, 'bob', PW);
    await inbox.stop();
    expect((await putEmail(bob, 'bob@example.com')).json).toMatchObject({ verificationSent: true });
    const tried = await until('two failed tries', async () => {
      const [row] = await outbox('email_verification', 'bob@example.com');
      return row && row.attempts >= 2 ? row : null;
    });
    expect(tried.state).toBe('pending');
    expect(tried.last_error).toBeTruthy();
    // Unverified, bob gets no low-balance mail.
    expect((await fundAs(sys.url, sys.officer, 'bob', '10500')).status).toBe(200);
    await bob.balance();
    await bob.print(letter());
    await inbox.start();
    const mail = await inbox.next('bob@example.com', /Confirm your e-mail/);
    expect((await verify(bob, tokenIn(mail))).json).toMatchObject({ emailVerified: true });
    const [row] = await outbox('email_verification', 'bob@example.com');
    expect(row.state).toBe('sent');
    expect(await outbox('low_balance', 'bob@example.com')).toHaveLength(0);
    const listed = await sys.cli(['admin', 'mail', 'list', '--state', 'sent', '--json', ...officerFlags(sys.url, sys.officer)]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json.mail.map((m: { to: string }) => m.to)).toContain('bob@example.com');
  });

  it('mails the verified address when failed logins lock the meter', async () => {
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) await expect(ann.authenticate('not the password')).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(ann.authenticate(PW)).rejects.toMatchObject({ code: 'meter_locked' });
    const mail = await inbox.next('ann@example.com', /is locked/);
    expect(mail.text).toContain(`${MAX_FAILED_LOGINS} failed logins`);
    expect(mail.text).not.toContain(PW);
    expect(await outbox('meter_locked', 'ann@example.com')).toHaveLength(1);
  });
});
