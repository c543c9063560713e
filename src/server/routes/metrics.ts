import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { scrapeMetrics } from '../../services/index.js';
import { requireOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { answers } from '../schemas.js';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/** The 200 answer: Prometheus text format, not JSON. */
const MetricsText = { description: 'Prometheus text format (docs/METRICS.md)', content: { 'text/plain': { schema: Type.String() } } };

/** `/metrics` on the main listener: any officer may read it (HTTP Basic), as the other operations reads. */
export function metricsRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          summary: "The server's metrics in Prometheus text format (see docs/METRICS.md)",
          tags: ['operations'],
          response: { ...answers(Type.String()), 200: MetricsText },
        },
      },
      async (request, reply) => {
        await requireOfficer(ctx.db, request);
        const text = await scrapeMetrics(ctx);
        return reply.type(PROMETHEUS_TEXT).send(text);
      },
    );
  };
}

/**
 * The optional scrape listener (`VAULTMETER_METRICS_PORT`): `GET /metrics` without credentials,
 * for a Prometheus on the same host. Bound to 127.0.0.1 only by the caller; it serves nothing else.
 */
export async function buildMetricsListener(ctx: ServerContext): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) => reply.type(PROMETHEUS_TEXT).send(await scrapeMetrics(ctx)));
  await app.ready();
  return app;
}
