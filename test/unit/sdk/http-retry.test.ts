import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, callApi } from '../../../src/sdk/index.js';

interface Seen {
  key: string | undefined;
  body: string;
}

/** A real HTTP server that answers each request with the next planned answer, and records what it got. */
async function serve(plan: { status: number; body: Record<string, unknown>; retryAfter?: string }[]): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ key: req.headers['idempotency-key'] as string | undefined, body });
      const next = plan[Math.min(seen.length - 1, plan.length - 1)]!;
      res.writeHead(next.status, { 'content-type': 'application/json', ...(next.retryAfter ? { 'retry-after': next.retryAfter } : {}) });
      res.end(JSON.stringify(next.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const unavailable = (code: string, extra: Record<string, unknown> = {}) => ({ status: 503, body: { code, detail: 'not now', ...extra }, retryAfter: '0' });

describe('callApi retries what the server says is briefly unavailable', () => {
  let server: Server | null = null;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('sends the same request again, with the same Idempotency-Key and body, after database_unavailable and module_unavailable', async () => {
    const s = await serve([unavailable('database_unavailable'), unavailable('module_unavailable'), { status: 200, body: { ok: true } }]);
    server = s.server;
    const out = await callApi(s.url, 'POST', '/x', { a: 1 }, { headers: { 'idempotency-key': 'k1' } });
    expect(out).toEqual({ ok: true });
    expect(s.seen).toEqual([
      { key: 'k1', body: '{"a":1}' },
      { key: 'k1', body: '{"a":1}' },
      { key: 'k1', body: '{"a":1}' },
    ]);
  });

  it('gives up after its retries, with the server’s code', async () => {
    const s = await serve([unavailable('database_unavailable')]);
    server = s.server;
    const e = await callApi(s.url, 'POST', '/x', {}, { headers: { 'idempotency-key': 'k2' } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe('database_unavailable');
    expect(s.seen).toHaveLength(6); // the first try and 5 retries
  });

  it('does not resend a request without a key whose commit may have landed', async () => {
    const s = await serve([unavailable('database_unavailable', { committing: true }), { status: 200, body: { ok: true } }]);
    server = s.server;
    const e = await callApi(s.url, 'POST', '/x', {}).catch((x: unknown) => x);
    expect((e as ApiError).code).toBe('database_unavailable');
    expect(s.seen).toHaveLength(1);
  });

  it('does not retry other refusals, nor a 503 without Retry-After', async () => {
    for (const answer of [
      { status: 409, body: { code: 'conflict' } },
      { status: 503, body: { code: 'database_unavailable' } },
    ]) {
      const s = await serve([answer, { status: 200, body: { ok: true } }]);
      const e = await callApi(s.url, 'POST', '/x', {}, { headers: { 'idempotency-key': 'k3' } }).catch((x: unknown) => x);
      await new Promise<void>((r) => s.server.close(() => r()));
      expect((e as ApiError).status).toBe(answer.status);
      expect(s.seen).toHaveLength(1);
    }
  });
});
