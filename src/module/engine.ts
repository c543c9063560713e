import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import {
  MAX_FAILED_LOGINS,
  MODULE_KEY_CACHE_SIZE,
  MAX_ITEM_VALUE_MILLS,
  MAX_PASSWORD_LENGTH,
  METER_KEY_LIFETIME_DAYS,
  MIN_PASSWORD_LENGTH,
  PASSWORD_VERIFIER_SCRYPT,
  REGISTRATION_TTL_MS,
} from '../constants.js';
import { open, seal } from '../crypto/aead.js';
import { constantTimeEqual, hkdf, scryptKey } from '../crypto/kdf.js';
import { fail, VaultError } from '../errors.js';
import {
  decodeItem,
  encodeItem,
  encodeSignedBytes,
  ItemFormatError,
  itemIdOf,
  SOFTWARE_ID,
  signItemBytes,
  verifyItemSignature,
} from '../indicium/index.js';
import {
  acknowledgeCredits,
  applyPrint,
  applyRefund,
  applyWithdraw,
  applyFund,
  checkClientView,
  recordFailedLogin,
  recordGoodLogin,
  requireOperational,
  rotatePassword,
  ZERO_REGISTERS,
  assertRegisters,
  type MeterPackage,
  type PasswordVerifier,
} from '../meter/index.js';
import { parseMills } from '../money.js';
import { canonicalBytes, proofBytes, type CommandRequest, type CommandResponse, type Random } from '../protocol/index.js';
import { ephemeralKey, macResponse, openPassword, openRegistration, verifyRequestMac } from './protocol-crypto.js';
import { issueCertificate, newCertSerialHex } from './certificates.js';
import { parseKind, requestedItem } from './item-request.js';
import type { Keystore } from './keystore.js';
import type * as M from './messages.js';
import { openPackage, sealPackage } from './sealing.js';

const DAY_MS = 86_400_000;
const KEY_WRAP_INFO = 'vaultmeter/meter-key-wrap/v1';
const AUDIT_DOMAIN = 'vaultmeter/audit-report/v1';

export interface EngineDeps {
  readonly keystore: Keystore;
  readonly now: () => number;
  readonly random: Random;
  readonly refundWindowDays: number;
  /** The watchdog: a meter not audited for this long stops printing (the patent's PSD requirement). */
  readonly auditIntervalDays?: number;
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

/**
 * The module's meter logic: every operation opens a sealed package, checks it, acts, and returns a
 * freshly sealed package with the version one higher. It keeps no per-meter state of its own.
 */
export class MeterEngine {
  private readonly keyWrapKey: Buffer;
  private readonly identityKey: KeyObject;
  private readonly keyCache = new Map<string, KeyObject>();

  constructor(private readonly deps: EngineDeps) {
    this.keyWrapKey = hkdf(deps.keystore.domain.packageKey, Buffer.alloc(0), KEY_WRAP_INFO);
    this.identityKey = createPrivateKey({ key: deps.keystore.identity.privatePkcs8, format: 'der', type: 'pkcs8' });
  }

  info(): M.ModuleInfo {
    const { identity, domain } = this.deps.keystore;
    return { serial: identity.serial, certPem: identity.certPem, caCertPem: domain.caCertPem };
  }

  /** MeterGen: a new meter with its own P-256 key and a certificate from the installation CA. */
  async provision(args: M.ProvisionArgs): Promise<M.ProvisionResult> {
    if (!/^\d{5}$/.test(args.licensingZip)) fail('invalid_request', 'licensing ZIP must be 5 digits');
    const now = this.deps.now();
    const meterId = randomUUID();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    const certSerialHex = newCertSerialHex();
    const notAfterMs = now + METER_KEY_LIFETIME_DAYS * DAY_MS;
    const certificatePem = await issueCertificate(
      { certPem: this.deps.keystore.domain.caCertPem, privatePkcs8: this.deps.keystore.domain.caPrivatePkcs8 },
      {
        subject: `CN=meter ${meterId}, O=Vaultmeter`,
        publicSpki: publicKey.export({ type: 'spki', format: 'der' }),
        serialHex: certSerialHex,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(notAfterMs),
      },
    );
    const pkg: MeterPackage = {
      meterId,
      version: 1n,
      certSerialHex,
      licensingZip: args.licensingZip,
      wrappedSigningKey: seal(this.keyWrapKey, pkcs8, Buffer.from(meterId), this.deps.random(12)),
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
      createdAtMs: now,
    };
    return { meterId, certSerialHex, certificatePem, package: this.sealRef(pkg) };
  }

  /** Registration step 1: prove this module holds a certified key, and offer an ephemeral ECDH key. */
  registerBegin(args: M.RegisterBeginArgs): M.RegisterBeginResult {
    const pkg = this.open(args.pkg);
    if (pkg.state !== 'registered') fail('meter_not_operational', 'the meter is already registered');
    const clientNonce = fromHex(args.clientNonce, 32);
    const eph = ephemeralKey(this.deps.random);
    const { serial, certPem } = this.deps.keystore.identity;
    const proof = proofBytes({
      meterId: pkg.meterId,
      clientNonce,
      ephemeralPublicKey: eph.publicKey,
      moduleSerial: serial,
      meterCertSerialHex: pkg.certSerialHex,
    });
    const next = this.next(pkg, {
      pendingRegistration: {
        ephemeralPrivateKeyPkcs8: eph.privateKey,
        clientNonce,
        expiresAtMs: this.deps.now() + REGISTRATION_TTL_MS,
      },
    });
    return {
      package: this.sealRef(next),
      ephemeralPublicKey: hex(eph.publicKey),
      proofSignature: hex(sign('sha256', proof, this.identityKey)),
      moduleSerial: serial,
      moduleCertPem: certPem,
      meterCertSerialHex: pkg.certSerialHex,
    };
  }

  /** Registration step 2: open the client's envelope and make the meter operational. */
  async registerComplete(args: M.RegisterCompleteArgs): Promise<M.CommandResult> {
    const pkg = this.open(args.pkg);
    const pending = pkg.pendingRegistration;
    if (pkg.state !== 'registered' || !pending) fail('meter_not_operational', 'no registration is in progress for this meter');
    if (this.deps.now() > pending.expiresAtMs) fail('registration_expired');
    const sealedSecrets = fromB64(args.sealedSecrets);
    const secrets = openRegistration(pkg.meterId, pending.clientNonce, pending.ephemeralPrivateKeyPkcs8, {
      clientPublicKey: fromHex(args.clientPublicKey, 65),
      sealed: sealedSecrets,
    });
    if (!secrets) fail('bad_mac', 'the registration envelope does not open');
    checkPasswordRules(secrets.password);
    const verifier = await newVerifier(secrets.password, this.deps.random);
    const operational = rotatePassword(
      { ...pkg, clientMacKey: secrets.macKey, state: 'operational', pendingRegistration: null, passwordHistory: [] },
      verifier,
      this.deps.now(),
    );
    const requestMac = createHash('sha256').update(sealedSecrets).digest();
    return this.respond(operational, 'register', requestMac, 'ok', {});
  }

  /**
   * A fresh login challenge, MAC'd so the client knows it came from the module. Anyone may ask for
   * one, so it goes to its own slot: asking cannot spoil the challenge of a logged-in client.
   */
  challenge(args: M.ChallengeArgs): M.CommandResult {
    const pkg = this.open(args.pkg);
    if (!pkg.clientMacKey) fail('meter_not_operational', 'the meter has not completed registration');
    return this.respond(acknowledgeCredits(pkg), 'challenge', fromHex(args.clientNonce, 32), 'ok', { state: pkg.state }, 'loginChallenge');
  }

  /** Every client meter command: MAC, challenge (good once), then registers, then the operation. */
  async command(args: M.CommandArgs): Promise<M.CommandResult> {
    const pkg = this.open(args.pkg);
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
    // Unauthenticated or replayed: refuse without touching the package.
    if (!verifyRequestMac(macKey, request, mac)) fail('bad_mac');
    if (!expected || !constantTimeEqual(request.challenge, expected)) fail('challenge_mismatch');
    // From here the challenge is spent, whatever the outcome: a refused request can never be replayed later.
    const spent = args.op === 'login' ? { ...pkg, loginChallenge: null } : pkg;
    return this.settle(spent, request, mac, args);
  }

  private async settle(pkg: MeterPackage, request: CommandRequest, mac: Buffer, args: M.CommandArgs): Promise<M.CommandResult> {
    try {
      const { next, result, item } = await this.runCommand(pkg, request, args);
      const out = this.respond(acknowledgeCredits(next), args.op, mac, 'ok', result);
      return item ? { ...out, item: b64(item) } : out;
    } catch (e) {
      if (!(e instanceof VaultError) || e.code === 'invariant_violation' || e.code === 'package_tampered') throw e;
      const after = e.code === 'invalid_credentials' ? recordFailedLogin(pkg, this.deps.now()) : pkg;
      const keep = e.code === 'stale_registers' ? after : acknowledgeCredits(after);
      const extra = e.code === 'invalid_credentials' ? { ...e.extra, remainingAttempts: remaining(after) } : e.extra;
      const out = this.respond(keep, args.op, mac, e.code, {});
      return { ...out, error: { code: e.code, message: e.message, extra } };
    }
  }

  private async runCommand(
    pkg: MeterPackage,
    request: CommandRequest,
    args: M.CommandArgs,
  ): Promise<{ next: MeterPackage; result: Record<string, string>; item?: Buffer }> {
    const now = this.deps.now();
    const p: Record<string, string | undefined> = request.params;
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
      default:
        return fail('invalid_request', `unknown command ${request.op}`);
    }
  }

  private print(pkg: MeterPackage, p: Record<string, string | undefined>, now: number) {
    const amountMills = parseMills(p.amountMills, MAX_ITEM_VALUE_MILLS);
    const intervalDays = this.deps.auditIntervalDays;
    if (intervalDays !== undefined && now - (pkg.lastAuditAtMs ?? pkg.createdAtMs) > intervalDays * DAY_MS) {
      fail('audit_overdue', `the meter has not been audited for over ${intervalDays} days; an operator must audit it (admin audit) or fund it`);
    }
    if (now > pkg.keyNotAfterMs) fail('meter_not_operational', "the meter's signing key has expired");
    const kind = parseKind(p.kind);
    const { date, elements } = requestedItem(kind, p, now);
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
        ...elements,
      });
    } catch (e) {
      if (e instanceof ItemFormatError) fail('invalid_request', e.message);
      throw e;
    }
    const item = encodeItem(signed, signItemBytes(signed, this.signingKey(pkg)));
    const result = {
      itemId: itemIdOf(signed),
      itemSerial: next.itemSerial.toString(),
      amountMills: amountMills.toString(),
      kind,
      itemSha256: createHash('sha256').update(item).digest('hex'),
    };
    return { next, result, item };
  }

  private refund(pkg: MeterPackage, p: Record<string, string | undefined>, itemBytes: string | undefined, now: number) {
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
    if (!verifyItemSignature(decoded.signedBytes, decoded.signature, createPublicKey(this.signingKey(pkg)))) {
      fail('item_invalid', "the item's signature does not verify");
    }
    const issuedMs = Date.parse(`${decoded.data.date}T00:00:00Z`);
    if (now - issuedMs > this.deps.refundWindowDays * DAY_MS) fail('refund_window_closed');
    const next = applyRefund(pkg, decoded.data.valueMills, now);
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

  /** Operator funding: credits dr; the client learns of it in its next module response. */
  fund(args: M.FundArgs): M.FundResult {
    const pkg = this.open(args.pkg);
    // A postage value download includes a device audit, as in the patent's reset.
    const now = this.deps.now();
    const next = this.next({ ...applyFund(pkg, parseMills(args.amountMills), now), lastAuditAtMs: now });
    const r = next.registers;
    return {
      package: this.sealRef(next),
      arMills: r.arMills.toString(),
      drMills: r.drMills.toString(),
      controlTotalMills: r.controlTotalMills.toString(),
    };
  }

  /** A status report signed by this module's certified identity key. */
  audit(args: M.AuditArgs): M.AuditResult {
    const pkg = this.open(args.pkg);
    const now = this.deps.now();
    const next = this.next(pkg, { lastAuditAtMs: now });
    const r = pkg.registers;
    const fields = {
      meterId: pkg.meterId,
      moduleSerial: this.deps.keystore.identity.serial,
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
      package: this.sealRef(next),
      report: b64(report),
      signature: hex(sign('sha256', report, this.identityKey)),
      moduleCertPem: this.deps.keystore.identity.certPem,
      fields,
    };
  }

  private openSealedPassword(pkg: MeterPackage, request: { challenge: Buffer }, sealed: string | undefined): string {
    const password = sealed ? openPassword(pkg.clientMacKey!, request.challenge, pkg.meterId, fromB64(sealed)) : null;
    if (password === null) fail('invalid_request', 'the sealed password does not open');
    return password;
  }

  /**
   * The meter's signing key. Parsing PKCS#8 costs more than the signature itself, so unwrapped keys
   * stay in this process (never outside it), bounded, keyed by the exact wrapped bytes.
   */
  private signingKey(pkg: MeterPackage): KeyObject {
    const cacheKey = `${pkg.meterId}:${pkg.wrappedSigningKey.toString('base64')}`;
    const hit = this.keyCache.get(cacheKey);
    if (hit) return hit;
    const pkcs8 = open(this.keyWrapKey, pkg.wrappedSigningKey, Buffer.from(pkg.meterId));
    if (!pkcs8) fail('package_tampered', "the meter's signing key does not unwrap");
    const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    if (this.keyCache.size >= MODULE_KEY_CACHE_SIZE) this.keyCache.delete(this.keyCache.keys().next().value!);
    this.keyCache.set(cacheKey, key);
    return key;
  }

  /** Version and registers of a sealed package as handed in: the "before" of a log record. */
  registersOf(ref: M.SealedRef): { version: bigint; arMills: bigint; drMills: bigint } {
    const p = this.open(ref);
    return { version: p.version, arMills: p.registers.arMills, drMills: p.registers.drMills };
  }

  private open(ref: M.SealedRef): MeterPackage {
    if (!/^\d{1,18}$/.test(ref.version)) fail('invalid_request', 'bad package version');
    return openPackage(this.deps.keystore.domain.packageKey, ref.meterId, BigInt(ref.version), fromB64(ref.sealed));
  }

  private next(pkg: MeterPackage, changes: Partial<MeterPackage> = {}): MeterPackage {
    return { ...pkg, ...changes, version: pkg.version + 1n };
  }

  /** Every write re-checks the register invariant before anything leaves the module. */
  private sealRef(pkg: MeterPackage): M.SealedRef {
    assertRegisters(pkg.registers);
    return { meterId: pkg.meterId, version: pkg.version.toString(), sealed: b64(sealPackage(this.deps.keystore.domain.packageKey, pkg)) };
  }

  /** Seal the next package with a fresh challenge and MAC the answer with the client key. */
  private respond(
    pkg: MeterPackage,
    op: string,
    requestMac: Buffer,
    status: string,
    result: Record<string, string>,
    slot: 'lastChallenge' | 'loginChallenge' = 'lastChallenge',
  ): M.CommandResult {
    const nextChallenge = this.deps.random(32);
    const next = this.next(pkg, { [slot]: nextChallenge });
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
      package: this.sealRef(next),
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
      responseMac: hex(macResponse(next.clientMacKey!, response)),
    };
  }
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

function checkPasswordRules(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    fail('invalid_password', `passwords are ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
}

async function newVerifier(password: string, random: Random): Promise<PasswordVerifier> {
  const salt = random(16);
  return { salt, hash: await scryptKey(password, salt, PASSWORD_VERIFIER_SCRYPT) };
}

async function matchesVerifier(password: string, v: PasswordVerifier | null): Promise<boolean> {
  if (!v) return false;
  return constantTimeEqual(await scryptKey(password, v.salt, PASSWORD_VERIFIER_SCRYPT), v.hash);
}
