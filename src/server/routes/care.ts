import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_ACCOUNT_REFUNDS_PAGE } from '../../constants.js';
import type { OfficerAuthorization as SignedAct } from '../../protocol/index.js';
import { customerRecord, pendingPasswordReset, recordRefundPaid, requestCare } from '../../services/index.js';
import { repo } from '../../store/index.js';
import { requireCareOfficer, requireAnyOfficer, requireSecurityOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { answers, MeterId, OfficerAuthorization, ReasonText, Username } from '../schemas.js';
import { AccountRefunds, ApprovalRequested, CustomerRecord, PasswordReset, RefundPaid } from '../responses.js';
import { approvalJson } from './operations.js';

/** Customer care: a support agent's look-up and care requests, closed accounts' refunds, and the customer's reset pick-up. */
export function careRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/admin/customers/:user',
      {
        schema: {
          summary: "A registered customer's standing: meter, profile, bank accounts, funding, API keys, care history",
          tags: ['care'],
          params: Type.Object({ user: Username }),
          response: answers(CustomerRecord),
        },
      },
      async (request) => {
        await requireAnyOfficer(ctx.db, request);
        return customerRecord(ctx, request.params.user);
      },
    );

    app.post(
      '/v1/admin/care',
      {
        schema: {
          summary: 'Ask for a customer care act (password reset, balance adjustment, closing the account); a different security officer approves it',
          tags: ['care'],
          body: Type.Object(
            {
              action: Type.Union([Type.Literal('reset_password'), Type.Literal('adjust_balance'), Type.Literal('close_account')]),
              user: Username,
              reason: ReasonText,
              amountMills: Type.Optional(Type.String({ pattern: '^-?[1-9]\\d{0,17}$', description: 'adjust_balance: signed mills' })),
              authorization: Type.Optional(OfficerAuthorization),
            },
            { additionalProperties: false },
          ),
          response: answers(ApprovalRequested),
        },
      },
      async (request) => {
        const by = await requireCareOfficer(ctx.db, request);
        const approval = await requestCare(ctx, by, { ...request.body, authorization: request.body.authorization as SignedAct | undefined });
        return { approval: approvalJson(approval), next: `a security officer other than ${by} approves it: vaultmeter admin approve ${approval.approvalId}` };
      },
    );
  };
}

/** Closed accounts' refunds, for the officers who pay them back. */
export function accountRefundRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/admin/account-refunds',
      {
        schema: {
          summary: 'Closed accounts and the refund each customer is owed',
          tags: ['care'],
          querystring: Type.Object({ state: Type.Optional(Type.Union([Type.Literal('payable'), Type.Literal('paid'), Type.Literal('none')])) }),
          response: answers(AccountRefunds),
        },
      },
      async (request) => {
        await requireAnyOfficer(ctx.db, request);
        const rows = await repo.listAccountRefunds(ctx.db, request.query.state ?? null, MAX_ACCOUNT_REFUNDS_PAGE);
        return {
          refunds: rows.map((r) => ({
            meterId: r.meterId,
            user: r.username,
            refundMills: r.refundMills.toString(),
            owedMills: r.owedMills.toString(),
            reason: r.reason,
            officers: r.officers,
            closedAt: r.closedAt.toISOString(),
            state: r.state,
          })),
        };
      },
    );

    app.post(
      '/v1/admin/account-refunds/:meterId/paid',
      {
        schema: {
          summary: "Record that a closed account's refund was paid (a security officer; once)",
          tags: ['care'],
          params: Type.Object({ meterId: MeterId }),
          body: Type.Object({ reference: ReasonText }, { additionalProperties: false }),
          response: answers(RefundPaid),
        },
      },
      async (request) => {
        const by = await requireSecurityOfficer(ctx.db, request);
        await recordRefundPaid(ctx, by, request.params.meterId, request.body.reference);
        return { meterId: request.params.meterId, state: 'paid' as const };
      },
    );
  };
}

/** The customer's pick-up of a password reset (no session: the password is what they lost). */
export function passwordResetRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/password-reset/:user',
      {
        schema: {
          summary: "The password customer care reset, sealed to the customer's client MAC key (useless to anyone else)",
          tags: ['session'],
          params: Type.Object({ user: Username }),
          response: answers(PasswordReset),
        },
      },
      async (request) => pendingPasswordReset(ctx, request.params.user),
    );
  };
}
