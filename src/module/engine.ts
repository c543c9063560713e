import { createHash, randomUUID } from 'node:crypto';
import {
  ACH_RETURN_WINDOW_DAYS,
  DEFAULT_ACH_HOLD_HOURS,
  MAX_FUNDING_REQUEST_MILLS,
  MAX_PENDING_DEBITS,
  MAX_PENDING_DEBIT_MILLS,
  MAX_SETTLED_DEBITS_REMEMBERED,
  MAX_FAILED_LOGINS,
  MAX_ITEM_VALUE_MILLS,
  MAX_PACKAGE_OFFICER_NONCES,
  MAX_SANDBOX_BALANCE_MILLS,
  OFFICER_STATEMENT_MAX_AGE_MS,
  METER_KEY_LIFETIME_DAYS,
  REGISTRATION_TTL_MS,
} from '../constants.js';
import { constantTimeEqual, type MeterKeyRef, type ModuleCrypto } from '../crypto/index.js';
import { fail, VaultError, type ErrorCode } from '../errors.js';
import { decodeItem, encodeItem, encodeSignedBytes, ItemFormatError, SOFTWARE_ID } from '../indicium/index.js';
import { itemIdOf, verifyItemSignature } from '../crypto/index.js';
import {
  acknowledgeCredits,
  applyPrint,
  applyRefund,
  applyWithdraw,
  applyFund,
  applyTestFund,
  refuseSandbox,
  applyFundingRequest,
  applySettlement,
  applyDebitReturn,
  applyDebitCancel,
  applyRevoke,
  applyUnlock,
  spendOfficerNonce,
  checkClientView,
  recordFailedLogin,
  recordGoodLogin,
  requireOperational,
  rotatePassword,
  ZERO_REGISTERS,
  NO_REFUNDS,
  NO_DEBITS,
  type DebitLimits,
  assertRegisters,
  type MeterPackage,
  type PendingRegistration,
  inviteMember,
  removeMember,
} from '../meter/index.js';
import { parseMills } from '../money.js';
import {
  canonicalBytes,
  checkInviteParams,
  HEX32,
  isMemberName,
  memberMayRun,
  proofBytes,
  UUID,
  type OfficerRole,
  type CommandRequest,
  type CommandResponse,
  type Random,
} from '../protocol/index.js';
import { ephemeralKey, macResponse, openPassword, openRegistration, verifyRequestMac } from './protocol-crypto.js';
import { newCertSerialHex } from './certificates.js';
import { checkOfficerAuthorization } from './officer-check.js';
import { parseKind, requestedItem } from './item-request.js';
import { priceChecked } from './rated-print.js';
import { authorizeDebit } from './debit-authorization.js';
import type { RateBook } from '../rates/index.js';
import type * as M from './messages.js';
import { refusalOf, type ServerRefusal } from './refusal.js';
import { apiKeyResult } from './api-key-op.js';
import { openPackage, sealPackage } from './sealing.js';
import { checkPasswordRules, matchesVerifier, newVerifier } from './passwords.js';
import { customerCare } from './care-desk.js';
import { acceptanceOf, acceptedMember, beginAcceptance, OWNER, principalOf, type Fold, type Principal } from './member-desk.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DEBIT_LIMITS: DebitLimits = {
  maxPending: MAX_PENDING_DEBITS,
  maxPendingMills: MAX_PENDING_DEBIT_MILLS,
  maxSettled: MAX_SETTLED_DEBITS_REMEMBERED,
  returnWindowMs: ACH_RETURN_WINDOW_DAYS * DAY_MS,
};
const RETURN_CODE = /^R\d{2}$/;
/** A card payment's outcome code (card_declined, card_disputed, card_refunded, ...). */
const CARD_CODE = /^card_[a-z_]{1,40}$/;
/** A Stripe PaymentMethod id (`pm_...`), which the customer's MAC names for a card payment. */
const PAYMENT_METHOD = /^pm_[A-Za-z0-9_]{1,200}$/;
const PAYMENT_INTENT = /^pi_[A-Za-z0-9_]{1,200}$/;
/** Failures of the package itself (or its keys): never answered as a command refusal that rotates the package. */
const FAIL_CLOSED: ReadonlySet<string> = new Set(['invariant_violation', 'package_tampered', 'key_version_unknown']);
const AUDIT_DOMAIN = 'vaultmeter/audit-report/v1';

export interface EngineDeps {
  /** Every secret-key operation: the engine holds no key bytes. */
  readonly crypto: ModuleCrypto;
  readonly now: () => number;
  readonly random: Random;
  readonly refundWindowDays: number;
  /** The rate tables installed now: postage is priced by them once there is one (src/module/rate-store.ts). */
  readonly rates?: () => RateBook;
  /** The installation prices postage: with no table installed, postage is refused rather than printed at any amount. */
  readonly ratedPostage?: boolean;
  /** The watchdog: a meter not audited for this long stops printing (the patent's PSD requirement). */
  readonly auditIntervalDays?: number;
  /** Between a customer's ACH funding request and its value download; the module's own setting, so the API server cannot shorten it. */
  readonly achHoldHours?: number;
}

const hex = (b: Buffer) => b.toString('hex');
const b64 = (b: Buffer) => b.toString('base64');
const fromHex = (s: string, bytes?: number): Buffer => {
  if (typeof s !== 'string' || !/^([0-9a-f]{2})*$/.test(s)) fail('invalid_request', 'expected hex bytes');
  const b = Buffer.from(s, 'hex');
  if (bytes !== undefined && b.length !== bytes) fail('invalid_request', `expected ${bytes} bytes`);
  return b;
};
const fromB64 = (s: string): Buffer => {
  if (typeof s !== 'string') fail('invalid_request', 'expected base64 bytes');
  return Buffer.from(s, 'base64');
};

/** Version and registers of a package: the "before" of a log record. */
export interface RegistersBefore {
  readonly version: bigint;
  readonly arMills: bigint;
  readonly drMills: bigint;
}

/**
 * The client's authenticated record of `ar` (it only ever rises: refunds credit `dr`) ahead of the
 * package proves the package older than the meter: a stale database. Nothing runs on it, nothing is
 * spent, and the client's record goes back to the server as evidence.
 */
function clientNotAhead(pkg: MeterPackage, request: CommandRequest): void {
  if (request.arMills <= pkg.registers.arMills) return;
  fail('package_stale', `meter ${pkg.meterId}: the client's own record shows ${request.arMills} mills printed, the package ${pkg.registers.arMills}`, {
    meterId: pkg.meterId,
    version: pkg.version.toString(),
    knownVersion: 'client',
    clientArMills: request.arMills.toString(),
    clientDrMills: request.drMills.toString(),
  });
}

export function registersOf(p: MeterPackage): RegistersBefore {
  return { version: p.version, arMills: p.registers.arMills, drMills: p.registers.drMills };
}

/**
 * The module's meter logic: every operation opens a sealed package, checks it, acts, and returns a
 * freshly sealed package with the version one higher. It keeps no per-meter state of its own.
 * Each op takes the package already opened (`opened`) when its caller opened it first (the guard
 * does, for the log record's "before"): a package is opened once per op.
 */
export class MeterEngine {
  private readonly crypto: ModuleCrypto;

  constructor(private readonly deps: EngineDeps) {
    this.crypto = deps.crypto;
  }

  info(): M.ModuleInfo {
    return { serial: this.crypto.serial, certPem: this.crypto.certPem, caCertPem: this.crypto.caCertPem };
  }

  /** MeterGen: a new meter with its own P-256 key and a certificate from the installation CA. */
  async provision(args: M.ProvisionArgs): Promise<M.ProvisionResult> {
    if (!/^\d{5}$/.test(args.licensingZip)) fail('invalid_request', 'licensing ZIP must be 5 digits');
    const now = this.deps.now();
    const meterId = randomUUID();
    const { wrapped, publicSpki } = await this.crypto.newMeterKey(meterId);
    const certSerialHex = newCertSerialHex();
    const notAfterMs = now + METER_KEY_LIFETIME_DAYS * DAY_MS;
    const certificatePem = await this.crypto.issueCertificate({
      subject: `CN=meter ${meterId}, O=Vaultmeter`,
      publicSpki,
      serialHex: certSerialHex,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(notAfterMs),
    });
    const pkg: MeterPackage = {
      meterId,
      version: 1n,
      certSerialHex,
      licensingZip: args.licensingZip,
      wrappedSigningKey: wrapped,
      keyNotBeforeMs: now,
      keyNotAfterMs: notAfterMs,
      registers: ZERO_REGISTERS,
      unackedCreditMills: 0n,
      itemSerial: 0n,
      clientMacKey: null,
      passwordVerifier: null,
      passwordHistory: [],
      failedLogins: 0,
      lastTransactionAtMs: null,
      lastChallenge: null,
      loginChallenge: null,
      lastAuditAtMs: null,
      state: 'registered',
      pendingRegistration: null,
      refunds: NO_REFUNDS,
      debits: NO_DEBITS,
      createdAtMs: now,
      spentOfficerNonces: [],
      sandbox: false,
      members: [],
    };
    return { meterId, certSerialHex, certificatePem, package: await this.sealRef(pkg) };
  }

  /** Registration step 1: prove this module holds a certified key, and offer an ephemeral ECDH key. */
  async registerBegin(args: M.RegisterBeginArgs, opened?: MeterPackage): Promise<M.RegisterBeginResult> {
    const pkg = opened ?? (await this.open(args.pkg));
    const clientNonce = fromHex(args.clientNonce, 32);
    // A member accepting an invitation begins the same way, its offer kept in the member's slot.
    if (args.member !== undefined) {
      const member = args.member;
      return this.offer(pkg, clientNonce, (pending) => beginAcceptance(pkg, member, pending, this.deps.now()));
    }
    if (pkg.state !== 'registered') fail('meter_not_operational', 'the meter is already registered');
    // A begun registration belongs to whoever began it (only they know its nonce) until it expires:
    // begun again by another client, it would be theirs to complete.
    const begun = pkg.pendingRegistration;
    if (begun && this.deps.now() <= begun.expiresAtMs && !constantTimeEqual(begun.clientNonce, clientNonce)) {
      fail('registration_pending', `another client began this registration; it expires at ${new Date(begun.expiresAtMs).toISOString()}`);
    }
    const sandbox = args.sandbox === true;
    return this.offer(pkg, clientNonce, (pending) => ({ ...pkg, pendingRegistration: { ...pending, sandbox } }));
  }

  /** An ephemeral ECDH key kept where `keep` puts it, and the module's signed proof over it. */
  private async offer(pkg: MeterPackage, clientNonce: Buffer, keep: (pending: PendingRegistration) => MeterPackage): Promise<M.RegisterBeginResult> {
    const eph = ephemeralKey(this.deps.random);
    const { serial, certPem } = this.crypto;
    const proof = proofBytes({
      meterId: pkg.meterId,
      clientNonce,
      ephemeralPublicKey: eph.publicKey,
      moduleSerial: serial,
      meterCertSerialHex: pkg.certSerialHex,
    });
    const pending = { ephemeralPrivateKeyPkcs8: eph.privateKey, clientNonce, expiresAtMs: this.deps.now() + REGISTRATION_TTL_MS, sandbox: false };
    const next = this.next(keep(pending));
    return {
      package: await this.sealRef(next),
      ephemeralPublicKey: hex(eph.publicKey),
      proofSignature: hex(await this.crypto.signAsModule('registration-proof', proof)),
      moduleSerial: serial,
      moduleCertPem: certPem,
      meterCertSerialHex: pkg.certSerialHex,
    };
  }

  /** The member's sealed envelope: its MAC key, its password and the invitation code, which must match the owner's. */
  private async acceptComplete(pkg: MeterPackage, member: string, args: M.RegisterCompleteArgs): Promise<M.CommandResult> {
    const { slot, pending } = acceptanceOf(pkg, member, this.deps.now());
    const sealedSecrets = fromB64(args.sealedSecrets);
    const secrets = openRegistration(pkg.meterId, pending.clientNonce, pending.ephemeralPrivateKeyPkcs8, {
      clientPublicKey: fromHex(args.clientPublicKey, 65),
      sealed: sealedSecrets,
    });
    if (!secrets) fail('bad_mac', 'the acceptance envelope does not open');
    checkPasswordRules(secrets.password);
    const verifier = await newVerifier(secrets.password, this.deps.random);
    const joined = acceptedMember(pkg, slot, secrets, verifier);
    const who = principalOf(joined, member);
    const requestMac = createHash('sha256').update(sealedSecrets).digest();
    const result = { sandbox: String(pkg.sandbox), member, role: slot.role };
    return this.respond(who.view, 'register', requestMac, 'ok', result, 'lastChallenge', who.fold);
  }

  /** Registration step 2: open the client's envelope and make the meter operational. */
  async registerComplete(args: M.RegisterCompleteArgs, opened?: MeterPackage): Promise<M.CommandResult> {
    const pkg = opened ?? (await this.open(args.pkg));
    if (args.member !== undefined) return this.acceptComplete(pkg, args.member, args);
    const pending = pkg.pendingRegistration;
    if (pkg.state !== 'registered' || !pending) fail('meter_not_operational', 'no registration is in progress for this meter');
    if (this.deps.now() > pending.expiresAtMs) fail('registration_expired');
    const sealedSecrets = fromB64(args.sealedSecrets);
    const secrets = openRegistration(pkg.meterId, pending.clientNonce, pending.ephemeralPrivateKeyPkcs8, {
      clientPublicKey: fromHex(args.clientPublicKey, 65),
      sealed: sealedSecrets,
    });
    if (!secrets) fail('bad_mac', 'the registration envelope does not open');
    // Test mode is the client's sealed word, and it must be what the registration was begun as: the
    // server relays both, and can change neither into the other.
    const sandbox = secrets.sandbox === true;
    if (sandbox !== pending.sandbox) {
      fail(
        'registration_mismatch',
        `the sealed request asks for ${sandbox ? 'a sandbox' : 'a real'} meter; the registration was begun for ${pending.sandbox ? 'a sandbox' : 'a real'} one`,
      );
    }
    checkPasswordRules(secrets.password);
    const verifier = await newVerifier(secrets.password, this.deps.random);
    const operational = rotatePassword(
      { ...pkg, clientMacKey: secrets.macKey, state: 'operational', pendingRegistration: null, passwordHistory: [], sandbox },
      verifier,
      this.deps.now(),
    );
    const requestMac = createHash('sha256').update(sealedSecrets).digest();
    // MAC'd with the new client key: the client learns from the module itself what it registered.
    return this.respond(operational, 'register', requestMac, 'ok', { sandbox: String(sandbox) });
  }

  /**
   * A fresh login challenge, MAC'd so the client knows it came from the module. Anyone may ask for
   * one, so it goes to its own slot: asking cannot spoil the challenge of a logged-in client.
   */
  async challenge(args: M.ChallengeArgs, opened?: MeterPackage): Promise<M.CommandResult> {
    const who = principalOf(opened ?? (await this.open(args.pkg)), args.member);
    const pkg = who.view;
    if (!pkg.clientMacKey) fail('meter_not_operational', 'the meter has not completed registration');
    return this.respond(acknowledgeCredits(pkg), 'challenge', fromHex(args.clientNonce, 32), 'ok', { state: pkg.state }, 'loginChallenge', who.fold);
  }

  /** Every client meter command: MAC, challenge (good once), then registers, then the operation. */
  async command(args: M.CommandArgs, opened?: MeterPackage): Promise<M.CommandResult> {
    // A member's command runs on its view of the package: its key, its challenge, its password.
    const who = principalOf(opened ?? (await this.open(args.pkg)), args.member);
    const pkg = who.view;
    const macKey = pkg.clientMacKey;
    const expected = args.op === 'login' ? pkg.loginChallenge : pkg.lastChallenge;
    if (!macKey) fail('meter_not_operational', 'the meter has not completed registration');
    const request: CommandRequest = {
      op: args.op,
      meterId: pkg.meterId,
      challenge: fromHex(args.challenge, 32),
      arMills: parseRegister(args.arMills),
      drMills: parseRegister(args.drMills),
      params: validParams(args.params),
    };
    const mac = fromHex(args.mac, 32);
    const refusal = refusalOf(args.refusal);
    // Unauthenticated or replayed: refuse without touching the package.
    if (!verifyRequestMac(macKey, request, mac)) fail('bad_mac');
    clientNotAhead(pkg, request);
    if (!expected || !constantTimeEqual(request.challenge, expected)) fail('challenge_mismatch');
    // From here the challenge is spent, whatever the outcome: a refused request can never be replayed later.
    const spent = args.op === 'login' ? { ...pkg, loginChallenge: null } : pkg;
    return this.settle(spent, request, mac, args, who, refusal);
  }

  private async settle(
    pkg: MeterPackage,
    request: CommandRequest,
    mac: Buffer,
    args: M.CommandArgs,
    who: Principal,
    refusal?: ServerRefusal,
  ): Promise<M.CommandResult> {
    try {
      if (refusal) throw new VaultError(refusal.code as ErrorCode, refusal.message);
      const { next, result, item } = await this.runCommand(pkg, request, args, who);
      const out = await this.respond(acknowledgeCredits(next), args.op, mac, 'ok', result, 'lastChallenge', who.fold);
      return item ? { ...out, item: b64(item) } : out;
    } catch (e) {
      if (!(e instanceof VaultError) || FAIL_CLOSED.has(e.code)) throw e;
      const after = e.code === 'invalid_credentials' ? recordFailedLogin(pkg, this.deps.now()) : pkg;
      const keep = e.code === 'stale_registers' ? after : acknowledgeCredits(after);
      const member = who.role === OWNER ? {} : { member: args.member };
      const extra = e.code === 'invalid_credentials' ? { ...e.extra, remainingAttempts: remaining(after), ...member } : e.extra;
      const out = await this.respond(keep, args.op, mac, e.code, {}, 'lastChallenge', who.fold);
      return { ...out, error: { code: e.code, message: e.message, extra } };
    }
  }

  private async runCommand(
    pkg: MeterPackage,
    request: CommandRequest,
    args: M.CommandArgs,
    who: Principal,
  ): Promise<{ next: MeterPackage; result: Record<string, string>; item?: Buffer }> {
    const now = this.deps.now();
    const p: Record<string, string | undefined> = request.params;
    if (who.role !== OWNER && !memberMayRun(who.role, request.op)) fail('member_role', `a ${who.role} may not ${request.op}`);
    if (request.op === 'login') {
      if (pkg.state === 'locked') fail('meter_locked');
      const password = this.openSealedPassword(pkg, request, p.sealedPassword);
      if (!(await matchesVerifier(password, pkg.passwordVerifier))) fail('invalid_credentials', 'the password is wrong');
      return { next: recordGoodLogin(pkg, now), result: { state: pkg.state } };
    }
    requireOperational(pkg);
    checkClientView(pkg, request);
    switch (request.op) {
      case 'balance':
        return { next: pkg, result: {} };
      case 'print':
        return this.print(pkg, p, now);
      case 'refund':
        return this.refund(pkg, p, args.itemBytes, now);
      case 'withdraw':
        return { next: applyWithdraw(pkg, now), result: {} };
      case 'password':
        return this.changePassword(pkg, request, now);
      case 'fund_request':
        return this.fundingRequest(pkg, p, now);
      case 'api_key':
        return { next: pkg, result: apiKeyResult(p, now) };
      case 'test_fund': {
        const amountMills = parseMills(p.amountMills, MAX_SANDBOX_BALANCE_MILLS);
        return { next: applyTestFund(pkg, amountMills, now, MAX_SANDBOX_BALANCE_MILLS), result: { amountMills: amountMills.toString(), sandbox: 'true' } };
      }
      case 'member_invite': {
        const invite = checkInviteParams(p, now);
        if (typeof invite === 'string') fail('invalid_request', invite);
        const { member, role, codeHashHex, email, expiresAt } = invite;
        return { next: inviteMember(pkg, invite), result: { member, role, codeHash: codeHashHex, email: email ?? '', expiresAt } };
      }
      case 'move': {
        // Meter movement: the licensing ZIP the meter's items are reported under (issue 18 item 1).
        if (!/^\d{5}$/.test(p.licensingZip ?? '')) fail('invalid_request', 'licensingZip is 5 digits');
        if (p.licensingZip === pkg.licensingZip) fail('invalid_request', `the meter is licensed in ${pkg.licensingZip} already`);
        return { next: { ...pkg, licensingZip: p.licensingZip!, lastTransactionAtMs: now }, result: { fromZip: pkg.licensingZip, toZip: p.licensingZip! } };
      }
      case 'member_remove': {
        if (!isMemberName(p.member)) fail('invalid_request', 'name the member to remove');
        return { next: removeMember(pkg, p.member), result: { member: p.member } };
      }
      default:
        return fail('invalid_request', `unknown command ${request.op}`);
    }
  }

  private async print(pkg: MeterPackage, p: Record<string, string | undefined>, now: number) {
    const amountMills = parseMills(p.amountMills, MAX_ITEM_VALUE_MILLS);
    const intervalDays = this.deps.auditIntervalDays;
    if (intervalDays !== undefined && now - (pkg.lastAuditAtMs ?? pkg.createdAtMs) > intervalDays * DAY_MS) {
      fail('audit_overdue', `the meter has not been audited for over ${intervalDays} days; an operator must audit it (admin audit) or fund it`);
    }
    if (now > pkg.keyNotAfterMs) fail('meter_not_operational', "the meter's signing key has expired");
    const kind = parseKind(p.kind);
    const requested = requestedItem(kind, p, now);
    const { date, elements } = priceChecked(this.deps.rates?.(), requested, p, amountMills, this.deps.ratedPostage === true);
    const next = applyPrint(pkg, amountMills, now);
    let signed: Buffer;
    try {
      signed = encodeSignedBytes({
        certSerialHex: pkg.certSerialHex,
        meterId: pkg.meterId,
        itemSerial: next.itemSerial,
        arAfterMills: next.registers.arMills,
        valueMills: amountMills,
        date,
        softwareId: SOFTWARE_ID,
        ...(pkg.sandbox ? { test: true } : {}),
        ...elements,
      });
    } catch (e) {
      if (e instanceof ItemFormatError) fail('invalid_request', e.message);
      throw e;
    }
    const item = encodeItem(signed, await this.crypto.signItem(meterKeyOf(pkg), signed));
    const result = {
      itemId: itemIdOf(signed),
      itemSerial: next.itemSerial.toString(),
      amountMills: amountMills.toString(),
      kind,
      itemSha256: createHash('sha256').update(item).digest('hex'),
      ...(pkg.sandbox ? { test: 'true' } : {}),
    };
    return { next, result, item };
  }

  private async refund(pkg: MeterPackage, p: Record<string, string | undefined>, itemBytes: string | undefined, now: number) {
    if (!itemBytes) fail('invalid_request', 'the item bytes are missing');
    let decoded;
    try {
      decoded = decodeItem(fromB64(itemBytes));
    } catch (e) {
      return fail('item_invalid', (e as Error).message);
    }
    if (itemIdOf(decoded.signedBytes) !== p.itemId || decoded.data.meterId !== pkg.meterId) {
      fail('item_invalid', 'the item is not the one named, or was not issued by this meter');
    }
    if (!verifyItemSignature(decoded.signedBytes, decoded.signature, await this.crypto.meterPublicKey(meterKeyOf(pkg)))) {
      fail('item_invalid', "the item's signature does not verify");
    }
    const issuedMs = Date.parse(`${decoded.data.date}T00:00:00Z`);
    const windowMs = this.deps.refundWindowDays * DAY_MS;
    if (now - issuedMs > windowMs) fail('refund_window_closed');
    // The package, not the database, says whether this item was refunded already.
    const next = applyRefund(pkg, { serial: decoded.data.itemSerial, issuedMs, amountMills: decoded.data.valueMills }, now, windowMs);
    return { next, result: { itemId: p.itemId!, refundedMills: decoded.data.valueMills.toString() } };
  }

  private async changePassword(pkg: MeterPackage, request: CommandRequest, now: number) {
    const oldPassword = this.openSealedPassword(pkg, request, request.params.sealedOldPassword);
    const newPassword = this.openSealedPassword(pkg, request, request.params.sealedNewPassword);
    if (!(await matchesVerifier(oldPassword, pkg.passwordVerifier))) fail('invalid_credentials', 'the current password is wrong');
    checkPasswordRules(newPassword);
    for (const old of pkg.passwordHistory) {
      if (await matchesVerifier(newPassword, old)) fail('password_reused');
    }
    return { next: rotatePassword(pkg, await newVerifier(newPassword, this.deps.random), now), result: {} };
  }

  private get achHoldMs(): number {
    return (this.deps.achHoldHours ?? DEFAULT_ACH_HOLD_HOURS) * HOUR_MS;
  }

  /**
   * The customer's signed request for an ACH debit or a card payment: it waits in the package,
   * crediting nothing. An ACH debit names a bank account on file and gets the module's debit
   * authorization (for the file builder); a card payment names the Stripe PaymentMethod to charge.
   */
  private async fundingRequest(pkg: MeterPackage, p: Record<string, string | undefined>, now: number) {
    refuseSandbox(pkg, 'no ACH debit or card payment funds it');
    const amountMills = parseMills(p.amountMills, MAX_FUNDING_REQUEST_MILLS);
    // A bank, or a card network, moves cents: a fraction of a cent could not be charged.
    if (amountMills % 10n !== 0n) fail('invalid_amount', 'a funding request is a whole number of cents (mills divisible by 10)');
    const requestId = p.requestId ?? '';
    if (!HEX32.test(requestId)) fail('invalid_request', 'requestId is 32 lowercase hex characters');
    const method = p.method ?? 'ach';
    if (method === 'card') {
      const paymentMethod = p.paymentMethod ?? '';
      if (!PAYMENT_METHOD.test(paymentMethod)) fail('invalid_request', 'a card payment names its Stripe PaymentMethod (pm_...)');
      if (p.bankAccountId !== undefined) fail('invalid_request', 'a card payment names no bank account');
      const next = applyFundingRequest(pkg, { requestId, amountMills, method }, now, DEBIT_LIMITS);
      const terms = { meterId: pkg.meterId, requestId, method, paymentMethod, amountMills: amountMills.toString() };
      return { next, result: { ...terms, settleAfter: new Date(now).toISOString() } };
    }
    if (method !== 'ach') fail('invalid_request', 'method is ach or card');
    const bankAccountId = p.bankAccountId ?? '';
    if (!UUID.test(bankAccountId)) fail('invalid_request', 'bankAccountId is a UUID');
    const next = applyFundingRequest(pkg, { requestId, amountMills, method: 'ach' }, now, DEBIT_LIMITS);
    const settleAfter = new Date(now + this.achHoldMs).toISOString();
    const terms = { meterId: pkg.meterId, requestId, bankAccountId, amountMills: amountMills.toString() };
    return { next, result: { ...terms, settleAfter, debitAuthorization: await authorizeDebit(this.crypto, terms) } };
  }

  /**
   * A pending ACH debit settles (its value is downloaded, once its hold has passed on this module's
   * clock) or comes back from the bank. No officer signs either: value arises only from a debit the
   * customer's MAC requested, and a return can only take value back.
   */
  async debit(args: M.DebitArgs, opened?: MeterPackage): Promise<M.DebitResult> {
    const pkg = opened ?? (await this.open(args.pkg));
    const now = this.deps.now();
    if (!HEX32.test(args.requestId)) fail('invalid_request', 'requestId is 32 lowercase hex characters');
    if (args.action === 'settle') refuseSandbox(pkg, 'no debit settles on it');
    if (args.paymentIntentId !== undefined && !PAYMENT_INTENT.test(args.paymentIntentId))
      fail('invalid_request', 'paymentIntentId is a Stripe PaymentIntent id (pi_...)');
    let changed: { next: MeterPackage; amountMills: bigint; outcome: M.DebitOutcome };
    if (args.action === 'settle') {
      changed = { ...applySettlement(pkg, args.requestId, now, this.achHoldMs, DEBIT_LIMITS), outcome: 'settled' };
    } else if (args.action === 'return') {
      const code = args.returnCode ?? '';
      if (!RETURN_CODE.test(code) && !CARD_CODE.test(code))
        fail('invalid_request', 'a return carries its reason code, R01 to R99 (or card_* for a card payment)');
      changed = applyDebitReturn(pkg, args.requestId, now);
    } else if (args.action === 'cancel') {
      if (!CARD_CODE.test(args.returnCode ?? '')) fail('invalid_request', 'a cancelled card payment carries its reason, card_*');
      changed = applyDebitCancel(pkg, args.requestId, now);
    } else {
      return fail('invalid_request', 'a debit is settled, returned or cancelled');
    }
    const next = this.next(changed.next);
    const r = next.registers;
    return {
      package: await this.sealRef(next),
      outcome: changed.outcome,
      amountMills: changed.amountMills.toString(),
      owedMills: next.debits.owedMills.toString(),
      state: next.state,
      arMills: r.arMills.toString(),
      drMills: r.drMills.toString(),
    };
  }

  /**
   * Operator funding: credits dr; the client learns of it in its next module response. Only on an
   * officer's signed statement naming this meter and amount, spent in the package so it can't replay.
   */
  async fund(args: M.FundArgs, opened?: MeterPackage): Promise<M.FundResult> {
    const pkg = opened ?? (await this.open(args.pkg));
    const now = this.deps.now();
    const amountMills = parseMills(args.amountMills);
    refuseSandbox(pkg, 'no officer funds it');
    const spent = this.signedFor(pkg, 'fund', ['security_officer', 'operator'], args, { amountMills: args.amountMills }, now);
    // A postage value download includes a device audit, as in the patent's reset.
    const next = this.next({ ...applyFund(spent, amountMills, now), lastAuditAtMs: now });
    const r = next.registers;
    return {
      package: await this.sealRef(next),
      arMills: r.arMills.toString(),
      drMills: r.drMills.toString(),
      controlTotalMills: r.controlTotalMills.toString(),
    };
  }

  /**
   * The package with the acting officer's statement spent: the statement must name exactly this act
   * on this meter, be signed by the officer acting (with a role that may), and not be spent before.
   */
  private signedFor(
    pkg: MeterPackage,
    act: 'fund' | 'unlock_meter' | 'revoke_meter',
    roles: readonly OfficerRole[],
    args: { authorization?: unknown; actor?: string },
    params: Record<string, string>,
    now: number,
  ): MeterPackage {
    const expect = { act, params: { meterId: pkg.meterId, ...params }, roles, signers: 1 as const, nowMs: now };
    const { statement, officers } = checkOfficerAuthorization(this.crypto.caCertPem, args.authorization, expect);
    if (args.actor !== officers[0]!.user) fail('officer_signature_invalid', `the statement is signed by ${officers[0]!.user}, not by the officer acting`);
    return spendOfficerNonce(pkg, { nonce: statement.nonce, timeMs: statement.timeMs }, now, OFFICER_STATEMENT_MAX_AGE_MS, MAX_PACKAGE_OFFICER_NONCES);
  }

  /** A security officer's care of one meter (unlock, revoke): on that officer's signed statement, spent in the package. */
  private async officerCare(
    pkg: MeterPackage,
    act: 'unlock_meter' | 'revoke_meter',
    args: { authorization?: unknown; actor?: string },
    params: Record<string, string>,
    change: (p: MeterPackage) => MeterPackage,
  ): Promise<M.CareResult> {
    // Support may unlock (a locked meter strands only its own customer's value); only a security officer revokes.
    const roles: readonly OfficerRole[] = act === 'unlock_meter' ? ['security_officer', 'support'] : ['security_officer'];
    const spent = this.signedFor(pkg, act, roles, args, params, this.deps.now());
    const next = this.next(change(spent));
    return { package: await this.sealRef(next), state: next.state };
  }

  /** Return a locked meter to service (its balance would otherwise be stranded). */
  async unlock(args: M.UnlockArgs, opened?: MeterPackage): Promise<M.CareResult> {
    return this.officerCare(opened ?? (await this.open(args.pkg)), 'unlock_meter', args, {}, applyUnlock);
  }

  /** Revoke a meter: the module refuses every command on it from now on, whatever the database says. */
  async revoke(args: M.RevokeArgs, opened?: MeterPackage): Promise<M.CareResult> {
    return this.officerCare(opened ?? (await this.open(args.pkg)), 'revoke_meter', args, { reason: args.reason }, applyRevoke);
  }

  /** Customer care's dual-control acts: password reset, balance adjustment, closing the account. */
  async care(args: M.CustomerCareArgs, opened?: MeterPackage): Promise<M.CustomerCareResult> {
    const pkg = opened ?? (await this.open(args.pkg));
    const deps = { caCertPem: this.crypto.caCertPem, random: this.deps.random, nowMs: this.deps.now() };
    const out = await customerCare(pkg, args, deps);
    const next = this.next(out.next);
    const r = next.registers;
    return {
      package: await this.sealRef(next),
      act: args.act as M.CareAct,
      state: next.state,
      arMills: r.arMills.toString(),
      drMills: r.drMills.toString(),
      amountMills: out.amountMills.toString(),
      owedMills: next.debits.owedMills.toString(),
      officers: out.officers,
      ...(out.balanceMills !== undefined ? { balanceMills: out.balanceMills.toString() } : {}),
      ...(out.reset ? { resetNonce: out.reset.nonceHex, sealedPassword: out.reset.sealedBase64 } : {}),
    };
  }

  /** A status report signed by this module's certified identity key. */
  async audit(args: M.AuditArgs, opened?: MeterPackage): Promise<M.AuditResult> {
    const pkg = opened ?? (await this.open(args.pkg));
    const now = this.deps.now();
    const next = this.next(pkg, { lastAuditAtMs: now });
    const r = pkg.registers;
    const fields = {
      meterId: pkg.meterId,
      moduleSerial: this.crypto.serial,
      state: pkg.state,
      arMills: r.arMills.toString(),
      drMills: r.drMills.toString(),
      controlTotalMills: r.controlTotalMills.toString(),
      itemSerial: pkg.itemSerial.toString(),
      packageVersion: next.version.toString(),
      auditedAt: new Date(now).toISOString(),
    };
    const report = canonicalBytes(AUDIT_DOMAIN, fields);
    return {
      package: await this.sealRef(next),
      report: b64(report),
      signature: hex(await this.crypto.signAsModule('audit-report', report)),
      moduleCertPem: this.crypto.certPem,
      fields,
    };
  }

  private openSealedPassword(pkg: MeterPackage, request: { challenge: Buffer }, sealed: string | undefined): string {
    const password = sealed ? openPassword(pkg.clientMacKey!, request.challenge, pkg.meterId, fromB64(sealed)) : null;
    if (password === null) fail('invalid_request', 'the sealed password does not open');
    return password;
  }

  /** Version and registers of a sealed package as handed in. */
  async registersOf(ref: M.SealedRef): Promise<RegistersBefore> {
    return registersOf(await this.open(ref));
  }

  /** Open a sealed package as handed in: for a caller that needs it before the op (see `opened`). */
  async open(ref: M.SealedRef): Promise<MeterPackage> {
    if (typeof ref !== 'object' || ref === null || typeof ref.meterId !== 'string') fail('invalid_request', 'bad package reference');
    if (!/^\d{1,18}$/.test(ref.version)) fail('invalid_request', 'bad package version');
    return openPackage(this.crypto, ref.meterId, BigInt(ref.version), fromB64(ref.sealed));
  }

  private next(pkg: MeterPackage, changes: Partial<MeterPackage> = {}): MeterPackage {
    return { ...pkg, ...changes, version: pkg.version + 1n };
  }

  /** Every write re-checks the register invariant before anything leaves the module. */
  private async sealRef(pkg: MeterPackage): Promise<M.SealedRef> {
    assertRegisters(pkg.registers);
    return { meterId: pkg.meterId, version: pkg.version.toString(), sealed: b64(await sealPackage(this.crypto, pkg)) };
  }

  /** Seal the next package with a fresh challenge and MAC the answer with the client key. */
  private async respond(
    pkg: MeterPackage,
    op: string,
    requestMac: Buffer,
    status: string,
    result: Record<string, string>,
    slot: 'lastChallenge' | 'loginChallenge' = 'lastChallenge',
    fold: Fold = (p) => p,
  ): Promise<M.CommandResult> {
    const nextChallenge = this.deps.random(32);
    // The caller's view (a member's credentials in place) answers; the package sealed is the whole one.
    const view = this.next(pkg, { [slot]: nextChallenge });
    const next = fold(view);
    const r = next.registers;
    const response: CommandResponse = {
      op,
      meterId: pkg.meterId,
      requestMac,
      status,
      arMills: r.arMills,
      drMills: r.drMills,
      controlTotalMills: r.controlTotalMills,
      nextChallenge,
      result,
    };
    return {
      package: await this.sealRef(next),
      response: {
        op,
        meterId: pkg.meterId,
        requestMac: hex(requestMac),
        status,
        arMills: r.arMills.toString(),
        drMills: r.drMills.toString(),
        controlTotalMills: r.controlTotalMills.toString(),
        nextChallenge: hex(nextChallenge),
        result,
      },
      responseMac: hex(macResponse(view.clientMacKey!, response)),
    };
  }
}

function meterKeyOf(pkg: MeterPackage): MeterKeyRef {
  return { meterId: pkg.meterId, wrapped: pkg.wrappedSigningKey };
}

function remaining(pkg: MeterPackage): number {
  return Math.max(0, MAX_FAILED_LOGINS - pkg.failedLogins);
}

function parseRegister(v: string): bigint {
  if (typeof v !== 'string' || !/^\d{1,18}$/.test(v)) fail('invalid_request', 'registers are strings of integer mills');
  return BigInt(v);
}

function validParams(params: unknown): Record<string, string> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) fail('invalid_request', 'params must be an object');
  for (const v of Object.values(params)) if (typeof v !== 'string') fail('invalid_request', 'params must be strings');
  return params as Record<string, string>;
}
