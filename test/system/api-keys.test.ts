import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { API_KEY_CREATE_RATE_BURST, MAX_API_KEYS_PER_CUSTOMER } from '../../src/constants.js';
import { listApiKeys, MeterClient, revokeApiKey, type ClientProfile, type CreatedApiKey } from '../../src/sdk/index.js';
import type { LooseJson } from '../helpers/loose-json.js';
import { fundAs, get, letter, post, printParams, type RawAnswer, refusalOf } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 14 item 1: API keys for integrators. A key is made by a MAC'd meter command, kept as its
// hash, shown once; it stands in for the session within its scopes, and every meter command made
// with it still needs the client MAC over the current challenge.

const PW = 'correct horse battery';
const SCHEMAS = ['postal', 'membership', 'provider', 'commerce', 'support', 'staging'];

// After `vm_`, the 32 hex of the id and `_`: the secret may itself hold `_`, so never search for the last one.
const secretOf = (key: string) => key.slice('vm_'.length + 32 + 1);
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys for integrators', () => {
  let sys: TestSystem;
  let db: pg.Client;
  let ann: MeterClient;
  let bob: MeterClient;
  /** Ann's integrator: her profile opened here (no server login) and a key in place of a session. */
  let integrator: MeterClient;
  let integratorProfile: ClientProfile;
  let key: CreatedApiKey;

  /** A meter command MAC'd by `client`, sent with `key`, without the SDK's checks; the body too, to replay it. */
  const rawWith = async (
    client: MeterClient,
    apiKey: string,
    op: string,
    params: Record<string, string>,
    alter: (b: Record<string, LooseJson>) => void = () => {},
  ) => {
    const { body } = await client.buildRequest(op, params);
    alter(body);
    const answer = await post(sys.url, `/v1/meters/${client.meterId}/${op}`, body, bearer(apiKey));
    return { body, answer };
  };
  /** After a raw command the module answered, the integrator takes the next challenge, as the SDK would. */
  const adopt = async (answer: RawAnswer) => {
    await integratorProfile.reload();
    const r = answer.json.response;
    integratorProfile.state = { ...integratorProfile.state, challenge: String(r.nextChallenge), arMills: String(r.arMills), drMills: String(r.drMills) };
    await integratorProfile.save();
  };
  // The meter pool refills in the background: its provisioning records are no request's doing.
  const counts = async () =>
    (
      await db.query<{ keys: number; log: number; items: number; sessions: number }>(
        `SELECT (SELECT count(*)::int FROM membership.api_keys) AS keys, (SELECT count(*)::int FROM postal.txlog WHERE type <> 'provision') AS log,
                (SELECT count(*)::int FROM postal.items) AS items, (SELECT count(*)::int FROM membership.sessions) AS sessions`,
      )
    ).rows[0]!;

  beforeAll(async () => {
    sys = await startSystem();
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    db = await sys.ownerDb();
    ann = await MeterClient.register(diskProfiles, sys.url, 'ann', PW);
    bob = await MeterClient.register(diskProfiles, sys.url, 'bob', PW);
    for (const user of ['ann', 'bob']) expect((await fundAs(sys.url, sys.officer, user, 100_000n)).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  it('creates a key by a MAC-signed command: shown once, stored as its hash only, listed without it', async () => {
    key = await ann.createApiKey({ scopes: ['print', 'balance'] });
    expect(key.apiKey).toMatch(/^vm_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({ scopes: ['balance', 'print'], expiresAt: null });
    const row = (await db.query('SELECT key_sha256, scopes, meter_id FROM membership.api_keys WHERE key_id = $1', [key.keyId])).rows[0];
    expect(row).toEqual({ key_sha256: createHash('sha256').update(key.apiKey).digest(), scopes: ['balance', 'print'], meter_id: ann.meterId });
    // The secret is in no table and no log record.
    const tables = await db.query<{ name: string }>(
      "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = ANY($1::text[])",
      [SCHEMAS],
    );
    for (const { name } of tables.rows) {
      const hits = await db.query(`SELECT 1 FROM ${name} t WHERE row_to_json(t)::text LIKE $1 LIMIT 1`, [`%${secretOf(key.apiKey)}%`]);
      expect(hits.rowCount, name).toBe(0);
    }
    const log = await db.query<{ header: Buffer; body: Buffer }>('SELECT header, body FROM postal.txlog');
    for (const r of log.rows) expect(r.header.includes(secretOf(key.apiKey)) || r.body.includes(secretOf(key.apiKey))).toBe(false);
    const listed = await get(sys.url, '/v1/api-keys', ann.sessionHeaders());
    expect(listed.json.apiKeys).toEqual([
      { keyId: key.keyId, scopes: ['balance', 'print'], createdAt: expect.any(String), expiresAt: null, lastUsedAt: null, revokedAt: null },
    ]);
    expect(JSON.stringify(listed.json)).not.toMatch(/sha256|hash|vm_/i);
  });

  it('prints with the key and the profile, without any password login', async () => {
    await MeterClient.logout(diskProfiles, 'ann');
    integratorProfile = await diskProfiles.unlockWithPassword('ann', PW); // opens the local file; nothing goes to the server
    integrator = MeterClient.fromApiKey(diskProfiles, integratorProfile, key.apiKey);
    const before = await counts();
    const item = await integrator.print(letter(730n));
    expect(item.amountMills).toBe(730n);
    expect((await integrator.balance()).drMills).toBe(100_000n - 730n);
    const after = await counts();
    expect({ items: after.items, sessions: after.sessions }).toEqual({ items: before.items + 1, sessions: before.sessions });
    const used = await db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM membership.api_keys WHERE key_id = $1', [key.keyId]);
    expect(used.rows[0]!.last_used_at).toBeInstanceOf(Date);
    ann = await MeterClient.login(diskProfiles, 'ann', PW);
  });

  it('refuses an op outside the scopes with 403 api_key_scope, and spends its challenge', async () => {
    const printed = await integrator.print(letter(500n));
    const { body } = await integrator.buildRequest('refund', { itemId: printed.itemId });
    const before = await counts();
    expect(await refusalOf(integrator.refund(printed.itemId))).toEqual({ code: 'api_key_scope', status: 403 });
    // The same signed request again, even with the session, finds its challenge spent.
    const replay = await post(sys.url, `/v1/meters/${ann.meterId}/refund`, body, ann.sessionHeaders());
    expect({ status: replay.status, code: replay.json.code }).toEqual({ status: 409, code: 'challenge_mismatch' });
    expect((await db.query('SELECT refunded_at FROM postal.items WHERE item_id = $1', [printed.itemId])).rows[0].refunded_at).toBeNull();
    expect((await counts()).items).toBe(before.items);
    // The next correct command works.
    expect((await integrator.balance()).drMills).toBe(100_000n - 1230n);
    for (const op of [
      () => integrator.withdraw(),
      () => integrator.changePassword(PW, 'another good password'),
      () => integrator.createApiKey({ scopes: ['print'] }),
    ]) {
      expect(await refusalOf(op())).toEqual({ code: 'api_key_scope', status: 403 });
    }
    expect((await integrator.balance()).drMills).toBe(100_000n - 1230n);
  });

  it('keeps management to a session: key listing, profile, bank accounts and logout refuse a key', async () => {
    const headers = bearer(key.apiKey);
    for (const [method, path] of [
      ['GET', '/v1/api-keys'],
      ['GET', '/v1/profile'],
      ['GET', '/v1/bank-accounts'],
      ['DELETE', '/v1/sessions'],
    ] as const) {
      const res = await fetch(`${sys.url}${path}`, { method, headers });
      const json = (await res.json()) as LooseJson;
      expect({ path, status: res.status, code: json.code, scope: json.scope }).toEqual({ path, status: 403, code: 'api_key_scope', scope: 'manage' });
    }
    // Reads within the balance scope work.
    expect((await get(sys.url, '/v1/items', headers)).status).toBe(200);
    expect((await get(sys.url, `/v1/meters/${ann.meterId}/transactions`, headers)).status).toBe(200);
  });

  it('needs the client MAC still: a good key with a wrong MAC is bad_mac, and changes nothing', async () => {
    const before = await counts();
    const { answer } = await rawWith(integrator, key.apiKey, 'print', printParams('730'), (b) => {
      b.mac = '00'.repeat(32);
    });
    expect({ status: answer.status, code: answer.json.code }).toEqual({ status: 401, code: 'bad_mac' });
    expect(await counts()).toEqual(before);
    expect((await integrator.balance()).drMills).toBe(100_000n - 1230n);
  });

  it('refuses a replayed request made with the key: its challenge is spent', async () => {
    const { body, answer } = await rawWith(integrator, key.apiKey, 'print', printParams('730'));
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    await adopt(answer);
    const before = await counts();
    const replay = await post(sys.url, `/v1/meters/${ann.meterId}/print`, body, bearer(key.apiKey));
    expect({ status: replay.status, code: replay.json.code }).toEqual({ status: 409, code: 'challenge_mismatch' });
    expect(await counts()).toEqual(before);
  });

  it("refuses another customer's meter with a key, and leaves it untouched", async () => {
    const registersOf = (b: { arMills: bigint; drMills: bigint }) => ({ arMills: b.arMills, drMills: b.drMills });
    const bobBefore = registersOf(await bob.balance());
    const { body } = await integrator.buildRequest('print', printParams('730'));
    const res = await post(sys.url, `/v1/meters/${bob.meterId}/print`, body, bearer(key.apiKey));
    expect({ status: res.status, code: res.json.code }).toEqual({ status: 403, code: 'forbidden' });
    expect(registersOf(await bob.balance())).toEqual(bobBefore);
    // Ann's own challenge was not spent either (the request went to Bob's meter, whose MAC it fails).
    expect((await integrator.balance()).drMills).toBe(100_000n - 1960n);
  });

  it('a revoked key is 401 api_key_invalid, and changes nothing; a key may revoke only itself', async () => {
    const second = await ann.createApiKey({ scopes: ['print'] });
    const other = MeterClient.fromApiKey(diskProfiles, integratorProfile, second.apiKey);
    expect(await refusalOf(revokeApiKey(other, key.keyId))).toEqual({ code: 'api_key_scope', status: 403 });
    const revoked = await revokeApiKey(other, second.keyId);
    expect(revoked).toMatchObject({ keyId: second.keyId, revokedAt: expect.any(String) });
    const before = await counts();
    const { answer } = await rawWith(integrator, second.apiKey, 'print', printParams('730'));
    expect({ status: answer.status, code: answer.json.code }).toEqual({ status: 401, code: 'api_key_invalid' });
    expect(await refusalOf(revokeApiKey(other, second.keyId))).toEqual({ code: 'api_key_invalid', status: 401 });
    expect(await refusalOf(revokeApiKey(ann, second.keyId))).toEqual({ code: 'not_found', status: 404 });
    expect(await counts()).toEqual(before);
    // A session revokes any of the customer's keys; another customer's is not found.
    expect(await refusalOf(revokeApiKey(bob, key.keyId))).toEqual({ code: 'not_found', status: 404 });
    const listed = await listApiKeys(ann);
    expect(listed.find((k) => k.keyId === second.keyId)?.revokedAt).toEqual(revoked.revokedAt);
  });

  it('an expired key, an unknown one and a malformed one are 401 api_key_invalid', async () => {
    const soon = await ann.createApiKey({ scopes: ['balance'], expiresInDays: 1 });
    expect(soon.expiresAt).toMatch(/Z$/);
    const fine = MeterClient.fromApiKey(diskProfiles, integratorProfile, soon.apiKey);
    await fine.balance();
    await db.query("UPDATE membership.api_keys SET expires_at = now() - interval '1 second' WHERE key_id = $1", [soon.keyId]);
    await new Promise((r) => setTimeout(r, 1100)); // past the key cache
    const before = await counts();
    expect(await refusalOf(fine.balance())).toEqual({ code: 'api_key_invalid', status: 401 });
    const forged = `${soon.apiKey.slice(0, -4)}AAAA`;
    const unknown = `vm_${randomUUID().replace(/-/g, '')}_${randomBytes(32).toString('base64url')}`;
    for (const k of [forged, unknown, 'vm_short', `${key.apiKey}x`]) {
      const res = await get(sys.url, '/v1/items', bearer(k));
      expect({ k, status: res.status, code: res.json.code }).toEqual({ k, status: 401, code: 'api_key_invalid' });
    }
    expect(await counts()).toEqual(before);
  });

  it(`bounds a customer's live keys at ${MAX_API_KEYS_PER_CUSTOMER} and their creation rate; each refusal spends the challenge`, async () => {
    const cy = await MeterClient.register(diskProfiles, sys.url, 'cy', PW);
    // Fill up to the bound directly: the creation rate (a burst of 5) would stop the SDK first.
    for (let i = 0; i < MAX_API_KEYS_PER_CUSTOMER; i++) {
      await db.query("INSERT INTO membership.api_keys (key_id, meter_id, key_sha256, scopes, created_at) VALUES ($1, $2, $3, '{balance}', now())", [
        randomUUID(),
        cy.meterId,
        randomBytes(32),
      ]);
    }
    const before = await counts();
    expect(await refusalOf(cy.createApiKey({ scopes: ['print'] }))).toEqual({ code: 'too_many_api_keys', status: 409 });
    expect((await counts()).keys).toBe(before.keys);
    const [first] = await listApiKeys(cy);
    await revokeApiKey(cy, first!.keyId);
    await cy.createApiKey({ scopes: ['print'] });
    for (let i = 2; i < API_KEY_CREATE_RATE_BURST; i++) expect((await refusalOf(cy.createApiKey({ scopes: ['print'] }))).code).toBe('too_many_api_keys');
    expect(await refusalOf(cy.createApiKey({ scopes: ['print'] }))).toEqual({ code: 'rate_limited', status: 429 });
    // Every refusal went to the module and spent its challenge: the client is still in step.
    expect((await cy.balance()).drMills).toBe(0n);
  });

  it('the CLI creates (shown once, with a warning), lists and revokes, and uses a key in place of a session', async () => {
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => sys.cli(['client', ...args, '--user', 'bob'], env);
    const made = await cli(['api-keys', 'create', '--scope', 'balance,print', '--expires-days', '30']);
    expect(made.code, made.stderr).toBe(0);
    const text = made.stdout.trim().split('\n')[0]!;
    expect(text).toMatch(/^vm_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(made.stdout).toContain('only time the key is shown');
    const list = await cli(['api-keys', 'list', '--json']);
    expect(list.json.apiKeys).toHaveLength(1);
    expect(list.stdout).not.toContain(secretOf(text));
    const sessions = (await counts()).sessions;
    const viaKey = await cli(['balance', '--json'], { VAULTMETER_API_KEY: text, VAULTMETER_PASSWORD: PW });
    expect(viaKey.code, viaKey.stderr).toBe(0);
    expect(viaKey.json.drMills).toBe('100000');
    expect((await counts()).sessions).toBe(sessions);
    const manage = await cli(['api-keys', 'list', '--json'], { VAULTMETER_API_KEY: text });
    expect(manage.code).toBe(1);
    expect(manage.json.error.code).toBe('api_key_scope');
    const revoked = await cli(['api-keys', 'revoke', list.json.apiKeys[0].keyId, '--json']);
    expect(revoked.json.revokedAt).toEqual(expect.any(String));
    const after = await cli(['balance', '--json'], { VAULTMETER_API_KEY: text });
    expect(after.json.error.code).toBe('api_key_invalid');
  });
});
