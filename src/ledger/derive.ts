import type { EffectOf, LedgerEffect } from './effects.js';

// Which effects a module op has: one pure function of the op's arguments and answer, used by the
// module to seal them into the record body and by the API server to apply them live. The same
// inputs give the same effects on both sides, and replay applies what the module sealed.

/** A sealed package reference, as the module protocol carries it. */
export interface PackageRef {
  readonly meterId: string;
  readonly version: string;
  readonly sealed: string;
}

/** The parts of a module op's arguments that carry meaning for the ledger. */
export interface EffectArgs {
  readonly pkg?: PackageRef;
  readonly op?: string;
  readonly licensingZip?: string;
  readonly amountMills?: string;
  readonly actor?: string;
  readonly reason?: string;
  readonly requestId?: string;
  readonly returnCode?: string;
  /** A customer care act (reset_password, adjust_balance, close_account). */
  readonly act?: string;
  readonly paymentIntentId?: string;
  readonly effects?: readonly LedgerEffect[];
}

/** The parts of a module op's answer that carry meaning for the ledger. */
export interface EffectResult {
  readonly package?: PackageRef;
  readonly meterId?: string;
  readonly certSerialHex?: string;
  readonly certificatePem?: string;
  readonly item?: string;
  /** A debit op's outcome and amount. */
  readonly outcome?: string;
  readonly amountMills?: string;
  /** A customer care act's answer: who signed, what is owed, the sealed reset password. */
  readonly officers?: readonly string[];
  readonly owedMills?: string;
  readonly balanceMills?: string;
  readonly resetNonce?: string;
  readonly sealedPassword?: string;
  readonly response?: { readonly op: string; readonly status: string; readonly result: Readonly<Record<string, string>> };
  readonly error?: { readonly code: string; readonly extra?: Readonly<Record<string, unknown>> };
}

export type EffectOp =
  'provision' | 'registerBegin' | 'registerComplete' | 'challenge' | 'command' | 'fund' | 'debit' | 'unlock' | 'revoke' | 'care' | 'audit' | 'log';

export function effectsOf(op: EffectOp, args: EffectArgs, result: EffectResult): LedgerEffect[] {
  if (op === 'provision') return [provisioned(args, result)];
  if (op === 'log') return [...(args.effects ?? [])];
  const stored = packageStored(args, result);
  const meterId = stored.meterId;
  const declared = op === 'registerBegin' || op === 'care' ? (args.effects ?? []) : [];
  return [stored, ...declared, ...meaningOf(op, meterId, args, result)];
}

function provisioned(args: EffectArgs, r: EffectResult): EffectOf<'meter_provisioned'> {
  const pkg = required(r.package, 'provision');
  return {
    kind: 'meter_provisioned',
    meterId: pkg.meterId,
    certSerialHex: r.certSerialHex ?? '',
    certificatePem: r.certificatePem ?? '',
    licensingZip: args.licensingZip ?? '',
    version: pkg.version,
    sealed: pkg.sealed,
  };
}

function packageStored(args: EffectArgs, r: EffectResult): EffectOf<'package_stored'> {
  const before = required(args.pkg, 'pkg');
  const after = required(r.package, 'package');
  return { kind: 'package_stored', meterId: before.meterId, fromVersion: before.version, toVersion: after.version, sealed: after.sealed };
}

function meaningOf(op: EffectOp, meterId: string, args: EffectArgs, r: EffectResult): LedgerEffect[] {
  switch (op) {
    case 'fund':
      return [{ kind: 'meter_funded', meterId, amountMills: args.amountMills ?? '0', officer: args.actor ?? '' }];
    case 'debit':
      return [debitMeaning(meterId, args, r)];
    case 'audit':
      return [{ kind: 'meter_audited', meterId, officer: args.actor ?? '' }];
    case 'unlock':
      return [{ kind: 'meter_unlocked', meterId, officer: args.actor ?? '' }];
    case 'revoke':
      return [{ kind: 'meter_revoked', meterId, officer: args.actor ?? '', reason: args.reason ?? '' }];
    case 'care':
      return [careMeaning(meterId, args, r)];
    case 'registerComplete':
      if (r.response?.status !== 'ok') return [];
      // A member's acceptance: the module's MAC'd answer names the member it took in.
      if (r.response.result.member) return [{ kind: 'member_joined', meterId, member: r.response.result.member }];
      // Test mode is the module's word, in its MAC'd answer: never the server's.
      return [{ kind: 'customer_registered', meterId }, ...(r.response.result.sandbox === 'true' ? [{ kind: 'meter_sandboxed' as const, meterId }] : [])];
    case 'command':
      return commandMeaning(meterId, r);
    default:
      return [];
  }
}

function careMeaning(meterId: string, args: EffectArgs, r: EffectResult): LedgerEffect {
  const common = { meterId, reason: args.reason ?? '', officers: [...(r.officers ?? [])] };
  switch (args.act) {
    case 'reset_password':
      return { kind: 'password_reset', ...common, resetNonce: r.resetNonce ?? '', sealedPassword: r.sealedPassword ?? '' };
    case 'adjust_balance':
      return { kind: 'meter_adjusted', ...common, deltaMills: r.amountMills ?? '0' };
    case 'close_account':
      return { kind: 'account_closed', ...common, balanceMills: r.balanceMills ?? '0', refundMills: r.amountMills ?? '0', owedMills: r.owedMills ?? '0' };
    default:
      throw new Error(`no ledger meaning for care act ${String(args.act)}`);
  }
}

function commandMeaning(meterId: string, r: EffectResult): LedgerEffect[] {
  const res = r.response;
  if (!res) return [];
  if (res.status !== 'ok') return lockedOut(meterId, r);
  const x = res.result;
  switch (res.op) {
    case 'print':
      return [
        {
          kind: 'item_printed',
          meterId,
          itemId: x.itemId ?? '',
          itemSerial: x.itemSerial ?? '0',
          itemKind: x.kind ?? 'postage',
          amountMills: x.amountMills ?? '0',
          itemBase64: r.item ?? '',
        },
      ];
    case 'refund':
      return [{ kind: 'item_refunded', meterId, itemId: x.itemId ?? '' }];
    case 'withdraw':
      return [{ kind: 'meter_withdrawn', meterId }];
    case 'password':
      return [{ kind: 'password_changed', meterId }];
    case 'fund_request':
      return [fundingRequested(meterId, x)];
    case 'api_key':
      return [apiKeyCreated(meterId, x)];
    case 'test_fund':
      return [{ kind: 'test_funded', meterId, amountMills: x.amountMills ?? '0' }];
    case 'member_invite':
      return [memberInvited(meterId, x)];
    case 'member_remove':
      return [{ kind: 'member_removed', meterId, member: x.member ?? '' }];
    case 'move':
      return [{ kind: 'meter_moved', meterId, fromZip: x.fromZip ?? '', toZip: x.toZip ?? '' }];
    default:
      return [];
  }
}

/** The last failed login a module allows locks the meter, or (a member's) only that member. */
function lockedOut(meterId: string, r: EffectResult): LedgerEffect[] {
  const extra = r.error?.extra;
  if (r.error?.code !== 'invalid_credentials' || extra?.remainingAttempts !== 0) return [];
  return typeof extra.member === 'string' ? [{ kind: 'member_locked', meterId, member: extra.member }] : [{ kind: 'meter_locked', meterId }];
}

/** The module answered the invitation's checked parameters (the code's hash stays in the package). */
function memberInvited(meterId: string, x: Readonly<Record<string, string>>): EffectOf<'member_invited'> {
  const role = x.role as EffectOf<'member_invited'>['role'];
  return { kind: 'member_invited', meterId, member: x.member ?? '', role, email: x.email ? x.email : null, expiresAt: x.expiresAt ?? '' };
}

/** The module answered the key's checked parameters; the schema check refuses anything else. */
function apiKeyCreated(meterId: string, x: Readonly<Record<string, string>>): EffectOf<'api_key_created'> {
  const scopes = (x.scopes ?? '').split(',') as EffectOf<'api_key_created'>['scopes'];
  return { kind: 'api_key_created', meterId, keyId: x.keyId ?? '', keyHashHex: x.keyHash ?? '', scopes, expiresAt: x.expiresAt ? x.expiresAt : null };
}

/** An ACH debit keeps the shape it had before cards; a card payment names its PaymentMethod. */
function fundingRequested(meterId: string, x: Readonly<Record<string, string>>): EffectOf<'funding_requested'> {
  const common = { kind: 'funding_requested' as const, meterId, requestId: x.requestId ?? '', amountMills: x.amountMills ?? '0' };
  if (x.method === 'card') return { ...common, bankAccountId: null, debitAuthorization: '', method: 'card', paymentMethod: x.paymentMethod ?? '' };
  return { ...common, bankAccountId: x.bankAccountId ?? '', debitAuthorization: x.debitAuthorization ?? '' };
}

function debitMeaning(meterId: string, args: EffectArgs, r: EffectResult): LedgerEffect {
  const requestId = args.requestId ?? '';
  const amountMills = r.amountMills ?? '0';
  const card = args.paymentIntentId ? { paymentIntentId: args.paymentIntentId } : {};
  if (r.outcome === 'settled') return { kind: 'funding_settled', meterId, requestId, amountMills, ...card };
  const outcome = r.outcome === 'owed' ? 'owed' : 'cancelled';
  return { kind: 'funding_returned', meterId, requestId, returnCode: args.returnCode ?? '', outcome, amountMills, ...card };
}

function required<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`a ledger effect needs the op's ${what}`);
  return v;
}
