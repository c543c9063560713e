import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CHALLENGE_RATE_BURST, CHALLENGE_RATE_PER_SEC } from '../../constants.js';
import { customerForLogin, endSession, login, loginChallenge, spendRefused } from '../../services/index.js';
import { authenticateCustomer, bearerToken, loginName, requireScope } from '../auth.js';
import type { ServerContext } from '../context.js';
import { runIdempotent } from '../idempotency.js';
import { RateLimiter } from '../rate-limit.js';
import { answers, CommandBody, Hex32, LoginName } from '../schemas.js';
import { Challenge, LoggedIn, LoggedOut } from '../responses.js';

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
          body: Type.Object({ user: LoginName, clientNonce: Hex32 }, { additionalProperties: false }),
          response: answers(Challenge),
        },
      },
      async (request) => {
        limiter.take(request.ip);
        return loginChallenge(ctx, loginName(request.body.user), request.body.clientNonce);
      },
    );

    app.post(
      '/v1/sessions',
      {
        schema: {
          summary: 'Log in: the password travels sealed to the module; 5 failures lock the meter',
          tags: ['sessions'],
          body: Type.Object({ user: LoginName, ...CommandBody.properties }, { additionalProperties: false }),
          response: answers(LoggedIn),
        },
      },
      async (request, reply) => {
        const { user, ...command } = request.body;
        const account = await customerForLogin(ctx, loginName(user));
        const member = account.member !== null ? { member: account.member } : {};
        const input = { ...command, op: 'login', ...member };
        const scope = account.member !== null ? `login:${account.customerId}:${account.member}` : `login:${account.customerId}`;
        return runIdempotent(ctx.db, request, reply, scope, (remember) => login(ctx, account, input, remember), {
          spend: (why) => spendRefused(ctx, account.meterId, input, why),
        });
      },
    );

    app.delete(
      '/v1/sessions',
      {
        schema: {
          summary: 'Log out: end the session of this bearer token on the server',
          tags: ['sessions'],
          security: [{ session: [] }],
          response: answers(LoggedOut),
        },
      },
      async (request) => {
        // Checked first, so that an unknown or expired token is told so. Any session (a member's too) may
        // end itself; an API key is not a session (revoke it instead).
        const caller = await authenticateCustomer(ctx.db, request);
        if (caller.apiKey) requireScope(caller, 'manage');
        await endSession(ctx.db, bearerToken(request));
        return { loggedOut: true };
      },
    );
  };
}
