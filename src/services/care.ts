import { CARE_REASON_PATTERN, MAX_ADJUSTMENT_MILLS } from '../constants.js';
import { fail } from '../errors.js';
import type { ApprovalAction } from '../ledger/index.js';
import type { CareAct, CustomerCareResult } from '../module/index.js';
import { mailCareAct } from './mail/triggers.js';
import type { OfficerAuthorization } from '../protocol/index.js';
import { repo } from '../store/index.js';
import { onMeter } from './commit/meter-op.js';
import { logChange } from './logged.js';
import type { ServiceContext } from './context.js';
import { registeredCustomer } from './funding.js';

// Customer care's dual-control acts (issue 14 item 2): a support agent or a security officer asks,
// a different security officer approves, and a module carries the act out on the meter only after
// checking both signatures itself. The request, the approval and the act are one ledger record.

export const CARE_ACTIONS: ReadonlySet<ApprovalAction> = new Set<ApprovalAction>(['reset_password', 'adjust_balance', 'close_account']);

export function isCareAction(action: string): action is CareAct {
  return CARE_ACTIONS.has(action as ApprovalAction);
}

export interface CareRequest {
  readonly action: CareAct;
  readonly user: string;
  readonly reason: string;
  /** adjust_balance only: signed mills. */
  readonly amountMills?: string;
  readonly authorization?: OfficerAuthorization;
}

const SIGNED_AMOUNT = /^-?[1-9]\d{0,17}$/;

/** What the officers sign for this request, and what the approval keeps: the module checks the same. */
export async function careStatementParams(ctx: ServiceContext, r: Omit<CareRequest, 'authorization'>): Promise<Record<string, string>> {
  const customer = await registeredCustomer(ctx, r.user);
  if (!CARE_REASON_PATTERN.test(r.reason)) fail('invalid_request', 'the reason is 1 to 200 printable characters');
  const params: Record<string, string> = { meterId: customer.meterId, reason: r.reason };
  if (r.action !== 'adjust_balance') {
    if (r.amountMills !== undefined) fail('invalid_request', `${r.action} takes no amount`);
    return params;
  }
  const amount = r.amountMills ?? '';
  if (!SIGNED_AMOUNT.test(amount)) fail('invalid_amount', 'an adjustment is a non-zero whole number of mills, negative to take value out');
  const delta = BigInt(amount);
  if (delta > MAX_ADJUSTMENT_MILLS || -delta > MAX_ADJUSTMENT_MILLS)
    fail('amount_too_large', `an adjustment is at most ${MAX_ADJUSTMENT_MILLS} mills either way`);
  return { ...params, amountMills: amount };
}

/** The statement must name this act with exactly these parameters, or it could never be carried out. */
export function checkCareStatement(
  action: CareAct,
  params: Readonly<Record<string, string>>,
  authorization: OfficerAuthorization | undefined,
): OfficerAuthorization {
  if (!authorization) fail('officer_signature_required', 'sign the request with your officer key (--officer-key)');
  const s = authorization.statement;
  const named = Object.keys(params).length === Object.keys(s.params).length && Object.entries(params).every(([k, v]) => s.params[k] === v);
  if (s.act !== action || !named) fail('officer_signature_invalid', `the statement must name ${action} on meter ${params.meterId} with these parameters`);
  return authorization;
}

/** What the approving officer sees: the module's answer without the package or the sealed reset (which is the customer's). */
export type CareDone = Omit<CustomerCareResult, 'package' | 'resetNonce' | 'sealedPassword'> & { readonly meterId: string };

/**
 * Carry out an approved care act: the approval is granted in the same record as the module's act,
 * so neither lands without the other. `check` re-reads the request under lock inside the batch.
 */
export function carryOutCare(
  ctx: ServiceContext,
  by: string,
  a: repo.ApprovalRow,
  authorization: OfficerAuthorization,
  check: (locked: repo.ApprovalRow | null) => repo.ApprovalRow,
): Promise<CareDone> {
  const meterId = a.params.meterId ?? fail('invalid_request', 'the request names no meter');
  return onMeter(ctx, 'care', meterId, {
    async args(_meter, { tx }) {
      const locked = check(await repo.lockApproval(tx, a.approvalId));
      const granted = {
        kind: 'approval_granted' as const,
        approvalId: a.approvalId.toString(),
        action: locked.action,
        requestedBy: locked.requestedBy,
        module: null,
        by,
      };
      return {
        act: locked.action,
        reason: locked.params.reason ?? '',
        ...(locked.params.amountMills !== undefined ? { amountMills: locked.params.amountMills } : {}),
        authorization,
        actor: by,
        effects: [granted],
        logExtra: { officer: by, user: locked.params.user ?? null, approvalId: a.approvalId.toString() },
      };
    },
    answer: async ({ tx }, r) => {
      await mailCareAct(tx, meterId, { act: r.act, reason: a.params.reason ?? '', amountMills: BigInt(r.amountMills), at: new Date() });
      return careDone(meterId, r);
    },
  });
}

function careDone(meterId: string, r: CustomerCareResult): CareDone {
  const { package: _pkg, resetNonce: _nonce, sealedPassword: _sealed, ...shown } = r;
  return { ...shown, meterId };
}

/** A closed account's refund was paid outside the system (until ACH credits exist): recorded once, by a security officer. */
export async function recordRefundPaid(ctx: ServiceContext, by: string, meterId: string, reference: string): Promise<void> {
  if (!CARE_REASON_PATTERN.test(reference)) fail('invalid_request', 'the payment reference is 1 to 200 printable characters');
  await logChange(ctx, {
    key: `refund:${meterId}`,
    meterId,
    effects: async ({ tx }) => {
      const refund = await repo.findAccountRefund(tx, meterId);
      if (!refund) fail('not_found', 'no closed account has that meter');
      if (refund.state !== 'payable') fail('conflict', `the refund is ${refund.state === 'paid' ? 'paid already' : 'not owed: nothing was left'}`);
      return [{ kind: 'account_refund_paid', meterId, reference, by }];
    },
  });
}
