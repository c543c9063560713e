import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PLAN_IDS } from '../../payments/index.js';
import { currentPlan, invoiceDocument, listInvoices, planCatalogue, runBilling, selectPlan } from '../../services/index.js';
import { requireCustomer, requireOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { answers, MeterId } from '../schemas.js';
import { BillingRun, Invoices, Plan, Plans } from '../responses.js';

// Pricing plans and monthly invoices: the catalogue is public, a customer's plan and invoices are
// the session's (manage: no API key), and an officer runs the billing of a month that is over.

const InvoicePdf = { description: 'The invoice, a one-page PDF', content: { 'application/pdf': { schema: Type.String({ format: 'binary' }) } } };

export function billingRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/plans',
      { schema: { summary: 'The pricing plans: a monthly fee and a fee per label', tags: ['billing'], response: answers(Plans) } },
      async () => ({
        plans: planCatalogue(),
      }),
    );

    app.get(
      '/v1/plan',
      { schema: { summary: "The customer's pricing plan", tags: ['billing'], security: [{ session: [] }], response: answers(Plan) } },
      async (request) => currentPlan(ctx, await requireCustomer(ctx.db, request, 'manage')),
    );

    app.put(
      '/v1/plan',
      {
        schema: {
          summary: 'Choose a pricing plan; it applies from the next invoice',
          tags: ['billing'],
          security: [{ session: [] }],
          body: Type.Object({ plan: Type.Union(PLAN_IDS.map((p) => Type.Literal(p))) }, { additionalProperties: false }),
          response: answers(Plan),
        },
      },
      async (request) => selectPlan(ctx, await requireCustomer(ctx.db, request, 'manage'), request.body.plan),
    );

    app.get(
      '/v1/invoices',
      { schema: { summary: "The customer's invoices, newest month first", tags: ['billing'], security: [{ session: [] }], response: answers(Invoices) } },
      async (request) => ({ invoices: await listInvoices(ctx, await requireCustomer(ctx.db, request, 'manage')) }),
    );

    app.get(
      '/v1/invoices/:invoiceId/pdf',
      {
        schema: {
          summary: 'An invoice as a PDF',
          tags: ['billing'],
          security: [{ session: [] }],
          params: Type.Object({ invoiceId: MeterId }),
          response: { ...answers(Type.String()), 200: InvoicePdf },
        },
      },
      async (request, reply) => {
        const pdf = await invoiceDocument(ctx, await requireCustomer(ctx.db, request, 'manage'), request.params.invoiceId);
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="invoice-${request.params.invoiceId}.pdf"`)
          .send(Buffer.from(pdf));
      },
    );

    app.post(
      '/v1/admin/billing/run',
      {
        schema: {
          summary: 'Invoice every customer for a month that is over (a customer invoiced already is skipped)',
          tags: ['billing'],
          body: Type.Object({ month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }) }, { additionalProperties: false }),
          response: answers(BillingRun),
        },
      },
      async (request) => {
        await requireOfficer(ctx.db, request);
        return runBilling(ctx, request.body.month);
      },
    );
  };
}
