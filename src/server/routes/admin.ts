import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fail } from '../../errors.js';
import { parseMills } from '../../money.js';
import { repo } from '../../store/index.js';
import { savePackage, sealedRef } from '../packages.js';
import { requireOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { runIdempotent } from '../idempotency.js';
import { AmountMills, Username } from '../schemas.js';

async function customerMeter(ctx: ServerContext, user: string) {
  const c = await repo.findCustomer(ctx.db, user);
  if (!c?.registeredAt) fail('not_found', `no registered customer ${user}`);
  const meter = (await repo.getMeter(ctx.db, c.meterId))!;
  return { customer: c, meter, pkg: sealedRef(meter) };
}

/** Operator commands: HTTP Basic with an officer account; every action is recorded. */
export function adminRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/admin/fund',
      {
        schema: {
          summary: "Credit a customer's meter (the patent's postage value download)",
          tags: ['admin'],
          body: Type.Object({ user: Username, amountMills: AmountMills }, { additionalProperties: false }),
        },
      },
      async (request, reply) => {
        const officer = await requireOfficer(ctx.db, request);
        const amountMills = parseMills(request.body.amountMills);
        const { customer, meter, pkg } = await customerMeter(ctx, request.body.user);
        return runIdempotent(ctx.db, request, reply, `officer:${officer}`, async () => {
          const r = await ctx.modules.call('fund', { pkg, amountMills: amountMills.toString() });
          const body = { user: customer.username, meterId: meter.meterId, amountMills: amountMills.toString(), arMills: r.arMills, drMills: r.drMills, controlTotalMills: r.controlTotalMills };
          return {
            status: 200,
            body,
            write: async (tx) => {
              await savePackage(tx, meter, r.package);
              await repo.recordOperatorAction(tx, officer, 'fund', meter.meterId, { amountMills: amountMills.toString() });
            },
          };
        });
      },
    );

    app.post(
      '/v1/admin/audit',
      {
        schema: {
          summary: "A module-signed status report of a customer's meter (device audit)",
          tags: ['admin'],
          body: Type.Object({ user: Username }, { additionalProperties: false }),
        },
      },
      async (request, reply) => {
        const officer = await requireOfficer(ctx.db, request);
        const { meter, pkg } = await customerMeter(ctx, request.body.user);
        return runIdempotent(ctx.db, request, reply, `officer:${officer}`, async () => {
          const r = await ctx.modules.call('audit', { pkg });
          return {
            status: 200,
            body: { report: r.fields, reportBase64: r.report, signatureDerHex: r.signature, moduleCertificatePem: r.moduleCertPem },
            write: async (tx) => {
              await savePackage(tx, meter, r.package);
              await repo.recordOperatorAction(tx, officer, 'audit', meter.meterId, {});
            },
          };
        });
      },
    );
  };
}
