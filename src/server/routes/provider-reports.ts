import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_REPORT_LIST } from '../../constants.js';
import { REPORT_KINDS } from '../../ledger/index.js';
import { listProviderReports, providerReport, runProviderReports } from '../../services/index.js';
import { requireOfficer, requireSecurityOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { ProviderReportAnswer, ProviderReportList, ProviderReportRun } from '../responses.js';
import { answers, ReasonText } from '../schemas.js';

// Provider reports to the postal authority (issue 18 item 2): a module makes and signs them from the
// log; the report job files each day that is over. Operators and security officers run the job and
// read the reports; only a security officer re-issues a day.

const Day = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', description: 'a UTC day, YYYY-MM-DD' });
const Kind = Type.Union(REPORT_KINDS.map((k) => Type.Literal(k)));

/** Filing: the job's run on demand (operators and security officers), a re-issue (a security officer). */
export function providerReportFilingRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/admin/provider/reports/run',
      {
        schema: {
          summary: 'File every day that is over and not filed yet, oldest first (what the daily job does)',
          tags: ['provider'],
          body: Type.Optional(Type.Object({}, { additionalProperties: false })),
          response: answers(ProviderReportRun),
        },
      },
      async (request) => {
        await requireOfficer(ctx.db, request);
        return runProviderReports(ctx);
      },
    );

    app.post(
      '/v1/admin/provider/reports/:day/reissue',
      {
        schema: {
          summary: "Re-issue a filed day: a module makes its four reports again from the log, as the next issue (the earlier issue's files stay)",
          tags: ['provider'],
          params: Type.Object({ day: Day }),
          body: Type.Object({ reason: ReasonText }, { additionalProperties: false }),
          response: answers(ProviderReportRun),
        },
      },
      async (request) => {
        const officer = await requireSecurityOfficer(ctx.db, request);
        return runProviderReports(ctx, { reissue: { day: request.params.day, reason: request.body.reason, officer } });
      },
    );
  };
}

/** Reading: the filed reports and one report's file, with the ledger's totals beside it. */
export function providerReportReadingRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/admin/provider/reports',
      {
        schema: {
          summary: 'Filed provider reports, newest day first',
          tags: ['provider'],
          querystring: Type.Object(
            { day: Type.Optional(Day), limit: Type.Optional(Type.String({ pattern: '^[1-9]\\d{0,3}$', description: `at most ${MAX_REPORT_LIST}` })) },
            { additionalProperties: false },
          ),
          response: answers(ProviderReportList),
        },
      },
      async (request) => {
        await requireOfficer(ctx.db, request);
        return {
          reports: await listProviderReports(ctx, request.query.day ?? null, Math.min(Number(request.query.limit ?? MAX_REPORT_LIST), MAX_REPORT_LIST)),
        };
      },
    );

    app.get(
      '/v1/admin/provider/reports/:day/:kind',
      {
        schema: {
          summary: "A filed report's file (the newest issue unless `issue` names one), with the ledger's own totals of that day to hold it against",
          tags: ['provider'],
          params: Type.Object({ day: Day, kind: Kind }),
          querystring: Type.Object({ issue: Type.Optional(Type.String({ pattern: '^[1-9]\\d{0,5}$' })) }, { additionalProperties: false }),
          response: answers(ProviderReportAnswer),
        },
      },
      async (request) => {
        await requireOfficer(ctx.db, request);
        return providerReport(ctx, request.params.day, request.params.kind, request.query.issue ? Number(request.query.issue) : null);
      },
    );
  };
}
