import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_ACH_FILES_LISTED, MAX_RETURNS_FILE_BYTES, PAYMENTS_LOCK_WAIT_MS } from '../../constants.js';
import { applyReturnsFile, runPayments } from '../../services/index.js';
import { repo } from '../../store/index.js';
import { requireOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { AchFiles, PaymentsRan, ReturnsRead } from '../responses.js';
import { answers } from '../schemas.js';

// ACH funding as operators run it: the payments run (NACHA filing and settlement), the bank's
// returns file, and the list of files. The customer's side is in funding-requests.ts.

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function paymentRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/admin/payments/run',
      {
        schema: {
          summary: 'File waiting funding requests in a NACHA file (to the bank outbox), settle what is past its hold, and finish stranded card requests',
          description:
            'The API server runs this by itself (settling every minute, filing daily after VAULTMETER_ACH_CUTOFF_UTC). `file: false` only settles; `settle: false` only files. Settling also finishes card requests still waiting 10 minutes after they committed (their server died before the charge), as a customer retry would: `cards`.',
          tags: ['admin', 'payments'],
          body: Type.Optional(Type.Object({ file: Type.Optional(Type.Boolean()), settle: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
          response: answers(PaymentsRan),
        },
      },
      async (request) => {
        await requireOfficer(ctx.db, request);
        return runPayments(ctx, ctx.ach, { file: request.body?.file ?? true, settle: request.body?.settle ?? true, lockWaitMs: PAYMENTS_LOCK_WAIT_MS });
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
