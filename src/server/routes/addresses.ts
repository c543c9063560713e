import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AddressQuery, AddressVerification } from '../../address/index.js';
import { fail } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { RateLimiter } from '../rate-limit.js';
import { answers } from '../schemas.js';

/** A query names its address one way: a free-text line, or fields with at least a street, a city or a ZIP. */
function requireOneForm(q: AddressQuery): void {
  const fields = [q.street, q.secondary, q.city, q.state, q.zip].some((f) => f !== undefined);
  if (q.line !== undefined && fields) fail('invalid_request', 'give the address as `line` or as fields (street, secondary, city, state, zip), not both');
  if (q.line === undefined && !fields) fail('invalid_request', 'give the address as `line` or as fields (street, secondary, city, state, zip)');
}

/**
 * Address verification (the patent's AMS): public like /v1/health, since it reveals nothing of any
 * account, and rate-limited per client address like the other public routes.
 */
export function addressRoutes(ctx: ServerContext, limiter = new RateLimiter()): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/addresses/verify',
      {
        schema: {
          summary: 'Standardize an address (USPS Publication 28) and rank the addresses it may be, by type of match',
          tags: ['public'],
          body: AddressQuery,
          response: answers(AddressVerification),
        },
      },
      async (request) => {
        limiter.take(request.ip);
        requireOneForm(request.body);
        return ctx.addresses.verify(request.body);
      },
    );
  };
}
