import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { MeterClient } from '../../src/sdk/index.js';
import type { ErrorCode } from '../../src/errors.js';
import { startSystem, type TestSystem } from './harness.js';
import { expectProblem, injectApp } from './inject-app.js';
import { printParams, signedAs } from './api-client.js';
import type { LooseJson } from '../helpers/loose-json.js';

const PW = 'correct horse battery';

// Issue 11, item 6: a signed request refused anywhere (before the module too) spends its one-time
// challenge, so it can never be replayed later; and a reused Idempotency-Key is found before the
// batch reaches the module, so it cannot abort batches and roll module rings back.
describe('every refusal spends the challenge', () => {
  let sys: TestSystem;
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let owner: pg.Client;
  let alice: MeterClient;
  let bob: MeterClient;

  const inject = (o: InjectOptions) => app.inject(o);
  const send = (client: MeterClient, token: string, op: string, body: Record<string, LooseJson>, key: string = randomUUID()) =>
    inject({ method: 'POST', url: `/v1/meters/${client.meterId}/${op}`, payload: body, headers: { authorization: `Bearer ${token}`, 'idempotency-key': key } });
  const count = async (sql: string): Promise<number> => Number((await owner.query(sql)).rows[0].n);
  const items = () => count(`SELECT count(*) AS n FROM postal.items`);
  const recoveries = () =>
    count(`SELECT count(*) AS n FROM support.audit_events WHERE kind IN ('checkpoint_recovered', 'transaction_discarded', 'checkpoint_rolled_forward')`);
  const packageVersion = async (meterId: string) => count(`SELECT package_version AS n FROM postal.meters WHERE meter_id = '${meterId}'`);

  /**
   * The refusal carries the module's MAC'd answer (the next challenge). The request, sent again, is
   * refused (as spent, or by the same check) and moves nothing: not even the package, as a second
   * spending would.
   */
  const expectSpent = async (
    client: MeterClient,
    refused: LightMyRequestResponse,
    replay: () => Promise<LightMyRequestResponse>,
    code: ErrorCode = 'challenge_mismatch',
  ) => {
    expect(Object.keys(refused.json())).toEqual(expect.arrayContaining(['response', 'responseMac']));
    const [count, version] = [await items(), await packageVersion(client.meterId)];
    expectProblem(expect, await replay(), code);
    expect([await items(), await packageVersion(client.meterId)]).toEqual([count, version]);
  };

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '0' });
    ({ app, close } = await injectApp(sys));
    owner = await sys.ownerDb();
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    alice = await MeterClient.register(diskProfiles, url, 'alice', PW);
    bob = await MeterClient.register(diskProfiles, url, 'bob', PW);
    const officer = `Basic ${Buffer.from(`${sys.officer.user}:${sys.officer.password}`).toString('base64')}`;
    const funded = await inject({
      method: 'POST',
      url: '/v1/admin/fund',
      payload: { user: 'alice', amountMills: '20000', authorization: await signedAs(sys.officer, 'fund', { meterId: alice.meterId, amountMills: '20000' }) },
      headers: { authorization: officer, 'idempotency-key': randomUUID() },
    });
    expect(funded.statusCode).toBe(200);
    await alice.balance();
  });
  afterAll(async () => {
    await owner?.end();
    await close?.();
    await sys?.stop();
  });

  it('a reused Idempotency-Key is refused inside the batch: the challenge is spent, no batch aborts, no ring rolls back', async () => {
    const key = randomUUID();
    expect((await send(alice, alice.sessionToken, 'balance', (await alice.buildRequest('balance', {})).body, key)).statusCode).toBe(200);
    await alice.authenticate(PW); // the raw request above did not update the profile's challenge
    const recovered = await recoveries();
    const version = await packageVersion(alice.meterId);
    const { body } = await alice.buildRequest('print', printParams('700'));
    const refused = await send(alice, alice.sessionToken, 'print', body, key);
    expectProblem(expect, refused, 'idempotency_key_reused');
    // One module refusal: nothing was recovered, and the package moved once (the spent challenge).
    expect(await recoveries()).toBe(recovered);
    expect(await packageVersion(alice.meterId)).toBe(version + 1);
    await expectSpent(alice, refused, () => send(alice, alice.sessionToken, 'print', body));
    // The first answer under the key is still the one a retry gets.
    const retried = await send(alice, alice.sessionToken, 'balance', (await alice.buildRequest('balance', {})).body, key);
    expectProblem(expect, retried, 'idempotency_key_reused');
  });

  it("a request sent with another customer's session is refused and spent", async () => {
    await alice.authenticate(PW);
    const { body } = await alice.buildRequest('print', printParams('600'));
    const refused = await send(alice, bob.sessionToken, 'print', body);
    expectProblem(expect, refused, 'forbidden');
    await expectSpent(alice, refused, () => send(alice, alice.sessionToken, 'print', body));
  });

  it('a malformed Idempotency-Key refuses the request and spends it', async () => {
    await alice.authenticate(PW);
    const { body } = await alice.buildRequest('print', printParams('500'));
    const refused = await send(alice, alice.sessionToken, 'print', body, 'bad key!');
    expectProblem(expect, refused, 'invalid_request');
    await expectSpent(alice, refused, () => send(alice, alice.sessionToken, 'print', body));
  });

  it('a refund the server refuses (an unknown item) spends its challenge', async () => {
    await alice.authenticate(PW);
    const { body } = await alice.buildRequest('refund', { itemId: 'ab'.repeat(16) });
    const refused = await send(alice, alice.sessionToken, 'refund', body);
    expectProblem(expect, refused, 'not_found');
    await expectSpent(alice, refused, () => send(alice, alice.sessionToken, 'refund', body), 'not_found');
  });

  it('a login refused for a reused key is spent: replayed later, it opens no session', async () => {
    // Watch the SDK's login requests on the wire, and let a test choose their Idempotency-Key.
    const realFetch = globalThis.fetch;
    const logins: { body: Record<string, LooseJson>; key: string }[] = [];
    let forceKey: string | null = null;
    globalThis.fetch = (input, init) => {
      if (String(input).endsWith('/v1/sessions') && init?.body) {
        const headers = { ...(init.headers as Record<string, string>) };
        if (forceKey) headers['idempotency-key'] = forceKey;
        logins.push({ body: JSON.parse(String(init.body)), key: headers['idempotency-key']! });
        return realFetch(input, { ...init, headers });
      }
      return realFetch(input, init);
    };
    try {
      await alice.authenticate(PW);
      forceKey = logins[0]!.key;
      await expect(alice.authenticate(PW)).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    } finally {
      globalThis.fetch = realFetch;
    }
    const sessions = () => count(`SELECT count(*) AS n FROM membership.sessions`);
    const before = await sessions();
    const replayed = await inject({ method: 'POST', url: '/v1/sessions', payload: logins[1]!.body, headers: { 'idempotency-key': randomUUID() } });
    expectProblem(expect, replayed, 'challenge_mismatch');
    expect(await sessions()).toBe(before);
  });

  it('a print after all these refusals still works through the SDK', async () => {
    await alice.authenticate(PW);
    const printed = await alice.print({
      amountMills: 730n,
      originZip: '90807',
      destination: '10001',
      date: new Date().toISOString().slice(0, 10),
      rateCategory: 'FCM-LETTER',
      weightTenthOz: 10,
    });
    expect(printed.drMills).toBe(20000n - 730n);
  });
});
