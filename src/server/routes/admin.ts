import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseMills } from '../../money.js';
import { audit, fund, registeredCustomer, revokeMeter, unlockMeter } from '../../services/index.js';
import { requireCareOfficer, requireOfficer, requireSecurityOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { runIdempotent } from '../idempotency.js';
import { AmountMills, answers, OfficerAuthorization, Username } from '../schemas.js';
import { DeviceAudit, Funded, Revoked, Unlocked } from '../responses.js';

/** Operator commands: HTTP Basic with an officer account; every action is recorded. */
export function adminRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/admin/fund',
      {
        schema: {
          summary: "Credit a customer's meter (the patent's postage value download)",
          tags: ['admin'],
          body: Type.Object({ user: Username, amountMills: AmountMills, authorization: Type.Optional(OfficerAuthorization) }, { additionalProperties: false }),
          response: answers(Funded),
        },
      },
      async (request, reply) => {
        const officer = await requireOfficer(ctx.db, request);
        const amountMills = parseMills(request.body.amountMills);
        const customer = await registeredCustomer(ctx, request.body.user);
        return runIdempotent(ctx.db, request, reply, `officer:${officer}`, (remember) =>
          fund(ctx, officer, customer, amountMills, request.body.authorization, remember),
        );
      },
    );

    app.post(
      '/v1/admin/revoke',
      {
        schema: {
          summary: "Revoke a customer's meter: its items stop verifying, and it runs no more commands",
          tags: ['admin'],
          body: Type.Object(
            {
              user: Username,
              reason: Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x20-\\x7e]*$' }),
              authorization: Type.Optional(OfficerAuthorization),
            },
            { additionalProperties: false },
          ),
          response: answers(Revoked),
        },
      },
      async (request) => {
        const officer = await requireSecurityOfficer(ctx.db, request);
        const { meterId } = await revokeMeter(ctx, officer, request.body.user, request.body.reason, request.body.authorization);
        return { meterId, status: 'revoked', reason: request.body.reason };
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
        return runIdempotent(ctx.db, request, reply, `officer:${officer}`, (remember) => audit(ctx, officer, customer, remember));
      },
    );
  };
}

/** Unlocking a customer's meter (customer care or a security officer). */
export function meterCareRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/admin/unlock',
      {
        schema: {
          summary: 'Return a locked meter to service (a support agent or security officer signs it; the module checks the signature)',
          tags: ['admin'],
          body: Type.Object({ user: Username, authorization: Type.Optional(OfficerAuthorization) }, { additionalProperties: false }),
          response: answers(Unlocked),
        },
      },
      async (request) => {
        const officer = await requireCareOfficer(ctx.db, request);
        return unlockMeter(ctx, officer, request.body.user, request.body.authorization);
      },
    );
  };
}
