import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fail } from '../../errors.js';
import { listFunding } from '../../services/index.js';
import { requireCustomer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { FundingRequests } from '../responses.js';
import { answers, MeterId } from '../schemas.js';

// The customer's ACH funding requests and where each stands. A funding request itself is a meter
// command (POST /v1/meters/{meterId}/fund_request), MAC'd like a print.

export function fundingRequestRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/meters/:meterId/funding-requests',
      {
        schema: {
          summary: "The meter's ACH funding requests, newest first, and where each stands",
          tags: ['payments'],
          security: [{ session: [] }],
          params: Type.Object({ meterId: MeterId }),
          response: answers(FundingRequests),
        },
      },
      async (request) => {
        const session = await requireCustomer(ctx.db, request, 'balance');
        if (session.meterId !== request.params.meterId) fail('not_found', 'no such meter');
        return { fundingRequests: await listFunding(ctx, request.params.meterId) };
      },
    );
  };
}
