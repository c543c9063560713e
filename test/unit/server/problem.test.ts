import { Writable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { VaultError } from '../../../src/errors.js';
import { installProblemHandlers } from '../../../src/server/problem.js';
import { CommandDone, RegistrationDone } from '../../../src/server/responses.js';
import { answers, Problem } from '../../../src/server/schemas.js';

const SECRET = 'hunter2-correct-horse';

/** A Fastify app with the real problem handlers and response schemas, logging into `lines`. */
async function appLoggingTo(lines: Record<string, unknown>[]) {
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const app = Fastify({ logger: { level: 'info', stream } }).withTypeProvider<TypeBoxTypeProvider>();
  installProblemHandlers(app);
  app.addSchema(Problem);
  const schema = { response: answers(CommandDone) };
  app.post('/unknown', { schema }, async () => {
    throw new Error('the disk is on fire');
  });
  app.post('/unavailable', { schema }, async () => {
    throw new VaultError('module_unavailable', 'module call command timed out');
  });
  app.post('/refused', { schema }, async () => {
    throw new VaultError('stale_registers', 'the registers differ', { response: moduleAnswer, responseMac: 'ab'.repeat(32), arMills: '5' });
  });
  app.post('/answered', { schema }, async (_req, reply) => {
    // As runIdempotent sends a module refusal it cannot name, or a stored 5xx answer.
    return reply.code(500).type('application/problem+json').send({ type: 'x', title: 'Internal error', status: 500, code: 'internal', detail: 'refused' });
  });
  app.post('/done', { schema: { response: answers(RegistrationDone) } }, async () => doneAnswer);
  await app.ready();
  return app;
}

const moduleAnswer = {
  op: 'print',
  meterId: '6f1c2a9e-0000-4000-8000-000000000001',
  requestMac: 'cd'.repeat(32),
  status: 'ok',
  arMills: '730',
  drMills: '9270',
  controlTotalMills: '10000',
  nextChallenge: 'ef'.repeat(32),
  result: { itemId: '0'.repeat(32), itemSerial: '1' },
  // A member a later module version may add: it is under the MAC, so it must survive.
  addedLater: 'x',
};
const doneAnswer = { response: moduleAnswer, responseMac: '12'.repeat(32), session: { token: 't'.repeat(43), expiresAt: '2026-01-01T00:00:00.000Z' } };

const post = (app: Awaited<ReturnType<typeof appLoggingTo>>, url: string) =>
  app.inject({
    method: 'POST',
    url: `${url}?q=1`,
    headers: { authorization: `Basic ${Buffer.from(`op:${SECRET}`).toString('base64')}` },
    payload: { password: SECRET },
  });

describe('problem answers and the 5xx log', () => {
  let app: Awaited<ReturnType<typeof appLoggingTo>> | null = null;
  afterEach(async () => app?.close());

  it('logs an unknown error with the request, answers internal, and leaks nothing', async () => {
    const lines: Record<string, unknown>[] = [];
    app = await appLoggingTo(lines);
    const res = await post(app, '/unknown');
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'internal', status: 500, type: 'https://vaultmeter.dev/problems/internal', title: 'Internal error' });
    expect(res.body).not.toContain('fire');
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ method: 'POST', url: '/unknown?q=1', route: '/unknown', code: 'internal', reqId: expect.any(String) });
    expect((errors[0]!.err as { message: string }).message).toBe('the disk is on fire');
    expect((errors[0]!.err as { stack: string }).stack).toContain('problem.test.ts');
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(JSON.stringify(lines)).not.toContain(Buffer.from(`op:${SECRET}`).toString('base64'));
  });

  it('logs a VaultError with a 5xx status too, and answers its own code', async () => {
    const lines: Record<string, unknown>[] = [];
    app = await appLoggingTo(lines);
    const res = await post(app, '/unavailable');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      type: 'https://vaultmeter.dev/problems/module_unavailable',
      title: 'No cryptographic module is available',
      status: 503,
      code: 'module_unavailable',
      detail: 'module call command timed out',
      instance: '/unavailable?q=1',
    });
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ method: 'POST', url: '/unavailable?q=1', code: 'module_unavailable', reqId: expect.any(String) });
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it('logs a 5xx that was answered rather than thrown, once', async () => {
    const lines: Record<string, unknown>[] = [];
    app = await appLoggingTo(lines);
    expect((await post(app, '/answered')).statusCode).toBe(500);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ method: 'POST', url: '/answered?q=1', route: '/answered', statusCode: 500, reqId: expect.any(String) });
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it('does not log a 4xx as an error, and keeps its extra members through the Problem schema', async () => {
    const lines: Record<string, unknown>[] = [];
    app = await appLoggingTo(lines);
    const res = await post(app, '/refused');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'stale_registers', arMills: '5', responseMac: 'ab'.repeat(32) });
    expect(res.json().response).toEqual(moduleAnswer);
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it("passes a module's MAC'd answer through the response schema member for member", async () => {
    app = await appLoggingTo([]);
    const res = await post(app, '/done');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(doneAnswer);
  });
});
