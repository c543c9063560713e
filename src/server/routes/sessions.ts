import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fail } from '../../errors.js';
import { repo } from '../../store/index.js';
import { endSessions, openSession } from '../auth.js';
import type { ServerContext } from '../context.js';
import { runIdempotent } from '../idempotency.js';
import { runMeterCommand } from '../meter-command.js';
import { CHALLENGE_RATE_BURST, CHALLENGE_RATE_PER_SEC } from '../../constants.js';
import { onMeter } from '../module-tx.js';
import { RateLimiter } from '../rate-limit.js';
import { answers, CommandBody, Hex32, Username } from '../schemas.js';
import { Challenge, LoggedIn } from '../responses.js';

async function registeredCustomer(ctx: ServerContext, user: string) {
  const c = await repo.findCustomer(ctx.db, user);
  // One answer for an unknown and an unregistered user: no user enumeration.
  if (!c?.registeredAt) fail('invalid_credentials', 'unknown user, or registration not completed');
  return c;
}

/** Login: the module checks the password inside the package; the server only opens the session it vouches for. */
export function sessionRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  // Anyone may ask for a login challenge, and each one is a module transaction (a ring entry).
  const limiter = new RateLimiter(CHALLENGE_RATE_PER_SEC, CHALLENGE_RATE_BURST);
  return async (app) => {
    app.post(
      '/v1/sessions/challenge',
      {
        schema: {
          summary: 'Get a fresh module challenge for login (MAC-bound to the client nonce)',
          tags: ['sessions'],
          body: Type.Object({ user: Username, clientNonce: Hex32 }, { additionalProperties: false }),
          response: answers(Challenge),
        },
      },
      async (request) => {
        limiter.take(request.ip);
        const customer = await registeredCustomer(ctx, request.body.user);
        return onMeter(ctx, 'challenge', customer.meterId, () => ({ clientNonce: request.body.clientNonce }), async (_tx, r, meter) => ({
          meterId: meter.meterId,
          response: r.response,
          responseMac: r.responseMac,
        }));
      },
    );

    app.post(
      '/v1/sessions',
      {
        schema: {
          summary: 'Log in: the password travels sealed to the module; 5 failures lock the meter',
          tags: ['sessions'],
          body: Type.Object({ user: Username, ...CommandBody.properties }, { additionalProperties: false }),
          response: answers(LoggedIn),
        },
      },
      async (request, reply) => {
        const { user, ...command } = request.body;
        const customer = await registeredCustomer(ctx, user);
        return runIdempotent(ctx.db, request, reply, `login:${customer.customerId}`, (remember) =>
          runMeterCommand(
            ctx,
            customer.meterId,
            { ...command, op: 'login' },
            remember,
            async (tx) => ({ session: await openSession(tx, customer.customerId) }),
            // A failed check ends every session of this customer.
            async (tx) => endSessions(tx, customer.customerId),
          ),
          { challengeProtected: true },
        );
      },
    );
  };
}
