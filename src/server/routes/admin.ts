import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fail } from '../../errors.js';
import { parseMills } from '../../money.js';
import { inTransaction, repo } from '../../store/index.js';
import { onMeter } from '../module-tx.js';
import { loggedOrNoted } from '../log-action.js';
import { requireOfficer, requireSecurityOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { runIdempotent } from '../idempotency.js';
import { AmountMills, answers, Username } from '../schemas.js';
import { DeviceAudit, Funded, Revoked } from '../responses.js';

async function registeredCustomer(ctx: ServerContext, user: string) {
  const c = await repo.findCustomer(ctx.db, user);
  if (!c?.registeredAt) fail('not_found', `no registered customer ${user}`);
  return c;
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
          response: answers(Funded),
        },
      },
      async (request, reply) => {
        const officer = await requireOfficer(ctx.db, request);
        const amountMills = parseMills(request.body.amountMills);
        const customer = await registeredCustomer(ctx, request.body.user);
        return runIdempotent(ctx.db, request, reply, `officer:${officer}`, (remember) => {
          return onMeter(
            ctx,
            'fund',
            customer.meterId,
            () => ({ amountMills: amountMills.toString(), logExtra: { officer } }),
            async (tx, r, meter) => {
              await repo.recordOperatorAction(tx, officer, 'fund', meter.meterId, { amountMills: amountMills.toString() });
              const body = { user: customer.username, meterId: meter.meterId, amountMills: amountMills.toString(), arMills: r.arMills, drMills: r.drMills, controlTotalMills: r.controlTotalMills };
              const answer = { status: 200, body };
              await remember(tx, answer);
              return answer;
            },
          );
        });
      },
    );

    app.post(
      '/v1/admin/revoke',
      {
        schema: {
          summary: "Revoke a customer's meter: its items stop verifying, and it runs no more commands",
          tags: ['admin'],
          body: Type.Object({ user: Username, reason: Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x20-\\x7e]*$' }) }, { additionalProperties: false }),
          response: answers(Revoked),
        },
      },
      async (request) => {
        const officer = await requireSecurityOfficer(ctx.db, request);
        const customer = await registeredCustomer(ctx, request.body.user);
        const { reason } = request.body;
        await loggedOrNoted(ctx, { action: 'meter_revoked', meterId: customer.meterId, detail: { officer, reason } }, async (tx) => {
          await repo.setMeterStatus(tx, customer.meterId, 'revoked', reason);
          await repo.recordOperatorAction(tx, officer, 'revoke', customer.meterId, { reason });
          await repo.recordAudit(tx, { kind: 'meter_revoked', meterId: customer.meterId, actor: officer, detail: { reason } });
        });
        return { meterId: customer.meterId, status: 'revoked', reason: request.body.reason };
      },
    );

    app.post(
      '/v1/admin/audit',
      {
        schema: {
          summary: "A module-signed status report of a customer's meter (device audit)",
          tags: ['admin'],
          body: Type.Object({ user: Username }, { additionalProperties: false }),
          response: answers(DeviceAudit),
        },
      },
      async (request, reply) => {
        const officer = await requireOfficer(ctx.db, request);
        const customer = await registeredCustomer(ctx, request.body.user);
        return runIdempotent(ctx.db, request, reply, `officer:${officer}`, (remember) => {
          return onMeter(
            ctx,
            'audit',
            customer.meterId,
            () => ({ logExtra: { officer } }),
            async (tx, r, meter) => {
              await repo.recordOperatorAction(tx, officer, 'audit', meter.meterId, {});
              const answer = { status: 200, body: { report: r.fields, reportBase64: r.report, signatureDerHex: r.signature, moduleCertificatePem: r.moduleCertPem } };
              await remember(tx, answer);
              return answer;
            },
          );
        });
      },
    );
  };
}
