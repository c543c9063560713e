import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { fail } from '../../errors.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_AUDIT_PAGE } from '../../constants.js';
import type { OfficerAuthorization as SignedAct } from '../../protocol/index.js';
import { approve, createOfficer, removeOfficer, requestApproval } from '../../services/index.js';
import { repo, txlogRepo } from '../../store/index.js';
import { forgetOfficer, requireAnyOfficer, requireOfficer, requireSecurityOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { answers, OfficerAuthorization, OfficerSignature, Username } from '../schemas.js';
import { ApprovalGranted, ApprovalRequested, Approvals, AuditEvents, LogStatus, Modules, OfficerCreated, OfficerRemoved } from '../responses.js';

const ModuleSerial = Type.String({ pattern: '^[A-Za-z0-9-]{1,40}$' });

/** Operations: the module table, the log's shipping status and the audit trail. */
export function operationsRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/admin/modules',
      { schema: { summary: 'The cryptographic module table and the halt state', tags: ['operations'], response: answers(Modules) } },
      async (request) => {
        await requireOfficer(ctx.db, request);
        const [modules, system] = await Promise.all([repo.listModules(ctx.db), repo.systemState(ctx.db)]);
        return {
          halted: system.halted,
          haltedAt: system.haltedAt?.toISOString() ?? null,
          haltReason: system.haltReason,
          haltThreshold: ctx.haltThreshold,
          modules: modules.map((m) => ({
            serial: m.serial,
            state: m.state,
            checkpoint: {
              seq: m.checkpointSeq.toString(),
              at: m.checkpointAt?.toISOString() ?? null,
              date: m.checkpointAt?.toISOString().slice(0, 10) ?? null,
              time: m.checkpointAt?.toISOString().slice(11, 19) ?? null,
              type: m.checkpointType,
              valueMills: m.checkpointValueMills?.toString() ?? null,
              macHex: m.checkpointMacHex,
            },
            inhibitedAt: m.inhibitedAt?.toISOString() ?? null,
            inhibitedReason: m.inhibitedReason,
            lastSeenAt: m.lastSeenAt.toISOString(),
          })),
        };
      },
    );

    app.get(
      '/v1/admin/log',
      {
        schema: {
          summary: 'The transaction log: durability, ship targets, and shipping lag per module log',
          tags: ['operations'],
          response: answers(LogStatus),
        },
      },
      async (request) => {
        await requireOfficer(ctx.db, request);
        return logStatus(ctx);
      },
    );

    app.get(
      '/v1/admin/audit-events',
      {
        schema: {
          summary: 'The audit trail: recoveries, discarded transactions, inhibitions, halts, approvals',
          tags: ['operations'],
          querystring: Type.Object({
            since: Type.Optional(Type.String({ pattern: '^\\d{1,18}$' })),
            limit: Type.Optional(Type.String({ pattern: '^\\d{1,4}$' })),
          }),
          response: answers(AuditEvents),
        },
      },
      async (request) => {
        await requireOfficer(ctx.db, request);
        const limit = Math.min(Number(request.query.limit ?? MAX_AUDIT_PAGE), MAX_AUDIT_PAGE);
        const rows = await repo.listAuditEvents(ctx.db, BigInt(request.query.since ?? '0'), limit);
        return { events: rows.map((e) => ({ ...e, eventId: e.eventId.toString(), at: e.at.toISOString() })) };
      },
    );
  };
}

/** Officers: a security officer creates another officer (logged as a ledger effect). */
export function officerRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/admin/officers',
      {
        schema: {
          summary: "Create an officer: a module certifies the officer's key on two security officers' signatures; the password is returned once",
          tags: ['operations'],
          body: Type.Object(
            {
              user: Username,
              role: Type.Union([Type.Literal('security_officer'), Type.Literal('operator'), Type.Literal('support')]),
              publicKey: Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength: 400, description: "base64 SPKI of the new officer's P-256 key" }),
              authorization: OfficerAuthorization,
            },
            { additionalProperties: false },
          ),
          response: answers(OfficerCreated),
        },
      },
      async (request) => {
        const by = await requireSecurityOfficer(ctx.db, request);
        const { password, certificatePem } = await createOfficer(ctx, by, request.body);
        return { officer: { user: request.body.user, role: request.body.role, password, certificatePem } };
      },
    );

    app.post(
      '/v1/admin/officers/:user/removal',
      {
        schema: {
          summary: "Remove an officer, on two security officers' signatures: every module refuses the name's signatures for good, and its logins end",
          tags: ['operations'],
          params: Type.Object({ user: Username }),
          body: Type.Object({ authorization: OfficerAuthorization }, { additionalProperties: false }),
          response: answers(OfficerRemoved),
        },
      },
      async (request) => {
        const by = await requireSecurityOfficer(ctx.db, request);
        const officer = await removeOfficer(ctx, by, request.params.user, request.body.authorization);
        forgetOfficer(officer.user);
        return { officer };
      },
    );
  };
}

/** Dual control: a request by one security officer, carried out on the approval of another. */
export function approvalRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/v1/admin/approvals', { schema: { summary: 'Dual-control requests', tags: ['operations'], response: answers(Approvals) } }, async (request) => {
      await requireAnyOfficer(ctx.db, request);
      return { approvals: (await repo.listApprovals(ctx.db, null)).map(approvalJson) };
    });

    app.post(
      '/v1/admin/approvals',
      {
        schema: {
          summary: 'Request a dual-control action: clear the halt, or return an inhibited module to service',
          tags: ['operations'],
          body: Type.Object(
            {
              action: Type.Union([Type.Literal('clear_halt'), Type.Literal('reinstate_module')]),
              module: Type.Optional(ModuleSerial),
              authorization: Type.Optional(OfficerAuthorization),
            },
            { additionalProperties: false },
          ),
          response: answers(ApprovalRequested),
        },
      },
      async (request) => {
        const by = await requireSecurityOfficer(ctx.db, request);
        const approval = await requestApproval(ctx, by, request.body.action, request.body.module, request.body.authorization as SignedAct | undefined);
        return { approval: approvalJson(approval), next: `a different security officer approves it: vaultmeter admin approve ${approval.approvalId}` };
      },
    );

    app.post(
      '/v1/admin/approvals/:id/approve',
      {
        schema: {
          summary: 'Approve and carry out a dual-control request (a different security officer than the requester)',
          tags: ['operations'],
          params: Type.Object({ id: Type.String({ pattern: '^\\d{1,18}$' }) }),
          response: answers(ApprovalGranted),
        },
      },
      async (request) => {
        const by = await requireSecurityOfficer(ctx.db, request);
        const { approval, result } = await approve(ctx, by, BigInt(request.params.id), approverSignature(request.body));
        return { approval: { ...approvalJson(approval), result } };
      },
    );
  };
}

/** The body is optional (a clear_halt approval has none); when present it is `{ signature }`. */
function approverSignature(body: unknown): Static<typeof OfficerSignature> | undefined {
  if (body === undefined || body === null) return undefined;
  const ok =
    typeof body === 'object' && Object.keys(body).every((k) => k === 'signature') && (!('signature' in body) || Value.Check(OfficerSignature, body.signature));
  if (!ok) fail('invalid_request', 'the body is { "signature": { "certificatePem", "signature" } } or nothing');
  return (body as { signature?: Static<typeof OfficerSignature> }).signature;
}

export function approvalJson(a: repo.ApprovalRow) {
  return {
    id: a.approvalId.toString(),
    action: a.action,
    params: a.params,
    requestedBy: a.requestedBy,
    requestedAt: a.requestedAt.toISOString(),
    decidedBy: a.decidedBy,
    state: a.state,
  };
}

/** Per target and module log: the last record, how far the target has it, and how far behind it is. */
export async function logStatus(ctx: ServerContext) {
  const nowMs = Date.now();
  const targets = await Promise.all(
    ctx.shipTargets.map(async (name) => {
      const logs = await txlogRepo.shippingStatus(ctx.db, [name]);
      return {
        name,
        logs: logs.map((l) => ({
          logId: l.logId,
          lastSeq: l.lastSeq.toString(),
          shippedSeq: l.shippedSeq.toString(),
          lagRecords: (l.lastSeq - l.shippedSeq).toString(),
          lagMs: l.oldestUnshippedAt ? Math.max(0, nowMs - l.oldestUnshippedAt.getTime()) : 0,
        })),
      };
    }),
  );
  const lagMs = Math.max(0, ...targets.flatMap((t) => t.logs.map((l) => l.lagMs)));
  return { durability: ctx.durability, lagMs, targets };
}
