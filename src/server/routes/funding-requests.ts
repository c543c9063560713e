import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fail } from '../../errors.js';
import { fundingReceipt, listFunding } from '../../services/index.js';
import { requireCustomer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { FundingRequests } from '../responses.js';
import { answers, MeterId } from '../schemas.js';

// The customer's ACH funding requests, where each stands, and the receipt of each that settled. A funding request itself is a meter
// command (POST /v1/meters/{meterId}/fund_request), MAC'd like a print.

const ReceiptPdf = { description: 'The receipt, a one-page PDF', content: { 'application/pdf': { schema: Type.String({ format: 'binary' }) } } };

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

    app.get(
      '/v1/meters/:meterId/funding-requests/:requestId/receipt',
      {
        schema: {
          summary: 'The PDF receipt of a funding that settled',
          tags: ['payments'],
          security: [{ session: [] }],
          params: Type.Object({ meterId: MeterId, requestId: Type.String({ pattern: '^[0-9a-f]{32}$' }) }),
          response: { ...answers(Type.String()), 200: ReceiptPdf },
        },
      },
      async (request, reply) => {
        const session = await requireCustomer(ctx.db, request, 'balance');
        if (session.meterId !== request.params.meterId) fail('not_found', 'no such meter');
        const pdf = await fundingReceipt(ctx, session, request.params.requestId);
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="receipt-${request.params.requestId}.pdf"`)
          .send(Buffer.from(pdf));
      },
    );
  };
}
