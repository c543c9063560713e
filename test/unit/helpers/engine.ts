import { generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import { createAuthority, issueCertificate, newCertSerialHex } from '../../../src/module/certificates.js';
import { MeterEngine } from '../../../src/module/engine.js';
import { newDomainKeys, type Keystore } from '../../../src/module/keystore.js';
import { SoftwareModuleCrypto } from '../../../src/module/software-crypto.js';
import type { ModuleCrypto } from '../../../src/crypto/module-crypto.js';
import type { CommandArgs, CommandResult, ProvisionResult, SealedRef } from '../../../src/module/messages.js';
import { officerStatementBytes, officerSubject, type CommandResponse, type OfficerAct, type OfficerRole } from '../../../src/protocol/index.js';
import { macRequest, sealPassword, sealRegistration, verifyProof, verifyResponseMac } from '../../../src/module/protocol-crypto.js';
import { certificateChainsTo } from '../../../src/crypto/index.js';

export const DAY_MS = 86_400_000;
/** 2026-03-14T15:00:00Z: the injected clock starts here. */
export const T0 = Date.UTC(2026, 2, 14, 15, 0, 0);
export const TODAY = '2026-03-14';
export const PASSWORD = 'correct horse battery';

export class Clock {
  constructor(public ms = T0) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

let keystorePromise: Promise<Keystore> | undefined;
/** An operator certified by the test CA, ready once testKeystore() has resolved. */
let testOfficer: { certificatePem: string; key: KeyObject } | undefined;
/** Two security officers certified by the test CA: dual control. */
const securityOfficers: { certificatePem: string; key: KeyObject }[] = [];
/** A customer support agent certified by the test CA. */
let supportAgent: { certificatePem: string; key: KeyObject } | undefined;
/** The clock of the engine made last: officer statements are dated by it, as a real officer's would be by the real clock. */
let activeClock: Clock | undefined;

/** Two security officers' signatures over one act, dated now by the engine's clock. */
export function dualControl(act: OfficerAct, params: Record<string, string>) {
  const statement = { act, params, nonce: randomBytes(16).toString('hex'), timeMs: activeClock?.ms ?? T0 };
  const bytes = officerStatementBytes(statement);
  const signatures = securityOfficers.map((o) => ({
    certificatePem: o.certificatePem,
    signature: sign('sha256', bytes, { key: o.key, dsaEncoding: 'ieee-p1363' }).toString('base64'),
  }));
  return { statement, signatures };
}

export type Signer = 'unit-so1' | 'unit-so2' | 'unit-support' | 'unit-operator';

/** These officers' signatures over one act, in this order, dated now by the engine's clock (a care act: support asks, a security officer approves). */
export function signedBy(act: OfficerAct, params: Record<string, string>, signers: readonly Signer[]) {
  const statement = { act, params, nonce: randomBytes(16).toString('hex'), timeMs: activeClock?.ms ?? T0 };
  const bytes = officerStatementBytes(statement);
  const keyOf = { 'unit-so1': securityOfficers[0], 'unit-so2': securityOfficers[1], 'unit-support': supportAgent, 'unit-operator': testOfficer };
  const signatures = signers.map((who) => {
    const o = keyOf[who]!;
    return { certificatePem: o.certificatePem, signature: sign('sha256', bytes, { key: o.key, dsaEncoding: 'ieee-p1363' }).toString('base64') };
  });
  return { statement, signatures };
}

/** One security officer's signature over an act on a meter (unlock, revoke), dated now; actor is that officer. */
export function securityOfficerSigned(act: OfficerAct, params: Record<string, string>) {
  const both = dualControl(act, params);
  return { actor: 'unit-so1', authorization: { statement: both.statement, signatures: [both.signatures[0]!] } };
}

/** Fund args with an operator's signed statement of exactly this funding, dated now by the engine's clock. */
export function officerFund(pkg: SealedRef, amountMills: string) {
  if (!testOfficer) throw new Error('officerFund needs testKeystore() first');
  const statement = {
    act: 'fund' as const,
    params: { meterId: pkg.meterId, amountMills },
    nonce: randomBytes(16).toString('hex'),
    timeMs: activeClock?.ms ?? T0,
  };
  const signature = sign('sha256', officerStatementBytes(statement), { key: testOfficer.key, dsaEncoding: 'ieee-p1363' }).toString('base64');
  return { pkg, amountMills, actor: 'unit-operator', authorization: { statement, signatures: [{ certificatePem: testOfficer.certificatePem, signature }] } };
}

/** One installation per test file: a CA, a module identity certified by it, and domain keys. */
export function testKeystore(): Promise<Keystore> {
  keystorePromise ??= (async () => {
    const ca = await createAuthority('Unit Test', new Date(T0 - DAY_MS));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certPem = await issueCertificate(ca, {
      subject: 'CN=module M-UNIT, O=Vaultmeter',
      publicSpki: publicKey.export({ type: 'spki', format: 'der' }),
      serialHex: newCertSerialHex(),
      notBefore: new Date(T0 - DAY_MS),
      notAfter: new Date(T0 + 5 * 365 * DAY_MS),
    });
    const certify = async (user: string, role: OfficerRole) => {
      const officer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const certificatePem = await issueCertificate(ca, {
        subject: officerSubject(user, role),
        publicSpki: officer.publicKey.export({ type: 'spki', format: 'der' }),
        serialHex: newCertSerialHex(),
        notBefore: new Date(T0 - DAY_MS),
        notAfter: new Date(T0 + 5 * 365 * DAY_MS),
      });
      return { key: officer.privateKey, certificatePem };
    };
    testOfficer = await certify('unit-operator', 'operator');
    securityOfficers.push(await certify('unit-so1', 'security_officer'), await certify('unit-so2', 'security_officer'));
    supportAgent = await certify('unit-support', 'support');
    return {
      domain: newDomainKeys(ca.privatePkcs8, ca.certPem),
      identity: { serial: 'M-UNIT', privatePkcs8: privateKey.export({ type: 'pkcs8', format: 'der' }), certPem },
    };
  })();
  return keystorePromise;
}

let cryptoPromise: Promise<SoftwareModuleCrypto> | undefined;

/** The software crypto backend over the test keystore (one per test file, like the keystore). */
export function testCrypto(): Promise<SoftwareModuleCrypto> {
  cryptoPromise ??= testKeystore().then((ks) => new SoftwareModuleCrypto(ks));
  return cryptoPromise;
}

/** `auditIntervalDays` turns on the print watchdog; left out, no watchdog applies. `crypto` replaces the backend (a counting wrapper, say). */
export async function makeEngine(
  clock = new Clock(),
  refundWindowDays = 30,
  auditIntervalDays?: number,
  crypto?: ModuleCrypto,
): Promise<{ engine: MeterEngine; clock: Clock; keystore: Keystore; crypto: ModuleCrypto }> {
  const keystore = await testKeystore();
  activeClock = clock;
  const c = crypto ?? (await testCrypto());
  const watchdog = auditIntervalDays === undefined ? {} : { auditIntervalDays };
  return { engine: new MeterEngine({ crypto: c, now: clock.now, random: randomBytes, refundWindowDays, ...watchdog }), clock, keystore, crypto: c };
}

export function toResponse(r: CommandResult): CommandResponse {
  const w = r.response;
  return {
    op: w.op,
    meterId: w.meterId,
    requestMac: Buffer.from(w.requestMac, 'hex'),
    status: w.status,
    arMills: BigInt(w.arMills),
    drMills: BigInt(w.drMills),
    controlTotalMills: BigInt(w.controlTotalMills),
    nextChallenge: Buffer.from(w.nextChallenge, 'hex'),
    result: w.result,
  };
}

/**
 * The client side of one meter, driving the engine directly: it holds the client MAC key, the last
 * module challenge and its view of the registers, and checks every response MAC.
 */
export class TestClient {
  pkg!: SealedRef;
  /** The challenge for the next command, from the last command response. */
  challenge!: Buffer;
  /** The challenge for the next login, from the last `challenge` call. */
  loginChallenge: Buffer | null = null;
  ar = 0n;
  dr = 0n;
  last?: CommandResult;

  constructor(
    readonly engine: MeterEngine,
    readonly meterId: string,
    readonly macKey: Buffer,
    readonly provisioned: ProvisionResult,
  ) {}

  /**
   * Verify the response MAC and take the package and next challenge. Adopt the registers from every
   * response except stale_registers: a refusal acknowledges operator credits just like a success,
   * while a stale_registers refusal leaves them unacknowledged (so the old view stays the right one).
   */
  accept(r: CommandResult): CommandResult {
    expect(verifyResponseMac(this.macKey, toResponse(r), Buffer.from(r.responseMac, 'hex'))).toBe(true);
    expect(r.response.meterId).toBe(this.meterId);
    expect(BigInt(r.response.arMills) + BigInt(r.response.drMills)).toBe(BigInt(r.response.controlTotalMills));
    this.pkg = r.package;
    if (r.response.op === 'challenge') this.loginChallenge = Buffer.from(r.response.nextChallenge, 'hex');
    else this.challenge = Buffer.from(r.response.nextChallenge, 'hex');
    if (r.response.status !== 'stale_registers') {
      this.ar = BigInt(r.response.arMills);
      this.dr = BigInt(r.response.drMills);
    }
    this.last = r;
    return r;
  }

  /** Ask the module for a login challenge (no MAC needed to ask; the answer is MAC'd). */
  async requestLoginChallenge(): Promise<CommandResult> {
    return this.accept(await this.engine.challenge({ pkg: this.pkg, clientNonce: randomBytes(32).toString('hex') }));
  }

  private challengeFor(op: string): Buffer {
    if (op !== 'login') return this.challenge;
    if (!this.loginChallenge) throw new Error('test client: ask for a login challenge first');
    return this.loginChallenge;
  }

  /** Build the MAC'd command arguments without sending them. */
  build(op: string, params: Record<string, string> = {}, extra: Partial<CommandArgs> = {}): CommandArgs {
    const challenge = this.challengeFor(op);
    const mac = macRequest(this.macKey, { op, meterId: this.meterId, challenge, arMills: this.ar, drMills: this.dr, params });
    return {
      pkg: this.pkg,
      op,
      challenge: challenge.toString('hex'),
      arMills: this.ar.toString(),
      drMills: this.dr.toString(),
      params,
      mac: mac.toString('hex'),
      ...extra,
    };
  }

  async send(op: string, params: Record<string, string> = {}, extra: Partial<CommandArgs> = {}): Promise<CommandResult> {
    return this.accept(await this.engine.command(this.build(op, params, extra)));
  }

  sealed(password: string, challenge = this.challenge): string {
    return sealPassword(this.macKey, challenge, this.meterId, password, randomBytes).toString('base64');
  }

  /** A full login: fresh login challenge, then the login command sealed under it. */
  async login(password: string): Promise<CommandResult> {
    await this.requestLoginChallenge();
    return this.send('login', { sealedPassword: this.sealed(password, this.loginChallenge!) });
  }

  changePassword(oldPassword: string, newPassword: string): Promise<CommandResult> {
    return this.send('password', { sealedOldPassword: this.sealed(oldPassword), sealedNewPassword: this.sealed(newPassword) });
  }

  print(amountMills: bigint, overrides: Record<string, string> = {}): Promise<CommandResult> {
    return this.send('print', {
      amountMills: amountMills.toString(),
      date: TODAY,
      originZip: '20260',
      destination: '100011234',
      rateCategory: 'FCM-LTR',
      weightTenthOz: '10',
      ...overrides,
    });
  }

  /** Operator funding: not a client command, so the client view does not change. */
  async fund(amountMills: bigint): Promise<void> {
    const r = await this.engine.fund(officerFund(this.pkg, amountMills.toString()));
    this.pkg = r.package;
  }
}

/** Provision a meter, register it as a careful client would (proof and certificate checked), and return the client. */
export async function registeredMeter(
  engine: MeterEngine,
  now: number,
  password = PASSWORD,
  mode: { sandbox?: boolean; sealedSandbox?: boolean } = {},
): Promise<TestClient> {
  const provisioned = await engine.provision({ licensingZip: '20260' });
  const info = engine.info();
  const nonce = randomBytes(32);
  const begun = await engine.registerBegin({ pkg: provisioned.package, clientNonce: nonce.toString('hex'), ...(mode.sandbox ? { sandbox: true } : {}) });
  const moduleCert = new X509Certificate(begun.moduleCertPem);
  const caCert = new X509Certificate(info.caCertPem);
  expect(certificateChainsTo(moduleCert, caCert, new Date(now))).toBe(true);
  const ephemeralPublicKey = Buffer.from(begun.ephemeralPublicKey, 'hex');
  const proofOk = verifyProof(
    moduleCert,
    { meterId: provisioned.meterId, clientNonce: nonce, ephemeralPublicKey, moduleSerial: begun.moduleSerial, meterCertSerialHex: begun.meterCertSerialHex },
    Buffer.from(begun.proofSignature, 'hex'),
  );
  expect(proofOk).toBe(true);
  const macKey = randomBytes(32);
  const envelope = sealRegistration(
    provisioned.meterId,
    nonce,
    ephemeralPublicKey,
    { macKey, password, sandbox: mode.sealedSandbox ?? mode.sandbox === true },
    randomBytes,
  );
  const done = await engine.registerComplete({
    pkg: begun.package,
    clientPublicKey: envelope.clientPublicKey.toString('hex'),
    sealedSecrets: envelope.sealed.toString('base64'),
  });
  const client = new TestClient(engine, provisioned.meterId, macKey, provisioned);
  client.accept(done);
  return client;
}

/** Expect `promise` to reject with a VaultError of `code`. */
export async function rejectsWith(promise: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    expect((e as { code?: string }).code, (e as Error).message).toBe(code);
    return;
  }
  expect.unreachable(`expected ${code}`);
}
