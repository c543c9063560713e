import { createHash, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import type { ItemKind } from '../indicium/index.js';
import type { ResponseWire } from '../module/messages.js';
import {
  certificateChainsTo,
  macRequest,
  parseCertificate,
  sealPassword,
  sealRegistration,
  verifyProof,
  verifyResponseMac,
  type CommandRequest,
} from '../protocol/index.js';
import { ApiError, callApi } from './http.js';
import { endSession, Profile, ProfileError, profileExists } from './profile.js';

const random = (n: number) => randomBytes(n);

export interface Balance {
  readonly arMills: bigint;
  readonly drMills: bigint;
  readonly controlTotalMills: bigint;
}

export interface PrintRequest {
  readonly amountMills: bigint;
  readonly originZip: string;
  readonly destination: string;
  readonly date: string;
  readonly rateCategory: string;
  readonly weightTenthOz: number;
}

export interface PrintedItem extends Balance {
  readonly itemId: string;
  readonly itemSerial: bigint;
  readonly amountMills: bigint;
  readonly itemBytes: Buffer;
}

/** Parse and authenticate a module answer with the client MAC key, then check the register invariant. */
function checkResponse(macKey: Buffer, wire: ResponseWire, mac: string, expect: { op: string; meterId: string; requestMac: Buffer }): Balance {
  const response = {
    ...wire,
    requestMac: Buffer.from(wire.requestMac, 'hex'),
    nextChallenge: Buffer.from(wire.nextChallenge, 'hex'),
    arMills: BigInt(wire.arMills),
    drMills: BigInt(wire.drMills),
    controlTotalMills: BigInt(wire.controlTotalMills),
  };
  if (
    !verifyResponseMac(macKey, response, Buffer.from(mac, 'hex')) ||
    wire.op !== expect.op ||
    wire.meterId !== expect.meterId ||
    !response.requestMac.equals(expect.requestMac)
  ) {
    throw new ApiError('bad_response_mac', 'the answer is not from the module (response MAC does not verify)', 0);
  }
  if (response.arMills + response.drMills !== response.controlTotalMills || response.drMills < 0n) {
    throw new ApiError('invariant_violation', 'the module reported registers with ar + dr != control total', 0);
  }
  return response;
}

/** The client side of the meter protocol, over HTTP. */
export class MeterClient {
  private serverOverride: string | null = null;

  private constructor(
    private readonly profile: Profile,
    private token: string,
  ) {}

  get meterId(): string {
    return this.profile.pub.meterId;
  }

  get server(): string {
    return this.serverOverride ?? this.profile.pub.server;
  }

  /** Talk to another server than the profile's (e.g. a second API server of the same installation). */
  useServer(url: string): void {
    this.serverOverride = url;
  }

  /** After a password change: the local profile is re-wrapped under the new password. */
  async rewrapProfile(newPassword: string): Promise<void> {
    await this.profile.rewrap(newPassword);
  }

  /** Registration: check the module's proof against the pinned CA, then seal a new MAC key and the password to it. */
  static async register(server: string, user: string, password: string, opts: { caCertPem?: string } = {}): Promise<MeterClient> {
    if (profileExists(user)) throw new ProfileError('profile_exists', `a local profile for ${user} already exists`);
    const caPem = opts.caCertPem ?? String((await callApi(server, 'GET', '/v1/ca')).certificatePem);
    const ca = parseCertificate(caPem);
    if (!ca) throw new ApiError('bad_ca', 'the CA certificate does not parse', 0);
    const clientNonce = random(32);
    const begun = await callApi<Record<string, string>>(server, 'POST', '/v1/registrations', { user, clientNonce: clientNonce.toString('hex') });
    const moduleCert = parseCertificate(begun.moduleCertificatePem!);
    const meterCert = parseCertificate(begun.meterCertificatePem!);
    const now = new Date();
    if (!moduleCert || !certificateChainsTo(moduleCert, ca, now)) throw new ApiError('untrusted_module', 'the module certificate is not issued by the pinned CA', 0);
    if (!meterCert || !certificateChainsTo(meterCert, ca, now)) throw new ApiError('untrusted_meter', 'the meter certificate is not issued by the pinned CA', 0);
    const meterId = begun.meterId!;
    const ephemeralPublicKey = Buffer.from(begun.ephemeralPublicKey!, 'hex');
    const proofOk = verifyProof(
      moduleCert,
      { meterId, clientNonce, ephemeralPublicKey, moduleSerial: begun.moduleSerial!, meterCertSerialHex: begun.meterCertSerialHex! },
      Buffer.from(begun.proofSignature!, 'hex'),
    );
    if (!proofOk) throw new ApiError('untrusted_module', 'the module proof signature does not verify', 0);
    const macKey = random(32);
    const envelope = sealRegistration(meterId, clientNonce, ephemeralPublicKey, { macKey, password }, random);
    const sealedSecrets = envelope.sealed.toString('base64');
    const done = await callApi<{ response: ResponseWire; responseMac: string; session: { token: string; expiresAt: string } }>(
      server,
      'POST',
      '/v1/registrations/complete',
      { user, meterId, clientPublicKey: envelope.clientPublicKey.toString('hex'), sealedSecrets },
    );
    const requestMac = createHash('sha256').update(envelope.sealed).digest();
    const regs = checkResponse(macKey, done.response, done.responseMac, { op: 'register', meterId, requestMac });
    const profile = await Profile.create(
      { user, server, meterId, caCertPem: caPem, meterCertificatePem: begun.meterCertificatePem! },
      { macKey: macKey.toString('base64'), arMills: regs.arMills.toString(), drMills: regs.drMills.toString(), challenge: done.response.nextChallenge },
      password,
    );
    await profile.saveSession(done.session.token, done.session.expiresAt);
    return new MeterClient(profile, done.session.token);
  }

  /** Login: open the local profile with the password, then let the module check the same password. */
  static async login(user: string, password: string, opts: { acceptRegisters?: boolean } = {}): Promise<MeterClient> {
    const client = new MeterClient(await Profile.unlockWithPassword(user, password), '');
    await client.authenticate(password, opts);
    return client;
  }

  /**
   * A fresh module challenge (MAC-bound to our nonce), then the password sealed under the client MAC key.
   * The module counts failures in the package and locks the meter after 5; a failure ends every session.
   */
  async authenticate(password: string, opts: { acceptRegisters?: boolean } = {}): Promise<void> {
    const profile = this.profile;
    const { user, meterId } = profile.pub;
    const macKey = Buffer.from(profile.state.macKey, 'base64');
    const clientNonce = random(32);
    const ch = await callApi<{ response: ResponseWire; responseMac: string }>(this.server, 'POST', '/v1/sessions/challenge', {
      user,
      clientNonce: clientNonce.toString('hex'),
    });
    const regs = checkResponse(macKey, ch.response, ch.responseMac, { op: 'challenge', meterId, requestMac: clientNonce });
    // The registers only move forward: a lower ar than we recorded means the server's state was rolled back.
    if (regs.arMills < BigInt(profile.state.arMills) && !opts.acceptRegisters) {
      throw new ApiError('registers_rolled_back', `the meter reports ar=${regs.arMills}, below the ${profile.state.arMills} this client recorded`, 0);
    }
    profile.state = { ...profile.state, arMills: regs.arMills.toString(), drMills: regs.drMills.toString(), challenge: ch.response.nextChallenge };
    await profile.save();
    this.token = '';
    const out = await this.command('login', { sealedPassword: this.sealed(password) }, '/v1/sessions', { user });
    const session = out.body.session as { token: string; expiresAt: string };
    this.token = session.token;
    await profile.saveSession(session.token, session.expiresAt);
  }

  /** Resume with the saved session; null when there is none (log in again). */
  static async resume(user: string): Promise<MeterClient | null> {
    const opened = await Profile.unlockWithSession(user);
    return opened ? new MeterClient(opened.profile, opened.session.token) : null;
  }

  static async logout(user: string): Promise<void> {
    await endSession(user);
  }

  async balance(): Promise<Balance> {
    return (await this.command('balance', {})).registers;
  }

  async print(req: PrintRequest): Promise<PrintedItem> {
    return this.issue('postage', req.amountMills, {
      originZip: req.originZip,
      destination: req.destination,
      date: req.date,
      rateCategory: req.rateCategory,
      weightTenthOz: String(req.weightTenthOz),
    });
  }

  /**
   * Issue an item of any kind from the meter (same registers and protocol as postage). Elements:
   * ticket {event, seat, validFrom, validTo}; coupon and voucher {offer, expiry}; gift {expiry}.
   */
  async issue(kind: ItemKind, amountMills: bigint, elements: Record<string, string>): Promise<PrintedItem> {
    const out = await this.command('print', { ...elements, kind, amountMills: amountMills.toString() });
    const item = out.body.item as { itemId: string; itemSerial: string; amountMills: string; itemBase64: string };
    const itemBytes = Buffer.from(item.itemBase64, 'base64');
    const sha = createHash('sha256').update(itemBytes).digest('hex');
    if (sha !== out.result.itemSha256 || item.itemId !== out.result.itemId) {
      throw new ApiError('bad_response_mac', 'the item bytes are not the ones the module signed for', 0);
    }
    return { ...out.registers, itemId: item.itemId, itemSerial: BigInt(item.itemSerial), amountMills: BigInt(item.amountMills), itemBytes };
  }

  async refund(itemId: string): Promise<Balance & { refundedMills: bigint }> {
    const out = await this.command('refund', { itemId });
    return { ...out.registers, refundedMills: BigInt(out.result.refundedMills ?? '0') };
  }

  async withdraw(): Promise<Balance> {
    return (await this.command('withdraw', {})).registers;
  }

  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    await this.profile.reload(); // the sealed passwords bind the current challenge
    await this.command('password', { sealedOldPassword: this.sealed(oldPassword), sealedNewPassword: this.sealed(newPassword) });
  }

  /** The signed request this client would send next (for tests and tools that drive the API directly). */
  buildRequest(op: string, params: Record<string, string>): { body: Record<string, unknown>; requestMac: Buffer } {
    const s = this.profile.state;
    const request: CommandRequest = {
      op,
      meterId: this.meterId,
      challenge: Buffer.from(s.challenge, 'hex'),
      arMills: BigInt(s.arMills),
      drMills: BigInt(s.drMills),
      params,
    };
    const requestMac = macRequest(Buffer.from(s.macKey, 'base64'), request);
    return {
      body: { challenge: s.challenge, arMills: s.arMills, drMills: s.drMills, params, mac: requestMac.toString('hex') },
      requestMac,
    };
  }

  get sessionToken(): string {
    return this.token;
  }

  private sealed(password: string): string {
    return sealPassword(Buffer.from(this.profile.state.macKey, 'base64'), Buffer.from(this.profile.state.challenge, 'hex'), this.meterId, password, random).toString('base64');
  }

  private async command(op: string, params: Record<string, string>, path = `/v1/meters/${this.meterId}/${op}`, extraBody: Record<string, unknown> = {}) {
    if (op !== 'login') await this.profile.reload();
    const { body, requestMac } = this.buildRequest(op, params);
    const macKey = Buffer.from(this.profile.state.macKey, 'base64');
    const headers: Record<string, string> = { 'idempotency-key': randomUUID() };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let answer: { response: ResponseWire; responseMac: string } & Record<string, unknown>;
    try {
      answer = await callApi(this.server, 'POST', path, { ...extraBody, ...body }, { headers });
    } catch (e) {
      if (e instanceof ApiError && e.body.response && e.body.responseMac) {
        // An authenticated refusal: the challenge is spent, take the next one (but never adopt registers we dispute).
        const wire = e.body.response as ResponseWire;
        const regs = checkResponse(macKey, wire, String(e.body.responseMac), { op, meterId: this.meterId, requestMac });
        await this.adopt(wire, e.code === 'stale_registers' ? null : regs);
        if (e.code === 'invalid_credentials' && op === 'login') await endSession(this.profile.pub.user);
      }
      throw e;
    }
    const registers = checkResponse(macKey, answer.response, answer.responseMac, { op, meterId: this.meterId, requestMac });
    await this.adopt(answer.response, registers);
    return { registers, result: answer.response.result, body: answer };
  }

  private async adopt(wire: ResponseWire, registers: Balance | null): Promise<void> {
    const s = this.profile.state;
    this.profile.state = {
      ...s,
      challenge: wire.nextChallenge,
      ...(registers ? { arMills: registers.arMills.toString(), drMills: registers.drMills.toString() } : {}),
    };
    await this.profile.save();
  }
}

export function meterCertificate(pem: string): X509Certificate | null {
  return parseCertificate(pem);
}
