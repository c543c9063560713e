import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_ACH_FILES_LISTED, MAX_RETURNS_FILE_BYTES } from '../../constants.js';
import { fail } from '../../errors.js';
import { applyReturnsFile, listFunding, runPayments } from '../../services/index.js';
import { repo } from '../../store/index.js';
import { requireCustomer, requireOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { AchFiles, FundingRequests, PaymentsRan, ReturnsRead } from '../responses.js';
import { answers, MeterId } from '../schemas.js';

// ACH funding: the customer's view of their funding requests, and the operator's payments run
// (NACHA filing and settlement) and returns file. A funding request itself is a meter command
// (POST /v1/meters/{meterId}/fund_request), MAC'd like a print.

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function paymentRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
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
        const session = await requireCustomer(ctx.db, request);
        if (session.meterId !== request.params.meterId) fail('not_found', 'no such meter');
        return { fundingRequests: await listFunding(ctx, request.params.meterId) };
      },
    );

    app.post(
      '/v1/admin/payments/run',
      {
        schema: {
          summary: 'File waiting funding requests in a NACHA file (to the bank outbox) and settle what is past its hold',
          description: 'The API server runs this by itself (settling every minute, filing daily after VAULTMETER_ACH_CUTOFF_UTC). `file: false` only settles; `settle: false` only files.',
          tags: ['admin', 'payments'],
          body: Type.Optional(Type.Object({ file: Type.Optional(Type.Boolean()), settle: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
          response: answers(PaymentsRan),
        },
      },
      async (request) => {
        await requireOfficer(ctx.db, request);
        return runPayments(ctx, ctx.ach, { file: request.body?.file ?? true, settle: request.body?.settle ?? true });
      },
    );

    app.post(
      '/v1/admin/payments/returns',
      {
        bodyLimit: MAX_RETURNS_FILE_BYTES,
        schema: {
          summary: "Read the bank's returns file (R01, R02, ...): cancel or suspend each returned debit",
          description: 'Every entry is checked first; an entry this installation never sent refuses the whole file (return_entry_unknown).',
          tags: ['admin', 'payments'],
          body: Type.Object({ text: Type.String({ minLength: 1, maxLength: MAX_RETURNS_FILE_BYTES }) }, { additionalProperties: false }),
          response: answers(ReturnsRead),
        },
      },
      async (request) => {
        await requireOfficer(ctx.db, request);
        return applyReturnsFile(ctx, request.body.text);
      },
    );

    app.get(
      '/v1/admin/payments/files',
      {
        schema: { summary: 'The NACHA files, newest first', tags: ['admin', 'payments'], response: answers(AchFiles) },
      },
      async (request) => {
        await requireOfficer(ctx.db, request);
        const files = await repo.listAchFiles(ctx.db, MAX_ACH_FILES_LISTED);
        return {
          files: files.map((f) => ({
            fileId: f.fileId,
            createdAt: f.createdAt.toISOString(),
            entryCount: f.entryCount,
            totalMills: f.totalMills.toString(),
            sha256: f.sha256,
            target: f.target,
            deliveredAt: iso(f.deliveredAt),
          })),
        };
      },
    );
  };
}
