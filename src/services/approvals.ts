import { fail } from '../errors.js';
import { repo, txlogRepo, type Tx } from '../store/index.js';
import type { OfficerAuthorization, OfficerSignature } from '../protocol/index.js';
import type { ServiceContext } from './context.js';
import { holdUnproven } from './commit/unproven.js';
import { clearHaltEverywhere } from './commit/halt.js';
import { logChangeOrNote } from './logged.js';
import { installApproved } from './rate-install.js';
import { carryOutCare, checkCareStatement, careStatementParams, isCareAction, type CareRequest } from './care.js';
import type { ApprovalAction } from '../ledger/index.js';

// Dual control: one security officer requests clearing the halt, reinstating an inhibited module or
// installing a rate table, and a different one approves it. Requests and approvals are ledger effects; carrying one
// out (clearing the halt, re-seeding a module) changes the checkpoint machinery, which is not.

export type { ApprovalAction } from '../ledger/index.js';

export async function requestApproval(
  ctx: ServiceContext,
  by: string,
  action: ApprovalAction,
  module: string | undefined,
  authorization: OfficerAuthorization | undefined,
  about: Readonly<Record<string, string>> = {},
): Promise<repo.ApprovalRow> {
  const params: Record<string, string> = module ? { ...about, module } : { ...about };
  if (action === 'reinstate_module') {
    const row = (await repo.listModules(ctx.db)).find((m) => m.serial === module);
    if (!row) fail('not_found', `no module ${module ?? '(give --module)'}`);
    if (row.state !== 'inhibited') fail('invalid_request', `module ${module} is not inhibited`);
  }
  // A module checks both signatures when the act is carried out; the request keeps the first.
  if (!authorization) fail('officer_signature_required', 'sign the request with your officer key (--officer-key)');
  params.authorization = JSON.stringify(authorization);
  const approvalId = await repo.nextApprovalId(ctx.db);
  await logChangeOrNote(
    ctx,
    { key: `approval:${approvalId}`, effects: () => [{ kind: 'approval_requested', approvalId: approvalId.toString(), action, params, by }] },
    by,
  );
  return (await repo.findApproval(ctx.db, approvalId))!;
}

export interface Approved {
  readonly approval: repo.ApprovalRow;
  readonly result: Record<string, unknown>;
}

/** A customer care act, asked for by a support agent or a security officer; a security officer approves it. */
export async function requestCare(ctx: ServiceContext, by: string, r: CareRequest): Promise<repo.ApprovalRow> {
  const params = await careStatementParams(ctx, r);
  const authorization = checkCareStatement(r.action, params, r.authorization);
  return requestApproval(ctx, by, r.action, undefined, authorization, { ...params, user: r.user });
}

export async function approve(ctx: ServiceContext, by: string, id: bigint, signature: OfficerSignature | undefined): Promise<Approved> {
  const pending = await repo.findApproval(ctx.db, id);
  // Refusals are checked before any log record is asked for, and again in the batch.
  const authorization = bothSignatures(checkApprovable(pending, by), signature);
  if (isCareAction(pending!.action)) {
    const result = await carryOutCare(ctx, by, pending!, authorization, (locked) => checkApprovable(locked, by));
    return { approval: (await repo.findApproval(ctx.db, id))!, result: { ...result } };
  }
  const result = await logChangeOrNote(
    ctx,
    {
      key: `approval:${id}`,
      effects: async ({ tx }) => {
        const a = checkApprovable(await repo.lockApproval(tx, id), by);
        return [{ kind: 'approval_granted', approvalId: id.toString(), action: a.action, requestedBy: a.requestedBy, module: a.params.module ?? null, by }];
      },
      answer: ({ tx }) => carryOut(ctx, tx, pending!, by, signature),
    },
    by,
  );
  return { approval: (await repo.findApproval(ctx.db, id))!, result };
}

function checkApprovable(a: repo.ApprovalRow | null, by: string): repo.ApprovalRow {
  if (!a) fail('not_found', 'no such approval request');
  if (a.state !== 'pending') fail('approval_not_pending', `the request is ${a.state}`);
  if (a.requestedBy === by) fail('dual_control', `${by} requested this; a different security officer must approve it`);
  return a;
}

/** The requester's signed statement with the approver's signature added: what the module checks. */
function bothSignatures(a: repo.ApprovalRow, signature: OfficerSignature | undefined): OfficerAuthorization {
  if (!signature) fail('officer_signature_required', 'approve with your officer key: it signs the request (vaultmeter admin approve --officer-key)');
  let first: OfficerAuthorization | null = null;
  try {
    first = JSON.parse(a.params.authorization ?? 'null') as OfficerAuthorization | null;
  } catch {
    // refused below, like a request without one
  }
  if (!first) fail('officer_signature_invalid', 'the request carries no signed statement');
  // The module refuses one officer's key twice; the same certificate is refused here already, before
  // any module op is asked for (a refusal must not leave a transaction to discard).
  if (first.signatures.some((s) => s.certificatePem === signature.certificatePem))
    fail('dual_control', 'the approval is signed with the key that signed the request; a different security officer must sign it');
  return { statement: first.statement, signatures: [...first.signatures, signature] };
}

async function carryOut(
  ctx: ServiceContext,
  tx: Tx,
  a: repo.ApprovalRow,
  by: string,
  signature: OfficerSignature | undefined,
): Promise<Record<string, unknown>> {
  if (a.action === 'install_rates') return installApproved(ctx, tx, a, by, bothSignatures(a, signature));
  if (a.action === 'clear_halt') {
    // Every module, inhibited or not, checks the two security officers' statement and lets go of the halt it holds.
    const authorizedBy = await clearHaltEverywhere(ctx.modules, bothSignatures(a, signature));
    await repo.setHalted(tx, false, null);
    await repo.recordAudit(tx, { kind: 'halt_cleared', actor: by, detail: { requestedBy: a.requestedBy, authorizedBy } });
    return { halted: false };
  }
  const serial = a.params.module!;
  // Never re-seed onto a stale database: first put back what the shipped log and the journals hold.
  await ctx.rollForward();
  const row = await repo.lockCheckpoint(tx, serial);
  const checkpoint = row ? { record: row.record.toString('hex'), mac: row.mac.toString('hex') } : null;
  const head = await txlogRepo.logHead(tx, serial);
  // The module's ring restarts from the database's authentic checkpoint, after the investigation; its log continues from the stored head.
  const authorization = bothSignatures(a, signature);
  const log = head ? { log: { seq: head.seq.toString(), hash: head.hash } } : {};
  const r = await ctx.modules.byserial(serial).call('reseed', { checkpoint, authorization, ...log });
  const held = await holdUnproven(tx, serial, r.unproven ?? [], r.evidence);
  await repo.setModuleState(tx, serial, 'active', null);
  await repo.recordAudit(tx, { kind: 'module_reinstated', actor: by, moduleSerial: serial, detail: { requestedBy: a.requestedBy, unprovenMeters: held } });
  ctx.modules.setInhibited(serial, false);
  return { module: serial, state: 'active', unprovenMeters: held };
}
