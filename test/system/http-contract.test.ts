import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { MeterClient } from '../../src/sdk/index.js';
import { CHALLENGE_RATE_BURST, MAX_BODY_BYTES } from '../../src/constants.js';
import { startSystem, type TestSystem } from './harness.js';
import { DEV_ACH_ODFI } from '../../src/services/index.js';
import { returnsFile } from '../helpers/returns-file.js';
import { durableDigest, expectProblem, injectApp } from './inject-app.js';
import { createOfficerAs, officerSignature, printParams, signedAs } from './api-client.js';
import type { LooseJson } from '../helpers/loose-json.js';

const PW = 'correct horse battery';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const nonce = () => randomBytes(32).toString('hex');

// Every route's unhappy paths through app.inject, on a real database and real module processes:
// each answers problem JSON with its stable code, and a refusal changes nothing durable.
describe('the HTTP contract, route by route', () => {
  let sys: TestSystem;
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let owner: pg.Client;
  let alice: MeterClient;
  let bob: MeterClient;
  let officer: string;
  let second: string;
  let operator: string;

  const inject = (o: InjectOptions) => app.inject(o);
  const asOfficer = (auth: string, o: InjectOptions) => inject({ ...o, headers: { authorization: auth, 'idempotency-key': randomUUID(), ...o.headers } });
  /** Run `act` and show that the durable tables are the same after it. */
  const unchanged = async <T>(act: () => Promise<T>): Promise<T> => {
    const before = await durableDigest(owner);
    const out = await act();
    expect(await durableDigest(owner)).toEqual(before);
    return out;
  };
  /** Run `act`, a refusal of a signed request: it spends the challenge (the meter's package, one log record) and changes nothing else. */
  const spentOnly = async <T>(act: () => Promise<T>, client?: MeterClient): Promise<T> => {
    const before = await durableDigest(owner);
    const out = await act();
    const after = await durableDigest(owner);
    expect(after['postal.txlog']).not.toEqual(before['postal.txlog']);
    expect({ ...after, 'postal.meters': '', 'postal.txlog': '' }).toEqual({ ...before, 'postal.meters': '', 'postal.txlog': '' });
    await client?.authenticate(PW); // the raw request did not take the refusal's next challenge into the profile
    return out;
  };
  const command = async (
    client: MeterClient,
    op: string,
    params: Record<string, string>,
    alter: (b: Record<string, LooseJson>) => void = () => {},
    headers = {},
  ) => {
    const { body } = await client.buildRequest(op, params);
    alter(body);
    return inject({
      method: 'POST',
      url: `/v1/meters/${client.meterId}/${op}`,
      payload: body,
      headers: { authorization: `Bearer ${client.sessionToken}`, ...headers },
    });
  };

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '0' });
    ({ app, close } = await injectApp(sys));
    owner = await sys.ownerDb();
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    officer = basic(sys.officer.user, sys.officer.password);
    alice = await MeterClient.register(diskProfiles, url, 'alice', PW);
    bob = await MeterClient.register(diskProfiles, url, 'bob', PW);
    const authorization = await signedAs(sys.officer, 'fund', { meterId: alice.meterId, amountMills: '20000' });
    const funded = await asOfficer(officer, { method: 'POST', url: '/v1/admin/fund', payload: { user: 'alice', amountMills: '20000', authorization } });
    expect(funded.statusCode).toBe(200);
    await alice.balance();
    second = basic(sys.secondOfficer.user, sys.secondOfficer.password);
    const op = (await createOfficerAs(url, [sys.officer, sys.secondOfficer], 'op1', 'operator')).answer;
    expect(op.json.officer).toMatchObject({ user: 'op1', role: 'operator' });
    operator = basic('op1', op.json.officer.password);
  });
  afterAll(async () => {
    await owner?.end();
    await close?.();
    await sys?.stop();
  });

  describe('public routes', () => {
    it('GET /v1/health, /v1/ca and /v1/revocations answer their documented members', async () => {
      const health = await inject({ method: 'GET', url: '/v1/health' });
      expect(health.json()).toEqual({ status: 'ok', halted: false, modules: 2, durability: 'local', shippingLagMs: 0 });
      expect((await inject({ method: 'GET', url: '/v1/ca' })).json().certificatePem).toContain('BEGIN CERTIFICATE');
      expect((await inject({ method: 'GET', url: '/v1/revocations' })).json()).toEqual({ generatedAt: expect.any(String), meters: [] });
      expectProblem(expect, await inject({ method: 'POST', url: '/v1/health' }), 'not_found');
    });

    it('GET /v1/meters/:meterId/certificate: a malformed id, an unknown meter', async () => {
      expectProblem(expect, await inject({ method: 'GET', url: '/v1/meters/not-a-uuid/certificate' }), 'invalid_request');
      expectProblem(expect, await inject({ method: 'GET', url: `/v1/meters/${randomUUID()}/certificate` }), 'not_found');
      const ok = await inject({ method: 'GET', url: `/v1/meters/${alice.meterId}/certificate` });
      expect(Object.keys(ok.json()).sort()).toEqual(['certSerialHex', 'certificatePem', 'meterId', 'status']);
    });

    it('POST /v1/verify: malformed, unknown members, oversized; garbage is a verdict, not an error', async () => {
      await unchanged(async () => {
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/verify', payload: { itemBase64: '***' } }), 'invalid_request');
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/verify', payload: { itemBase64: 'AAAA', extra: 1 } }), 'invalid_request');
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/verify', payload: { itemBase64: 7 } }), 'invalid_request');
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/verify', payload: '{"itemBase64":' }), 'invalid_request');
        const big = { itemBase64: 'A'.repeat(MAX_BODY_BYTES + 4) };
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/verify', payload: big }), 'body_too_large');
        expectProblem(
          expect,
          await inject({ method: 'POST', url: '/v1/verify', payload: 'itemBase64=AAAA', headers: { 'content-type': 'text/plain' } }),
          'invalid_request',
        );
      });
      const verdict = await inject({ method: 'POST', url: '/v1/verify', payload: { itemBase64: 'AAAA' } });
      expect(verdict.statusCode).toBe(200);
      expect(verdict.json()).toMatchObject({ valid: false, status: 'invalid', itemId: null, item: null, redemption: null });
    });

    it('POST /v1/redeem: an item that does not verify, postage', async () => {
      const refused = expectProblem(expect, await inject({ method: 'POST', url: '/v1/redeem', payload: { itemBase64: 'AAAA' } }), 'not_redeemable');
      expect(refused.reasons).toEqual([expect.stringContaining('malformed item')]);
      const item = await alice.print({ ...printParams('500'), amountMills: 500n, weightTenthOz: 10 });
      // Postage is scanned, never redeemed: the refusal leaves only the scan, a ledger effect with its log record.
      const scans = async () => Number((await owner.query("SELECT count(*) FROM postal.txlog WHERE type = 'log:item_scanned'")).rows[0].count);
      const others = async () => ({
        ...(await durableDigest(owner)),
        'postal.txlog': String((await owner.query("SELECT count(*) FROM postal.txlog WHERE type <> 'log:item_scanned'")).rows[0].count),
      });
      const [scansBefore, before] = [await scans(), await others()];
      const postage = await inject({ method: 'POST', url: '/v1/redeem', payload: { itemBase64: item.itemBytes.toString('base64') } });
      expect(expectProblem(expect, postage, 'not_redeemable').detail).toContain('postage');
      expect(await others()).toEqual(before);
      expect(await scans()).toBe(scansBefore + 1);
    });
  });

  describe('registration and sessions', () => {
    it('POST /v1/registrations: malformed, unknown members, a taken user name', async () => {
      await unchanged(async () => {
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/registrations', payload: {} }), 'invalid_request');
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/registrations', payload: { user: 'carol', clientNonce: 'xyz' } }), 'invalid_request');
        expectProblem(
          expect,
          await inject({ method: 'POST', url: '/v1/registrations', payload: { user: 'carol', clientNonce: nonce(), admin: true } }),
          'invalid_request',
        );
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/registrations', payload: { user: 'alice', clientNonce: nonce() } }), 'user_exists');
      });
    });

    it('POST /v1/registrations/complete: never begun, already registered, a malformed key', async () => {
      const body = (user: string, meterId: string) => ({ user, meterId, clientPublicKey: `04${'ab'.repeat(64)}`, sealedSecrets: 'AAAA' });
      await unchanged(async () => {
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/registrations/complete', payload: body('nobody', randomUUID()) }), 'not_found');
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/registrations/complete', payload: body('alice', alice.meterId) }), 'user_exists');
        const bad = { ...body('alice', alice.meterId), clientPublicKey: '05' };
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/registrations/complete', payload: bad }), 'invalid_request');
      });
    });

    it('POST /v1/sessions/challenge: an unknown user, unknown members, too many from one address', async () => {
      await unchanged(async () => {
        expectProblem(
          expect,
          await inject({ method: 'POST', url: '/v1/sessions/challenge', payload: { user: 'nobody', clientNonce: nonce() } }),
          'invalid_credentials',
        );
        expectProblem(
          expect,
          await inject({ method: 'POST', url: '/v1/sessions/challenge', payload: { user: 'alice', clientNonce: nonce(), x: 1 } }),
          'invalid_request',
        );
        const from = { remoteAddress: '10.9.8.7' };
        // The bucket refills while the burst is sent: the first refusal comes after at least a burst.
        const ask = () => inject({ method: 'POST', url: '/v1/sessions/challenge', payload: { user: 'nobody', clientNonce: nonce() }, ...from });
        let sent = 0;
        let res = await ask();
        while (res.statusCode !== 429 && sent < 3 * CHALLENGE_RATE_BURST) [sent, res] = [sent + 1, await ask()];
        expect(sent).toBeGreaterThanOrEqual(CHALLENGE_RATE_BURST);
        expectProblem(expect, res, 'rate_limited');
        expectProblem(
          expect,
          await inject({ method: 'POST', url: '/v1/sessions/challenge', payload: { user: 'nobody', clientNonce: nonce() } }),
          'invalid_credentials',
        );
      });
    });

    it('POST /v1/sessions: an unknown user, a coerced register, a wrong MAC', async () => {
      const login = async (alter: (b: Record<string, LooseJson>) => void) => {
        const { body } = await alice.buildRequest('login', {});
        const payload: Record<string, LooseJson> = { user: 'alice', ...body };
        alter(payload);
        return inject({ method: 'POST', url: '/v1/sessions', payload });
      };
      await unchanged(async () => {
        expectProblem(expect, await login((b) => (b.user = 'nobody')), 'invalid_credentials');
        expectProblem(expect, await login((b) => (b.arMills = Number(b.arMills))), 'invalid_request');
        expectProblem(expect, await login((b) => (b.token = 'x')), 'invalid_request');
        expectProblem(expect, await login((b) => (b.mac = 'f'.repeat(64))), 'bad_mac');
      });
    });
  });

  describe('meter commands', () => {
    it('refuses a missing, malformed or unknown session', async () => {
      const { body } = await alice.buildRequest('balance', {});
      await unchanged(async () => {
        const url = `/v1/meters/${alice.meterId}/balance`;
        expectProblem(expect, await inject({ method: 'POST', url, payload: body }), 'unauthorized');
        expectProblem(expect, await inject({ method: 'POST', url, payload: body, headers: { authorization: 'Bearer short' } }), 'unauthorized');
        expectProblem(expect, await inject({ method: 'POST', url, payload: body, headers: { authorization: `Bearer ${'A'.repeat(43)}` } }), 'unauthorized');
        expectProblem(expect, await inject({ method: 'POST', url, payload: body, headers: { authorization: officer } }), 'unauthorized');
      });
    });

    it("refuses another customer's meter, unknown ops, unknown members, coercion and an oversized body", async () => {
      const { body } = await alice.buildRequest('balance', {});
      await spentOnly(async () => {
        const cross = await inject({
          method: 'POST',
          url: `/v1/meters/${alice.meterId}/balance`,
          payload: body,
          headers: { authorization: `Bearer ${bob.sessionToken}` },
        });
        expectProblem(expect, cross, 'forbidden');
      }, alice);
      await unchanged(async () => {
        const mint = await inject({
          method: 'POST',
          url: `/v1/meters/${alice.meterId}/mint`,
          payload: body,
          headers: { authorization: `Bearer ${alice.sessionToken}` },
        });
        expectProblem(expect, mint, 'invalid_request');
      });
      await unchanged(async () => {
        expectProblem(expect, await command(alice, 'print', printParams('500'), (b) => (b.extra = 1)), 'invalid_request');
        expectProblem(expect, await command(alice, 'print', printParams('500'), (b) => (b.arMills = Number(b.arMills))), 'invalid_request');
        expectProblem(expect, await command(alice, 'print', printParams('500'), (b) => (b.params.note = 'x'.repeat(MAX_BODY_BYTES))), 'body_too_large');
        const unknownMeter = await inject({
          method: 'POST',
          url: `/v1/meters/${randomUUID()}/balance`,
          payload: (await alice.buildRequest('balance', {})).body,
          headers: { authorization: `Bearer ${alice.sessionToken}` },
        });
        expectProblem(expect, unknownMeter, 'forbidden');
      });
      const badKey = () => command(alice, 'print', printParams('500'), () => {}, { 'idempotency-key': 'bad key!' });
      await spentOnly(async () => expectProblem(expect, await badKey(), 'invalid_request'), alice);
    });

    it('refuses a request altered after its MAC, and a reused Idempotency-Key with 422', async () => {
      await unchanged(async () => {
        const altered = await command(alice, 'print', printParams('500'), (b) => (b.arMills = '1'));
        expect(expectProblem(expect, altered, 'bad_mac').instance).toBe(`/v1/meters/${alice.meterId}/print`);
      });
      const key = randomUUID();
      const first = await command(alice, 'balance', {}, () => {}, { 'idempotency-key': key });
      expect(first.statusCode).toBe(200);
      expect(Object.keys(first.json()).sort()).toEqual(['response', 'responseMac']);
      await alice.authenticate(PW);
      await spentOnly(async () => {
        expectProblem(expect, await command(alice, 'print', printParams('700'), () => {}, { 'idempotency-key': key }), 'idempotency_key_reused');
      }, alice);
    });
  });

  describe('operator routes', () => {
    it('POST /v1/admin/fund: no, malformed or wrong credentials; bad amounts; an unknown customer', async () => {
      const fund = (auth: string | undefined, payload: unknown) =>
        inject({ method: 'POST', url: '/v1/admin/fund', payload: payload as object, headers: auth ? { authorization: auth } : {} });
      await unchanged(async () => {
        expectProblem(expect, await fund(undefined, { user: 'alice', amountMills: '100' }), 'unauthorized');
        expectProblem(expect, await fund(`Bearer ${alice.sessionToken}`, { user: 'alice', amountMills: '100' }), 'unauthorized');
        expectProblem(expect, await fund(basic(sys.officer.user, 'wrong'), { user: 'alice', amountMills: '100' }), 'invalid_credentials');
        expectProblem(expect, await fund(basic('nobody', 'wrong'), { user: 'alice', amountMills: '100' }), 'invalid_credentials');
        expectProblem(expect, await fund(officer, { user: 'alice', amountMills: 100 }), 'invalid_request');
        expectProblem(expect, await fund(officer, { user: 'alice', amountMills: '0' }), 'invalid_amount');
        expectProblem(expect, await fund(officer, { user: 'alice', amountMills: '-5' }), 'invalid_amount');
        expectProblem(expect, await fund(officer, { user: 'alice', amountMills: '99999999999999999999' }), 'amount_too_large');
        expectProblem(expect, await fund(officer, { user: 'alice', amountMills: '100', meterId: alice.meterId }), 'invalid_request');
        expectProblem(expect, await fund(officer, { user: 'nobody', amountMills: '100' }), 'not_found');
      });
    });

    it('POST /v1/admin/fund: a retry gets the first answer; the same key for another amount is refused', async () => {
      const key = randomUUID();
      const signed = {
        '300': await signedAs(sys.officer, 'fund', { meterId: bob.meterId, amountMills: '300' }),
        '400': await signedAs(sys.officer, 'fund', { meterId: bob.meterId, amountMills: '400' }),
      };
      const once = (amountMills: '300' | '400') =>
        inject({
          method: 'POST',
          url: '/v1/admin/fund',
          payload: { user: 'bob', amountMills, authorization: signed[amountMills] },
          headers: { authorization: officer, 'idempotency-key': key },
        });
      const first = await once('300');
      expect(Object.keys(first.json()).sort()).toEqual(['amountMills', 'arMills', 'controlTotalMills', 'drMills', 'meterId', 'user']);
      await unchanged(async () => {
        const again = await once('300');
        expect(again.headers['idempotency-replayed']).toBe('true');
        expect(again.json()).toEqual(first.json());
        expectProblem(expect, await once('400'), 'idempotency_key_reused');
      });
    });

    it('the billing routes: no session, a bad plan or month, a month not over, an invoice not theirs', async () => {
      const month = new Date().toISOString().slice(0, 7);
      await unchanged(async () => {
        expectProblem(expect, await inject({ method: 'GET', url: '/v1/plan' }), 'unauthorized');
        expectProblem(expect, await inject({ method: 'PUT', url: '/v1/plan', payload: { plan: 'standard' } }), 'unauthorized');
        const bearer = { authorization: `Bearer ${alice.sessionToken}` };
        expectProblem(expect, await inject({ method: 'PUT', url: '/v1/plan', payload: { plan: 'gold' }, headers: bearer }), 'invalid_request');
        expectProblem(expect, await inject({ method: 'PUT', url: '/v1/plan', payload: {}, headers: bearer }), 'invalid_request');
        expectProblem(expect, await inject({ method: 'GET', url: '/v1/invoices/not-a-uuid/pdf', headers: bearer }), 'invalid_request');
        expectProblem(expect, await inject({ method: 'GET', url: `/v1/invoices/${randomUUID()}/pdf`, headers: bearer }), 'not_found');
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/admin/billing/run', payload: { month } }), 'unauthorized');
        expectProblem(expect, await asOfficer(officer, { method: 'POST', url: '/v1/admin/billing/run', payload: { month } }), 'invalid_request');
        expectProblem(expect, await asOfficer(officer, { method: 'POST', url: '/v1/admin/billing/run', payload: { month: '2026-1' } }), 'invalid_request');
      });
    });

    it('the customer care routes: an operator may not ask; malformed requests; unknown customers; the reset pick-up', async () => {
      const care = (who: string | undefined, payload: unknown) =>
        inject({ method: 'POST', url: '/v1/admin/care', payload: payload as object, headers: who ? { authorization: who } : {} });
      const ok = { action: 'adjust_balance', user: 'bob', reason: 'goodwill', amountMills: '100' };
      await unchanged(async () => {
        expectProblem(expect, await care(undefined, ok), 'unauthorized');
        expectProblem(expect, await care(operator, ok), 'forbidden');
        expectProblem(expect, await care(officer, ok), 'officer_signature_required');
        expectProblem(expect, await care(officer, { ...ok, reason: undefined }), 'invalid_request');
        expectProblem(expect, await care(officer, { ...ok, reason: 'bad\nreason' }), 'invalid_request');
        expectProblem(expect, await care(officer, { ...ok, action: 'fund' }), 'invalid_request');
        expectProblem(expect, await care(officer, { ...ok, amountMills: '0' }), 'invalid_request');
        expectProblem(expect, await care(officer, { ...ok, user: 'nobody' }), 'not_found');
        expectProblem(expect, await care(officer, { ...ok, action: 'close_account' }), 'invalid_request');
        expectProblem(expect, await asOfficer(officer, { method: 'GET', url: '/v1/admin/customers/nobody' }), 'not_found');
        expectProblem(expect, await inject({ method: 'GET', url: '/v1/admin/customers/bob' }), 'unauthorized');
        expectProblem(expect, await asOfficer(officer, { method: 'GET', url: '/v1/admin/account-refunds?state=owed' }), 'invalid_request');
        expectProblem(expect, await inject({ method: 'GET', url: '/v1/password-reset/bob' }), 'password_reset_none');
        expectProblem(expect, await inject({ method: 'GET', url: '/v1/password-reset/nobody' }), 'password_reset_none');
        expectProblem(expect, await inject({ method: 'GET', url: '/v1/password-reset/%00' }), 'invalid_request');
      });
    });

    it('POST /v1/admin/revoke and /v1/admin/audit: an operator may not revoke; unknown customers; bad reasons', async () => {
      await unchanged(async () => {
        expectProblem(expect, await asOfficer(operator, { method: 'POST', url: '/v1/admin/revoke', payload: { user: 'bob', reason: 'lost' } }), 'forbidden');
        expectProblem(expect, await asOfficer(officer, { method: 'POST', url: '/v1/admin/revoke', payload: { user: 'nobody', reason: 'lost' } }), 'not_found');
        expectProblem(
          expect,
          await asOfficer(officer, { method: 'POST', url: '/v1/admin/revoke', payload: { user: 'bob', reason: 'bad\nreason' } }),
          'invalid_request',
        );
        expectProblem(expect, await asOfficer(officer, { method: 'POST', url: '/v1/admin/revoke', payload: { user: 'bob' } }), 'invalid_request');
        expectProblem(expect, await inject({ method: 'POST', url: '/v1/admin/audit', payload: { user: 'bob' } }), 'unauthorized');
        expectProblem(expect, await asOfficer(officer, { method: 'POST', url: '/v1/admin/audit', payload: { user: 'nobody' } }), 'not_found');
      });
      const audit = await asOfficer(operator, { method: 'POST', url: '/v1/admin/audit', payload: { user: 'bob' } });
      expect(Object.keys(audit.json()).sort()).toEqual(['moduleCertificatePem', 'report', 'reportBase64', 'signatureDerHex']);
    });

    it('GET /v1/admin/modules, /log, /audit-events, /approvals and /metrics: credentials and query checks', async () => {
      for (const url of ['/v1/admin/modules', '/v1/admin/log', '/v1/admin/audit-events', '/v1/admin/approvals', '/metrics']) {
        expectProblem(expect, await inject({ method: 'GET', url }), 'unauthorized');
        expectProblem(expect, await inject({ method: 'GET', url, headers: { authorization: basic('op1', 'wrong') } }), 'invalid_credentials');
        expect((await inject({ method: 'GET', url, headers: { authorization: operator } })).statusCode).toBe(200);
      }
      expectProblem(expect, await inject({ method: 'GET', url: '/v1/admin/audit-events?limit=ten', headers: { authorization: operator } }), 'invalid_request');
      expectProblem(expect, await inject({ method: 'GET', url: '/v1/admin/audit-events?since=-1', headers: { authorization: operator } }), 'invalid_request');
      const modules = (await inject({ method: 'GET', url: '/v1/admin/modules', headers: { authorization: operator } })).json();
      expect(modules.modules).toHaveLength(2);
      expect(Object.keys(modules.modules[0].checkpoint).sort()).toEqual(['at', 'date', 'macHex', 'seq', 'time', 'type', 'valueMills']);
    });

    it('POST /v1/admin/officers: an operator may not; a taken name; an unknown role', async () => {
      const payload = async (user: string) => {
        const { statement, signatures } = await signedAs(sys.officer, 'certify_officer', { user, role: 'operator', publicKey: '00'.repeat(32) });
        return { user, role: 'operator', publicKey: 'AAAA', authorization: { statement, signatures: [...signatures, ...signatures] } };
      };
      await unchanged(async () => {
        expectProblem(expect, await asOfficer(operator, { method: 'POST', url: '/v1/admin/officers', payload: await payload('op2') }), 'forbidden');
        expectProblem(expect, await asOfficer(officer, { method: 'POST', url: '/v1/admin/officers', payload: await payload('op1') }), 'user_exists');
        expectProblem(
          expect,
          await asOfficer(officer, { method: 'POST', url: '/v1/admin/officers', payload: { user: 'op3', role: 'root' } }),
          'invalid_request',
        );
      });
    });

    it('POST /v1/admin/approvals and /approve: unknown or active modules, unknown requests, dual control, decided requests', async () => {
      const modules = (await inject({ method: 'GET', url: '/v1/admin/modules', headers: { authorization: operator } })).json().modules;
      await unchanged(async () => {
        const ask = (auth: string, payload: object) => asOfficer(auth, { method: 'POST', url: '/v1/admin/approvals', payload });
        expectProblem(expect, await ask(operator, { action: 'clear_halt' }), 'forbidden');
        expectProblem(expect, await ask(officer, { action: 'reinstate_module', module: 'no-such-module' }), 'not_found');
        expectProblem(expect, await ask(officer, { action: 'reinstate_module', module: modules[0].serial }), 'invalid_request');
        expectProblem(expect, await ask(officer, { action: 'format_disk' }), 'invalid_request');
        expectProblem(expect, await ask(officer, { action: 'clear_halt' }), 'officer_signature_required');
        const approve = (auth: string, id: string) => asOfficer(auth, { method: 'POST', url: `/v1/admin/approvals/${id}/approve` });
        expectProblem(expect, await approve(officer, '999999'), 'not_found');
        expectProblem(expect, await approve(officer, 'one'), 'invalid_request');
      });
      const authorization = await signedAs(sys.officer, 'clear_halt', {});
      const requested = (await asOfficer(officer, { method: 'POST', url: '/v1/admin/approvals', payload: { action: 'clear_halt', authorization } })).json();
      expect(requested.approval).toMatchObject({ action: 'clear_halt', params: { authorization: expect.any(String) }, decidedBy: null, state: 'pending' });
      const id = requested.approval.id;
      const approve = (auth: string, payload?: object) => asOfficer(auth, { method: 'POST', url: `/v1/admin/approvals/${id}/approve`, payload });
      await unchanged(async () => {
        expectProblem(expect, await approve(officer), 'dual_control');
        expectProblem(expect, await approve(operator), 'forbidden');
        expectProblem(expect, await approve(second), 'officer_signature_required');
        // The requester's own signature twice is not dual control, whoever sends it.
        expectProblem(expect, await approve(second, { signature: authorization.signatures[0] }), 'dual_control');
      });
      const granted = await approve(second, { signature: await officerSignature(sys.secondOfficer, authorization.statement) });
      expect(granted.json().approval).toMatchObject({ id, state: 'approved', decidedBy: sys.secondOfficer.user, result: { halted: false } });
      await unchanged(async () => expectProblem(expect, await approve(second), 'approval_not_pending'));
    });

    it("the payments routes: no credentials or a customer's, malformed bodies, a returns file never sent", async () => {
      const run = (auth: string | undefined, payload?: unknown) =>
        inject({
          method: 'POST',
          url: '/v1/admin/payments/run',
          ...(payload === undefined ? {} : { payload: payload as object }),
          headers: auth ? { authorization: auth } : {},
        });
      const returns = (auth: string, payload: unknown) =>
        inject({ method: 'POST', url: '/v1/admin/payments/returns', payload: payload as object, headers: { authorization: auth } });
      await unchanged(async () => {
        expectProblem(expect, await run(undefined, {}), 'unauthorized');
        expectProblem(expect, await run(`Bearer ${alice.sessionToken}`, {}), 'unauthorized');
        expectProblem(expect, await run(officer, { file: 'yes' }), 'invalid_request');
        expectProblem(expect, await run(officer, { file: true, extra: 1 }), 'invalid_request');
        expectProblem(expect, await returns(officer, {}), 'invalid_request');
        expectProblem(expect, await returns(officer, { text: 'not a NACHA file' }), 'invalid_request');
        const unknown = returnsFile(DEV_ACH_ODFI, [{ routing: '021000021', cents: 100, originalTrace: '011000019999999', reason: 'R01' }]);
        expectProblem(expect, await returns(officer, { text: unknown }), 'return_entry_unknown');
        const listing = await inject({
          method: 'GET',
          url: `/v1/meters/${alice.meterId}/funding-requests`,
          headers: { authorization: `Bearer ${bob.sessionToken}` },
        });
        expectProblem(expect, listing, 'not_found');
        const receipt = await inject({
          method: 'GET',
          url: `/v1/meters/${alice.meterId}/funding-requests/${'ab'.repeat(16)}/receipt`,
          headers: { authorization: `Bearer ${alice.sessionToken}` },
        });
        expectProblem(expect, receipt, 'not_found');
        // The Stripe webhook on a server without Stripe keys (this app has none), and bodies it never reads.
        const hook = (payload: string, contentType = 'application/json') =>
          inject({ method: 'POST', url: '/v1/webhooks/stripe', payload, headers: { 'content-type': contentType, 'stripe-signature': 't=1,v1=00' } });
        expectProblem(expect, await hook('{"id":"evt_1","type":"payment_intent.succeeded"}'), 'card_payments_disabled');
        expectProblem(expect, await hook('x'.repeat(300 * 1024)), 'body_too_large');
        expectProblem(expect, await hook('id=evt_1', 'application/x-www-form-urlencoded'), 'invalid_request');
      });
      // With nothing waiting, a run files and settles nothing, and changes nothing.
      await unchanged(async () => expect((await run(officer, {})).json()).toEqual({ files: [], settled: [], cards: [] }));
    });

    it('GET /v1/revocations lists a revoked meter, whose commands are then refused', async () => {
      const authorization = await signedAs(sys.officer, 'revoke_meter', { meterId: bob.meterId, reason: 'lost' });
      const revoked = await asOfficer(officer, { method: 'POST', url: '/v1/admin/revoke', payload: { user: 'bob', reason: 'lost', authorization } });
      expect(revoked.json()).toEqual({ meterId: bob.meterId, status: 'revoked', reason: 'lost' });
      const list = (await inject({ method: 'GET', url: '/v1/revocations' })).json();
      expect(list.meters).toEqual([{ meterId: bob.meterId, certSerialHex: expect.any(String), status: 'revoked', at: expect.any(String), reason: 'lost' }]);
      await spentOnly(async () => expectProblem(expect, await command(bob, 'balance', {}), 'meter_revoked'));
    });
  });
});
