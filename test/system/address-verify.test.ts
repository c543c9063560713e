import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, PUBLIC_RATE_BURST } from '../../src/constants.js';
import { verifyAddressAt } from '../../src/sdk/index.js';
import { startSystem, type TestSystem } from './harness.js';
import { durableDigest, expectProblem, injectApp } from './inject-app.js';

// POST /v1/addresses/verify on a running installation: the built-in matcher behind the real API
// server (SDK and CLI) and behind app.inject (every refusal is problem JSON and changes nothing).
describe('POST /v1/addresses/verify', () => {
  let sys: TestSystem;
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let owner: pg.Client;
  const post = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/addresses/verify', payload: payload as Record<string, unknown> });

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '0' });
    ({ app, close } = await injectApp(sys));
    owner = await sys.ownerDb();
  }, 120_000);
  afterAll(async () => {
    await owner?.end();
    await close?.();
    await sys?.stop();
  });

  it('standardizes and verifies through the server, from the SDK, with no login', async () => {
    const v = await verifyAddressAt(sys.url, { line: '1600 Pennsylvania Avenue Northwest, Washington, District of Columbia 20500' });
    expect(v.status).toBe('verified');
    expect(v.suggestions[0]).toMatchObject({
      match: 'standardized',
      score: 95,
      address: { street: '1600 PENNSYLVANIA AVE NW', city: 'WASHINGTON', state: 'DC', zip5: '20500' },
    });
    expect(v.source).toBe('builtin:zipcodes@8.0.0');
  });

  it('ranks suggestions for a wrong city and a nonexistent ZIP', async () => {
    const wrongCity = (await post({ street: '123 Main St', city: 'Brooklyn', state: 'NY', zip: '10001' })).json();
    expect([wrongCity.status, wrongCity.issues.map((i: { code: string }) => i.code)]).toEqual(['suggested', ['city_mismatch']]);
    expect(wrongCity.suggestions.map((s: { match: string }) => s.match)).toContain('city_corrected');
    const noZip = (await post({ street: '123 Main St', city: 'Springfield', state: 'IL', zip: '62799' })).json();
    expect(noZip.issues.map((i: { code: string }) => i.code)).toEqual(['zip_unknown']);
    expect(noZip.suggestions[0].match).toBe('zip_corrected');
  });

  it('answers the CLI with the ranked list, exit 3 when not verified', async () => {
    const ok = await sys.cli(['address', 'verify', '--server', sys.url, '--json', '350 Fifth Avenue, Floor 34, New York, NY 10118']);
    expect([ok.code, ok.json.status, ok.json.standardized.secondary]).toEqual([0, 'verified', 'FL 34']);
    const human = await sys.cli(['address', 'verify', '--server', sys.url, '--street', '123 Main St', '--city', 'New York', '--state', 'NJ', '--zip', '10001']);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/^SUGGESTED/);
    expect(human.stdout).toContain('1. [ 85] state_corrected     123 MAIN ST NEW YORK NY 10001');
    const bad = await sys.cli(['address', 'verify', '--server', sys.url, '--json']);
    expect([bad.code, bad.json.error.code]).toEqual([1, 'invalid_request']);
  });

  it('refuses malformed queries with problem JSON, changing nothing', async () => {
    const before = await durableDigest(owner);
    for (const body of [
      {},
      { line: '1 Main St, Austin TX', street: '1 Main St' },
      { street: '1 Main St', country: 'US' },
      { street: 42 },
      { street: 'x'.repeat(65) },
      { line: 'x'.repeat(201) },
      { city: 'Austin\u0000' },
    ]) {
      expectProblem(expect, await post(body), 'invalid_request');
    }
    expectProblem(expect, await post({ line: 'x'.repeat(MAX_BODY_BYTES) }), 'body_too_large');
    expect(await durableDigest(owner)).toEqual(before);
  });

  it('is rate-limited per client address like the other public routes', async () => {
    // Batches in parallel, faster than the bucket refills, until it runs dry.
    let limited: Awaited<ReturnType<typeof post>> | undefined;
    for (let batch = 0; batch < 10 && !limited; batch++) {
      const answers = await Promise.all(Array.from({ length: PUBLIC_RATE_BURST / 2 }, () => post({ street: '1 Main St', zip: '78701' })));
      limited = answers.find((r) => r.statusCode === 429);
    }
    expect(limited).toBeDefined();
    expectProblem(expect, limited!, 'rate_limited');
  });
});
