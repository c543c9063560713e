import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientErrorProblem, frameworkProblem, installProblemHandlers } from '../../../src/server/problem.js';

/** Raw bytes on their own connection; the whole answer, read until the server closes. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let out = '';
    s.on('connect', () => s.write(Buffer.from(bytes, 'latin1')));
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

const problemOf = (answer: string) => ({
  status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]),
  type: /content-type: ([^\r]+)/i.exec(answer)?.[1],
  body: JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>,
});

// Found by `npm run fuzz`: a request refused before any route runs (Node's HTTP parser, Fastify's
// router) was answered with Fastify's own JSON, not problem JSON with a code.
describe('answers decided before a route runs are problem JSON', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    app = Fastify({ frameworkErrors: frameworkProblem, clientErrorHandler: clientErrorProblem });
    installProblemHandlers(app);
    app.get('/v1/meters/:meterId/certificate', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(() => app.close());

  it('a NUL or a bare CR in a header: 400 invalid_request', async () => {
    for (const header of ['authorization: Bearer abc\u0000def', 'authorization: Basic \r\u0000', 'idempotency-key: x\u0001y']) {
      const p = problemOf(await raw(port, `GET /v1/meters/x/certificate HTTP/1.1\r\nhost: h\r\n${header}\r\n\r\n`));
      expect(p).toMatchObject({ status: 400, type: 'application/problem+json', body: { code: 'invalid_request', status: 400 } });
    }
  });

  it('a path that is not valid percent-encoding, a path parameter over the limit: 400 invalid_request', async () => {
    for (const path of ['/v1/meters/%E0%A4%A/certificate', `/v1/meters/${'A'.repeat(300)}/certificate`]) {
      const res = await app.inject({ method: 'GET', url: path });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: 'invalid_request', status: 400 });
    }
  });
});
