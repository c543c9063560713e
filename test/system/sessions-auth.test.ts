import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { MAX_BODY_BYTES, OFFICER_LOGIN_RATE_BURST, OFFICER_MAX_FAILED_LOGINS, OFFICER_SCRYPT, REGISTRATION_RATE_BURST } from '../../src/constants.js';
import { MeterClient, sealRegistration, webClientCrypto } from '../../src/sdk/index.js';
import { officerPasswords } from '../../src/server/officer-login.js';
import { startSystem, type TestSystem } from './harness.js';
import { expectProblem, injectApp } from './inject-app.js';
import { createOfficerAs, post } from './api-client.js';

const PW = 'correct horse battery';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const nonce = () => randomBytes(32);

// Issue 11, item 8: sessions end on logout; officer logins lock out, are rate-limited and cost the
// same for unknown names; registrations are rate-limited and bound to whoever began them; control
// characters in credentials are a 401; an oversized body is a 413 problem, over a real connection.
describe('sessions and logins', () => {
  let sys: TestSystem;
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let owner: pg.Client;

  const inject = (o: InjectOptions) => app.inject(o);
  const admin = (auth: string, from = '127.0.0.1') =>
    inject({ method: 'GET', url: '/v1/admin/modules', headers: { authorization: auth }, remoteAddress: from });

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '0' });
    ({ app, close } = await injectApp(sys));
    owner = await sys.ownerDb();
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await owner?.end();
    await close?.();
    await sys?.stop();
  });

  it('logout ends the session on the server: the token is refused with 401 afterwards', async () => {
    // Against the started API server, as the CLI's `client logout` does it.
    const alice = await MeterClient.register(diskProfiles, sys.url, 'alice', PW);
    const token = alice.sessionToken;
    const balance = async () =>
      post(sys.url, `/v1/meters/${alice.meterId}/balance`, (await alice.buildRequest('balance', {})).body, { authorization: `Bearer ${token}` });
    expect((await balance()).status).toBe(200);
    await MeterClient.logout(diskProfiles, 'alice');
    const after = await balance();
    expect([after.status, after.json.code]).toEqual([401, 'unauthorized']);
    expect(await MeterClient.resume(diskProfiles, 'alice')).toBeNull();
    // Logging out again (no saved session) is not an error.
    await MeterClient.logout(diskProfiles, 'alice');
  });

  it('an officer name is locked after repeated failures, even for the right password; others are not', async () => {
    const created = (await createOfficerAs(sys.url, [sys.officer, sys.secondOfficer], 'lock1', 'operator')).answer;
    const password = created.json.officer.password as string;
    for (let i = 0; i < OFFICER_MAX_FAILED_LOGINS; i++) expectProblem(expect, await admin(basic('lock1', 'wrong password'), '10.0.1.1'), 'invalid_credentials');
    const locked = expectProblem(expect, await admin(basic('lock1', password), '10.0.1.2'), 'officer_locked');
    expect(locked.retryAfterSeconds).toBeGreaterThan(0);
    // A name that does not exist locks the same way, so a lockout does not tell names apart.
    for (let i = 0; i < OFFICER_MAX_FAILED_LOGINS; i++) expectProblem(expect, await admin(basic('ghost', 'wrong password'), '10.0.1.3'), 'invalid_credentials');
    expectProblem(expect, await admin(basic('ghost', 'wrong password'), '10.0.1.3'), 'officer_locked');
    expect((await admin(basic(sys.officer.user, sys.officer.password), '10.0.1.1')).statusCode).toBe(200);
  });

  it('an unknown officer name goes through the same password hash work as a known one', async () => {
    const verify = vi.spyOn(officerPasswords, 'verify');
    const stored = (await owner.query('SELECT password_hash FROM membership.officers WHERE username = $1', [sys.officer.user])).rows[0].password_hash as string;
    expectProblem(expect, await admin(basic('nobody-here', 'some password'), '10.0.2.1'), 'invalid_credentials');
    expectProblem(expect, await admin(basic(sys.officer.user, 'a wrong password'), '10.0.2.1'), 'invalid_credentials');
    expect(verify).toHaveBeenCalledTimes(2);
    const [unknownHash, knownHash] = verify.mock.calls.map((c) => c[1]);
    // The same algorithm and cost parameters: scrypt$N$r$p$salt$hash.
    expect(unknownHash!.split('$').slice(0, 4)).toEqual(['scrypt', String(OFFICER_SCRYPT.N), String(OFFICER_SCRYPT.r), String(OFFICER_SCRYPT.p)]);
    expect(unknownHash!.split('$').slice(0, 4)).toEqual(stored.split('$').slice(0, 4));
    expect(knownHash).toBe(stored);
    verify.mockRestore();
  });

  it('officer password checks are rate-limited per client address', async () => {
    let sent = 0;
    let res = await admin(basic(`spray${sent}`, 'x'), '10.0.3.1');
    while (res.statusCode !== 429 && sent < 3 * OFFICER_LOGIN_RATE_BURST) [sent, res] = [sent + 1, await admin(basic(`spray${sent + 1}`, 'x'), '10.0.3.1')];
    expect(sent).toBeGreaterThanOrEqual(OFFICER_LOGIN_RATE_BURST);
    expectProblem(expect, res, 'rate_limited');
    expect((await admin(basic(sys.officer.user, sys.officer.password), '10.0.3.2')).statusCode).toBe(200);
  });

  it('a control character in any credential is a 401, never a 500', async () => {
    for (const auth of [basic('off\u0000icer', 'x'), basic(sys.officer.user, `${sys.officer.password}\u0000`), basic('a\u0007b', 'x')]) {
      expectProblem(expect, await admin(auth, '10.0.4.1'), 'invalid_credentials');
    }
    const hex = nonce().toString('hex');
    const command = { challenge: hex, arMills: '0', drMills: '0', params: {}, mac: hex };
    const meter = await inject({
      method: 'POST',
      url: `/v1/meters/${randomUUID()}/balance`,
      payload: command,
      headers: { authorization: `Bearer ${'A'.repeat(30)}\u0000` },
    });
    expectProblem(expect, meter, 'unauthorized');
    const challenge = await inject({ method: 'POST', url: '/v1/sessions/challenge', payload: { user: 'alice\u0000', clientNonce: hex } });
    expectProblem(expect, challenge, 'invalid_credentials');
    const login = await inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { user: 'ali\u0000ce', ...command },
    });
    expectProblem(expect, login, 'invalid_credentials');
  });

  it('a begun registration is bound to the client that began it', async () => {
    const begin = (clientNonce: Buffer, from: string) =>
      inject({ method: 'POST', url: '/v1/registrations', payload: { user: 'carol', clientNonce: clientNonce.toString('hex') }, remoteAddress: from });
    const mine = nonce();
    const begun = await begin(mine, '10.0.5.1');
    expect(begun.statusCode).toBe(200);
    // Someone else who knows the user name cannot take it over by beginning again.
    expectProblem(expect, await begin(nonce(), '10.0.5.2'), 'registration_pending');
    const offer = begun.json();
    const crypto = webClientCrypto();
    const envelope = await sealRegistration(crypto, offer.meterId, mine, Buffer.from(offer.ephemeralPublicKey, 'hex'), {
      macKey: randomBytes(32),
      password: PW,
    });
    const done = await inject({
      method: 'POST',
      url: '/v1/registrations/complete',
      payload: {
        user: 'carol',
        meterId: offer.meterId,
        clientPublicKey: envelope.clientPublicKey.toString('hex'),
        sealedSecrets: envelope.sealed.toString('base64'),
      },
    });
    expect(done.statusCode).toBe(200);
    expect(done.json().response.status).toBe('ok');
  });

  it('registrations begun from one address are rate-limited', async () => {
    const begin = () =>
      inject({ method: 'POST', url: '/v1/registrations', payload: { user: 'alice', clientNonce: nonce().toString('hex') }, remoteAddress: '10.0.6.1' });
    let sent = 0;
    let res = await begin();
    while (res.statusCode !== 429 && sent < 3 * REGISTRATION_RATE_BURST) [sent, res] = [sent + 1, await begin()];
    expect(sent).toBeGreaterThanOrEqual(REGISTRATION_RATE_BURST - 1);
    expect(sent).toBeLessThan(REGISTRATION_RATE_BURST + 5);
    expectProblem(expect, res, 'rate_limited');
  });

  it('a body over the limit gets a 413 problem over a real connection, never a reset', async () => {
    const big = JSON.stringify({ user: 'x', clientNonce: 'a'.repeat(8 * MAX_BODY_BYTES) });
    const viaFetch = await post(sys.url, '/v1/registrations', big);
    expect([viaFetch.status, viaFetch.json.code]).toEqual([413, 'body_too_large']);
    for (const size of [2 * MAX_BODY_BYTES, 64 * MAX_BODY_BYTES]) {
      for (const chunked of [false, true]) {
        const answer = await rawPost(`${sys.url}/v1/registrations`, size, chunked);
        expect({ size, chunked, status: answer.status }).toEqual({ size, chunked, status: 413 });
        expect(answer.type).toContain('application/problem+json');
        expect(JSON.parse(answer.body).code).toBe('body_too_large');
      }
    }
  });
});

/** Stream `size` bytes of JSON body with node:http (with a length, or chunked), and read the answer. */
function rawPost(url: string, size: number, chunked: boolean): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = String(size);
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let left = size;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!req.write(chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}
