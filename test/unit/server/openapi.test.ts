import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/server/app.js';
import type { ServerContext } from '../../../src/server/context.js';
import { createMetrics } from '../../../src/services/index.js';
import type { LooseJson } from '../../helpers/loose-json.js';

// The document a typed client for the web app is generated from. Registering routes reads nothing
// from the context but its metrics (every answer is measured), so that is all it holds.
describe('/openapi.json', () => {
  let app: FastifyInstance;
  let doc: LooseJson;
  beforeAll(async () => {
    app = await buildApp({ metrics: createMetrics() } as ServerContext);
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => app.close());

  const operations = () =>
    Object.entries<Record<string, LooseJson>>(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );

  it('lists every route, each with a 200 (or, creating, 201) schema and the shared Problem for 4xx and 5xx', () => {
    const ops = operations();
    expect(ops).toHaveLength(67);
    for (const { route, op } of ops) {
      // The metrics are Prometheus text, a receipt or an invoice a PDF, every other answer a JSON object.
      if (route === 'GET /metrics') expect(op.responses['200']?.content?.['text/plain']?.schema?.type, route).toBe('string');
      else if (route.endsWith('/receipt') || route.endsWith('/pdf'))
        expect(op.responses['200']?.content?.['application/pdf']?.schema, route).toMatchObject({ type: 'string', format: 'binary' });
      else expect((op.responses['200'] ?? op.responses['201'])?.content?.['application/json']?.schema?.type, route).toBe('object');
      for (const range of ['4XX', '5XX']) {
        expect(op.responses[range]?.content?.['application/problem+json']?.schema, `${route} ${range}`).toEqual({ $ref: '#/components/schemas/Problem' });
      }
    }
  });

  it('documents the CSV export of the history listings beside their JSON page', () => {
    for (const path of ['/v1/items', '/v1/meters/{meterId}/transactions']) {
      const ok = doc.paths[path].get.responses['200'].content;
      expect(ok['text/csv']?.schema?.type, path).toBe('string');
      expect(ok['application/json']?.schema?.properties?.next, path).toMatchObject({ type: 'string', nullable: true });
    }
  });

  it('answers 201 for a bank account added, and never names an account number in an answer', () => {
    expect(Object.keys(doc.paths['/v1/bank-accounts'].post.responses)).toEqual(['201', '4XX', '5XX']);
    for (const method of ['get', 'post']) {
      const answer = JSON.stringify(doc.paths['/v1/bank-accounts'][method].responses);
      expect(answer).not.toContain('accountNumber');
      expect(answer).toContain('last4');
    }
  });

  it('takes an Idempotency-Key for a bank account added', () => {
    const params = doc.paths['/v1/bank-accounts'].post.parameters as LooseJson[];
    expect(params).toEqual([expect.objectContaining({ in: 'header', name: 'idempotency-key', required: false })]);
    expect(params[0].schema.pattern).toBe('^[A-Za-z0-9._:-]{1,128}$');
  });

  it('never names an API key hash in an answer', () => {
    for (const [path, method] of [
      ['/v1/api-keys', 'get'],
      ['/v1/api-keys/{keyId}', 'delete'],
      ['/v1/meters/{meterId}/{op}', 'post'],
    ] as const) {
      const answer = JSON.stringify(doc.paths[path][method].responses);
      expect(answer, path).not.toMatch(/keyHash|sha256/i);
    }
    expect(JSON.stringify(doc.paths['/v1/api-keys'].get.responses)).toContain('lastUsedAt');
  });

  it('defines Problem as RFC 9457 with the stable code, open to extra members', () => {
    const problem = doc.components.schemas.Problem;
    expect(problem.required).toEqual(['type', 'title', 'status', 'code', 'detail']);
    expect(problem.additionalProperties).toBe(true);
  });

  it('uses only OpenAPI 3.0 keywords (nullable, not null types; no patternProperties)', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toContain('patternProperties');
    expect(text).not.toContain('"type":"null"');
    expect(text).not.toContain('"anyOf":[{"type":"string"},{"type":"null"}]');
  });
});
