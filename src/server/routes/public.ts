import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { logStatus } from './operations.js';
import { fail } from '../../errors.js';
import { repo } from '../../store/index.js';
import type { ServerContext } from '../context.js';
import { answers, MeterId } from '../schemas.js';
import { CaCertificate, Health, MeterCertificate } from '../responses.js';

/** Public, cacheable material: anyone may verify items with it, offline. */
export function publicRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/v1/health', { schema: { summary: 'Liveness and module reachability', tags: ['public'], response: answers(Health) } }, async () => {
      const system = await repo.systemState(ctx.db);
      const log = await logStatus(ctx);
      return {
        status: system.halted ? 'halted' : 'ok',
        halted: system.halted,
        modules: ctx.modules.modules.length,
        durability: log.durability,
        shippingLagMs: log.lagMs,
      };
    });

    app.get('/v1/ca', { schema: { summary: 'The installation CA certificate', tags: ['public'], response: answers(CaCertificate) } }, async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=3600');
      return { certificatePem: ctx.caCertPem };
    });

    app.get(
      '/v1/meters/:meterId/certificate',
      {
        schema: { summary: "A meter's signing certificate", tags: ['public'], params: Type.Object({ meterId: MeterId }), response: answers(MeterCertificate) },
      },
      async (request, reply) => {
        const meter = await repo.getMeter(ctx.db, request.params.meterId);
        if (!meter) fail('not_found', 'no such meter');
        reply.header('cache-control', 'public, max-age=3600');
        const status = await repo.getMeterStatus(ctx.db, meter.meterId);
        return { meterId: meter.meterId, certSerialHex: meter.certSerial, certificatePem: meter.certificatePem, status: status?.status ?? 'active' };
      },
    );
  };
}
