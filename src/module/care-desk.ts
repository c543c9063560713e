import { CARE_REASON_PATTERN, MAX_ADJUSTMENT_MILLS, MAX_PACKAGE_OFFICER_NONCES, OFFICER_DUAL_STATEMENT_MAX_AGE_MS } from '../constants.js';
import { fail } from '../errors.js';
import { applyAdjustment, applyClose, applyPasswordReset, spendOfficerNonce, type MeterPackage } from '../meter/index.js';
import type { Random } from '../protocol/index.js';
import { checkOfficerAuthorization } from './officer-check.js';
import { newVerifier } from './passwords.js';
import { sealResetPassword } from './protocol-crypto.js';
import type { CareAct, CustomerCareArgs } from './messages.js';

// Customer care on one meter (issue 14 item 2): resetting a forgotten password, adjusting the
// balance, closing the account. Each runs only on a statement naming exactly this act, meter, amount
// and reason, signed by two different officers, at least one a security officer: one support agent
// (or one person holding the API server) can do none of them alone. The nonce is spent in the package.

export const CARE_ACTS: readonly CareAct[] = ['reset_password', 'adjust_balance', 'close_account'];

const SIGNED_AMOUNT = /^-?[1-9]\d{0,17}$/;
/** 16 bytes drawn by the module, as base64url: the password the customer's client logs in with once. */
const RESET_PASSWORD_BYTES = 16;
const RESET_NONCE_BYTES = 32;

export interface CareDeps {
  readonly caCertPem: string;
  readonly random: Random;
  readonly nowMs: number;
}

export interface CareOutcome {
  readonly next: MeterPackage;
  /** adjust_balance: the signed change; close_account: the refund owed to the customer; else 0. */
  readonly amountMills: bigint;
  readonly officers: readonly string[];
  /** close_account: the whole balance taken out of dr. */
  readonly balanceMills?: bigint;
  readonly reset?: { readonly nonceHex: string; readonly sealedBase64: string };
}

/** The parameters the officers' statement must name, checked before anything else. */
function statementParams(pkg: MeterPackage, args: CustomerCareArgs): { act: CareAct; params: Record<string, string>; deltaMills: bigint } {
  const act = (CARE_ACTS as readonly string[]).includes(args.act) ? (args.act as CareAct) : fail('invalid_request', 'unknown customer care act');
  if (typeof args.reason !== 'string' || !CARE_REASON_PATTERN.test(args.reason))
    fail('invalid_request', 'a customer care act carries a reason (1-200 printable characters)');
  const params: Record<string, string> = { meterId: pkg.meterId, reason: args.reason };
  if (act !== 'adjust_balance') return { act, params, deltaMills: 0n };
  const amount = args.amountMills ?? '';
  if (!SIGNED_AMOUNT.test(amount)) fail('invalid_amount', 'an adjustment is a non-zero whole number of mills, negative to take value out');
  const deltaMills = BigInt(amount);
  if (deltaMills > MAX_ADJUSTMENT_MILLS || -deltaMills > MAX_ADJUSTMENT_MILLS)
    fail('amount_too_large', `an adjustment is at most ${MAX_ADJUSTMENT_MILLS} mills either way`);
  return { act, params: { ...params, amountMills: amount }, deltaMills };
}

export async function customerCare(pkg: MeterPackage, args: CustomerCareArgs, deps: CareDeps): Promise<CareOutcome> {
  const { act, params, deltaMills } = statementParams(pkg, args);
  const expect = { act, params, roles: ['security_officer', 'support'] as const, signers: 2 as const, nowMs: deps.nowMs };
  const { statement, officers } = checkOfficerAuthorization(deps.caCertPem, args.authorization, expect);
  if (!officers.some((o) => o.role === 'security_officer')) fail('officer_signature_invalid', `${act.replace('_', ' ')} needs a security officer's signature`);
  if (!officers.some((o) => o.user === args.actor)) fail('officer_signature_invalid', `the statement is not signed by ${args.actor ?? 'the officer acting'}`);
  const spent = spendOfficerNonce(
    pkg,
    { nonce: statement.nonce, timeMs: statement.timeMs },
    deps.nowMs,
    OFFICER_DUAL_STATEMENT_MAX_AGE_MS,
    MAX_PACKAGE_OFFICER_NONCES,
  );
  const signers = officers.map((o) => o.user);
  switch (act) {
    case 'adjust_balance':
      return { next: applyAdjustment(spent, deltaMills, deps.nowMs), amountMills: deltaMills, officers: signers };
    case 'close_account': {
      const closed = applyClose(spent, deps.nowMs);
      return { next: closed.next, amountMills: closed.refundMills, balanceMills: closed.balanceMills, officers: signers };
    }
    case 'reset_password':
      return resetPassword(spent, deps, signers);
  }
}

/** The module draws the new password and seals it to the client MAC key: no one between sees it. */
async function resetPassword(pkg: MeterPackage, deps: CareDeps, officers: readonly string[]): Promise<CareOutcome> {
  if (!pkg.clientMacKey) fail('meter_not_operational', 'the meter has not completed registration');
  const password = deps.random(RESET_PASSWORD_BYTES).toString('base64url');
  const nonce = deps.random(RESET_NONCE_BYTES);
  const next = applyPasswordReset(pkg, await newVerifier(password, deps.random), deps.nowMs);
  const sealed = sealResetPassword(pkg.clientMacKey, nonce, pkg.meterId, password, deps.random);
  return { next, amountMills: 0n, officers, reset: { nonceHex: nonce.toString('hex'), sealedBase64: sealed.toString('base64') } };
}
