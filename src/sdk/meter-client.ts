import type { LabelAddress } from '../address/index.js';
import type { ItemKind } from '../indicium/index.js';
import { parseMemberLogin, type CommandRequest, type ResponseWire } from '../protocol/index.js';
import { macRequest, openResetPassword, sealPassword, sealRegistration, verifyProof, verifyResponseMac } from './client-protocol.js';
import type { ClientCrypto } from './crypto.js';
import {
  everyRow,
  fetchCsv,
  itemsPage,
  itemsPath,
  transactionsPage,
  transactionsPath,
  type HistoryItem,
  type ItemQuery,
  type ItemsPage,
  type ListingQuery,
  type Transaction,
  type TransactionsPage,
} from './history.js';
import { fundingReceipt, fundingRequests, type CardFunded, type FundingRequested, type FundingRequestInfo, type FundingStatus } from './funding.js';
import { drawApiKey, type ApiKeyRequest, type CreatedApiKey } from './api-key-draw.js';
import { drawInvitation, type Invitation, type InvitationRequest } from './invitation-draw.js';
import type { ApiKeyScope } from '../protocol/index.js';
import { ApiError, callApi } from './http.js';
import { ProfileError, type ClientProfile, type ProfileStore } from './profile-store.js';
import { webClientCrypto } from './web-crypto.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** An RFC 4122 version 4 UUID from the client's randomness (an idempotency key). */
async function uuid(crypto: ClientCrypto): Promise<string> {
  const b = await crypto.randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface ClientOptions {
  /** Default: WebCrypto (globalThis.crypto). */
  readonly crypto?: ClientCrypto;
}

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
  /** The mail class code (e.g. PM) where rate tables are installed; a free label where none is. */
  readonly rateCategory: string;
  readonly weightTenthOz: number;
  /** The price tier the amount is for (default commercial): the module checks the amount against it. */
  readonly tier?: 'retail' | 'commercial';
  /** Length, width and height in tenths of an inch, "LxWxH": for dimensional weight. */
  readonly dimsTenthIn?: string;
  /** The destination address for the label: the server checks it (its address-check setting) before the module signs. */
  readonly shipTo?: LabelAddress;
}

export interface PrintedItem extends Balance {
  readonly itemId: string;
  readonly itemSerial: bigint;
  readonly amountMills: bigint;
  readonly itemBytes: Buffer;
  /** With `shipTo`: the address as the server checked and standardized it, and what the check found. */
  readonly shipTo?: LabelAddress;
  readonly addressWarnings?: readonly { readonly code: string; readonly detail: string }[];
  /** Test mode: a sandbox meter printed it (the module says so under its MAC); it is never postage. */
  readonly test?: boolean;
}

/** Parse and authenticate a module answer with the client MAC key, then check the register invariant. */
async function checkResponse(
  crypto: ClientCrypto,
  macKey: Buffer,
  wire: ResponseWire,
  mac: string,
  expect: { op: string; meterId: string; requestMac: Buffer },
): Promise<Balance> {
  const response = {
    ...wire,
    requestMac: Buffer.from(wire.requestMac, 'hex'),
    nextChallenge: Buffer.from(wire.nextChallenge, 'hex'),
    arMills: BigInt(wire.arMills),
    drMills: BigInt(wire.drMills),
    controlTotalMills: BigInt(wire.controlTotalMills),
  };
  if (
    !(await verifyResponseMac(crypto, macKey, response, Buffer.from(mac, 'hex'))) ||
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

/** The module's registration offer, checked: both certificates chain to the pinned CA and the proof verifies. */
async function checkOffer(crypto: ClientCrypto, caPem: string, begun: Record<string, string>, clientNonce: Buffer): Promise<Buffer> {
  const now = new Date();
  const moduleCertPem = begun.moduleCertificatePem!;
  if (!(await crypto.certificateChainsTo(moduleCertPem, caPem, now)))
    throw new ApiError('untrusted_module', 'the module certificate is not issued by the pinned CA', 0);
  if (!(await crypto.certificateChainsTo(begun.meterCertificatePem!, caPem, now)))
    throw new ApiError('untrusted_meter', 'the meter certificate is not issued by the pinned CA', 0);
  const ephemeralPublicKey = Buffer.from(begun.ephemeralPublicKey!, 'hex');
  const proofOk = await verifyProof(
    crypto,
    moduleCertPem,
    { meterId: begun.meterId!, clientNonce, ephemeralPublicKey, moduleSerial: begun.moduleSerial!, meterCertSerialHex: begun.meterCertSerialHex! },
    Buffer.from(begun.proofSignature!, 'hex'),
  );
  if (!proofOk) throw new ApiError('untrusted_module', 'the module proof signature does not verify', 0);
  return ephemeralPublicKey;
}

type SessionAnswer = { response: ResponseWire; responseMac: string; session: { token: string; expiresAt: string } };

export interface MeterLicense {
  license: { licenseNumber: string; licensingZip: string; taxIdLast4: string; status: string; statusReason: string | null; issuedAt: string } | null;
  movements: { movedAt: string; fromZip: string; toZip: string }[];
}

/**
 * The client side of the meter protocol, over HTTP. The profile (MAC key, registers, challenge)
 * lives in a ProfileStore the caller provides; the crypto is WebCrypto unless the caller gives another.
 */
export class MeterClient {
  private serverOverride: string | null = null;
  /** Set by the last refusal: its registers were adopted because they were not behind this client's record. */
  private adoptedForward = false;

  private constructor(
    private readonly profile: ClientProfile,
    private token: string,
    private readonly store: ProfileStore,
    private readonly crypto: ClientCrypto,
  ) {}

  get meterId(): string {
    return this.profile.pub.meterId;
  }

  get server(): string {
    return this.serverOverride ?? this.profile.pub.server;
  }

  /** The session's bearer header, for the session routes outside the meter protocol (the profile). */
  sessionHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** A fresh Idempotency-Key from the client's randomness, for a session route that changes state. */
  newIdempotencyKey(): Promise<string> {
    return uuid(this.crypto);
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
  static async register(
    store: ProfileStore,
    server: string,
    user: string,
    password: string,
    opts: ClientOptions & { caCertPem?: string; sandbox?: boolean; inviteCode?: string } = {},
  ): Promise<MeterClient> {
    const crypto = opts.crypto ?? webClientCrypto();
    if (await store.exists(user)) throw new ProfileError('profile_exists', `a local profile for ${user} already exists`);
    const caPem = opts.caCertPem ?? String((await callApi(server, 'GET', '/v1/ca')).certificatePem);
    if (!(await crypto.isCertificate(caPem))) throw new ApiError('bad_ca', 'the CA certificate does not parse', 0);
    const clientNonce = Buffer.from(await crypto.randomBytes(32));
    // Test mode: asked for at the start, and again inside the sealed envelope, which only the module opens.
    const sandbox = opts.sandbox === true;
    const begun = await callApi<Record<string, string>>(server, 'POST', '/v1/registrations', {
      user,
      clientNonce: clientNonce.toString('hex'),
      ...(sandbox ? { sandbox } : {}),
    });
    const ephemeralPublicKey = await checkOffer(crypto, caPem, begun, clientNonce);
    const meterId = begun.meterId!;
    const macKey = Buffer.from(await crypto.randomBytes(32));
    // Accepting an invitation (`owner+member`): the code travels sealed, for the module alone to check.
    const named = parseMemberLogin(user);
    if (named && !opts.inviteCode) throw new ApiError('invite_code_missing', `${user} is a member's login name: accept the invitation with its code`, 0);
    const invitation = named && opts.inviteCode ? { invitation: { member: named.member, code: opts.inviteCode } } : {};
    const envelope = await sealRegistration(crypto, meterId, clientNonce, ephemeralPublicKey, { macKey, password, sandbox, ...invitation });
    const done = await callApi<SessionAnswer>(server, 'POST', '/v1/registrations/complete', {
      user,
      meterId,
      clientPublicKey: envelope.clientPublicKey.toString('hex'),
      sealedSecrets: envelope.sealed.toString('base64'),
    });
    const requestMac = Buffer.from(await crypto.sha256(envelope.sealed));
    const regs = await checkResponse(crypto, macKey, done.response, done.responseMac, { op: 'register', meterId, requestMac });
    // The module's MAC'd word on what it registered: a sandbox meter, or a real one (a member joins whichever the account is).
    if (!named && (done.response.result.sandbox ?? 'false') !== String(sandbox)) {
      throw new ApiError(
        'sandbox_mismatch',
        `asked for ${sandbox ? 'a sandbox' : 'a real'} meter, but the module registered ${sandbox ? 'a real' : 'a sandbox'} one`,
        0,
      );
    }
    const profile = await store.create(
      { user, server, meterId, caCertPem: caPem, meterCertificatePem: begun.meterCertificatePem! },
      { macKey: macKey.toString('base64'), arMills: regs.arMills.toString(), drMills: regs.drMills.toString(), challenge: done.response.nextChallenge },
      password,
    );
    await profile.saveSession(done.session.token, done.session.expiresAt);
    return new MeterClient(profile, done.session.token, store, crypto);
  }

  /**
   * Login: open the local profile with the password, then let the module check the same password.
   * With `server`, the login goes there instead of the profile's server (`keepServer` then saves it).
   */
  static async login(store: ProfileStore, user: string, password: string, opts: ClientOptions & { server?: string } = {}): Promise<MeterClient> {
    const client = new MeterClient(await store.unlockWithPassword(user, password), '', store, opts.crypto ?? webClientCrypto());
    if (opts.server) client.useServer(opts.server);
    await client.authenticate(password);
    return client;
  }

  /**
   * Finish a password reset customer care carried out: fetch the module's sealed answer, open it
   * with this profile's MAC key, log in with the password inside, and change it at once to
   * `newPassword` (the drawn one is never shown). The profile is re-wrapped under `newPassword`.
   */
  static async completePasswordReset(
    store: ProfileStore,
    profile: ClientProfile,
    newPassword: string,
    opts: ClientOptions & { server?: string } = {},
  ): Promise<MeterClient> {
    const client = new MeterClient(profile, '', store, opts.crypto ?? webClientCrypto());
    if (opts.server) client.useServer(opts.server);
    const { user, meterId } = profile.pub;
    const reset = await callApi<{ meterId: string; resetNonce: string; sealedPassword: string }>(
      client.server,
      'GET',
      `/v1/password-reset/${encodeURIComponent(user)}`,
    );
    const macKey = Buffer.from(profile.state.macKey, 'base64');
    const drawn =
      reset.meterId === meterId
        ? await openResetPassword(client.crypto, macKey, Buffer.from(reset.resetNonce, 'hex'), meterId, Buffer.from(reset.sealedPassword, 'base64'))
        : null;
    if (drawn === null) throw new ApiError('reset_unopenable', "the reset password does not open with this profile's MAC key: ask customer care again", 0);
    await client.authenticate(drawn);
    await client.changePassword(drawn, newPassword);
    await profile.rewrap(newPassword);
    return client;
  }

  /** The site moved (rebuilt at a new address): make the server this client talks to the profile's own. */
  async keepServer(): Promise<void> {
    if (this.server !== this.profile.pub.server) await this.profile.setServer(this.server);
  }

  /**
   * A fresh module challenge (MAC-bound to our nonce), then the password sealed under the client MAC key.
   * The module counts failures in the package and locks the meter after 5; a failure ends every session.
   * Registers below this client's record are never adopted: the login goes out with our own record,
   * which the module takes as proof of a stale database (the server then rolls it forward, or holds
   * the meter with our record as evidence). If that brought the meter back, the login goes on.
   */
  async authenticate(password: string): Promise<void> {
    for (let round = 0; ; round++) {
      const { regs, nextChallenge } = await this.freshChallenge();
      const recorded = BigInt(this.profile.state.arMills);
      const behind = regs.arMills < recorded;
      // The registers only move forward: a lower ar than we recorded means the server's state went back.
      this.profile.state = {
        ...this.profile.state,
        ...(behind ? {} : { arMills: regs.arMills.toString(), drMills: regs.drMills.toString() }),
        challenge: nextChallenge,
      };
      await this.profile.save();
      this.token = '';
      try {
        const out = await this.command('login', { sealedPassword: await this.sealed(password) }, '/v1/sessions', { user: this.profile.pub.user });
        const session = out.body.session as { token: string; expiresAt: string };
        this.token = session.token;
        await this.profile.saveSession(session.token, session.expiresAt);
        return;
      } catch (e) {
        if (!behind || (e instanceof ApiError && e.code === 'invalid_credentials')) throw e;
        if (round > 0)
          throw new ApiError(
            'registers_rolled_back',
            `the meter reports ar=${regs.arMills}, below the ${recorded} this client recorded (${(e as Error).message})`,
            0,
          );
      }
    }
  }

  private async freshChallenge(): Promise<{ regs: Balance; nextChallenge: string }> {
    const { user, meterId } = this.profile.pub;
    const macKey = Buffer.from(this.profile.state.macKey, 'base64');
    const clientNonce = Buffer.from(await this.crypto.randomBytes(32));
    const ch = await callApi<{ response: ResponseWire; responseMac: string }>(this.server, 'POST', '/v1/sessions/challenge', {
      user,
      clientNonce: clientNonce.toString('hex'),
    });
    const regs = await checkResponse(this.crypto, macKey, ch.response, ch.responseMac, { op: 'challenge', meterId, requestMac: clientNonce });
    return { regs, nextChallenge: ch.response.nextChallenge };
  }

  /**
   * An integrator's client: the customer's opened profile (its MAC key, registers and challenge) and
   * an API key in place of a session. No password goes to the server; every meter command is still
   * MAC'd with the profile's key, and the server refuses what the key's scopes do not cover.
   */
  static fromApiKey(store: ProfileStore, profile: ClientProfile, apiKey: string, opts: ClientOptions & { server?: string } = {}): MeterClient {
    const client = new MeterClient(profile, apiKey, store, opts.crypto ?? webClientCrypto());
    if (opts.server) client.useServer(opts.server);
    return client;
  }

  /** Resume with the saved session; null when there is none (log in again). */
  static async resume(store: ProfileStore, user: string, opts: ClientOptions = {}): Promise<MeterClient | null> {
    const opened = await store.unlockWithSession(user);
    return opened ? new MeterClient(opened.profile, opened.session.token, store, opts.crypto ?? webClientCrypto()) : null;
  }

  /**
   * End the saved session, on the server first: a token copied before the logout stops working.
   * The local session goes in any case; an error says the server could not be told.
   */
  static async logout(store: ProfileStore, user: string): Promise<void> {
    const opened = await store.unlockWithSession(user);
    try {
      if (opened)
        await callApi(opened.profile.pub.server, 'DELETE', '/v1/sessions', undefined, { headers: { authorization: `Bearer ${opened.session.token}` } });
    } catch (e) {
      // Already ended there (expired, or a failed login ended it): nothing is left to end.
      if (!(e instanceof ApiError && e.code === 'unauthorized')) throw e;
    } finally {
      await store.endSession(user);
    }
  }

  async balance(): Promise<Balance> {
    return (await this.command('balance', {})).registers;
  }

  async print(req: PrintRequest): Promise<PrintedItem> {
    return this.issue(
      'postage',
      req.amountMills,
      {
        originZip: req.originZip,
        destination: req.destination,
        date: req.date,
        rateCategory: req.rateCategory,
        weightTenthOz: String(req.weightTenthOz),
        ...(req.tier ? { tier: req.tier } : {}),
        ...(req.dimsTenthIn ? { dimsTenthIn: req.dimsTenthIn } : {}),
      },
      req.shipTo ? { shipTo: req.shipTo } : {},
    );
  }

  /**
   * Issue an item of any kind from the meter (same registers and protocol as postage). Elements:
   * ticket {event, seat, validFrom, validTo}; coupon and voucher {offer, expiry}; gift {expiry}.
   */
  async issue(kind: ItemKind, amountMills: bigint, elements: Record<string, string>, extraBody: Record<string, unknown> = {}): Promise<PrintedItem> {
    const out = await this.command('print', { ...elements, kind, amountMills: amountMills.toString() }, undefined, extraBody);
    const item = out.body.item as { itemId: string; itemSerial: string; amountMills: string; itemBase64: string };
    const itemBytes = Buffer.from(item.itemBase64, 'base64');
    const sha = hex(await this.crypto.sha256(itemBytes));
    if (sha !== out.result.itemSha256 || item.itemId !== out.result.itemId) {
      throw new ApiError('bad_response_mac', 'the item bytes are not the ones the module signed for', 0);
    }
    const checked = out.body.shipTo
      ? { shipTo: out.body.shipTo as LabelAddress, addressWarnings: (out.body.addressWarnings ?? []) as PrintedItem['addressWarnings'] }
      : {};
    const test = out.result.test === 'true';
    return { ...out.registers, itemId: item.itemId, itemSerial: BigInt(item.itemSerial), amountMills: BigInt(item.amountMills), itemBytes, test, ...checked };
  }

  async refund(itemId: string): Promise<Balance & { refundedMills: bigint }> {
    const out = await this.command('refund', { itemId });
    return { ...out.registers, refundedMills: BigInt(out.result.refundedMills ?? '0') };
  }

  /**
   * Ask for an ACH debit of `amountMills` from a bank account on file. Nothing is credited now: the
   * debit goes to the bank in the next NACHA file, and the module downloads its value after the hold.
   */
  async requestFunding(req: { amountMills: bigint; bankAccountId: string }): Promise<Balance & FundingRequested> {
    const requestId = hex(await this.crypto.randomBytes(16));
    const out = await this.command('fund_request', { amountMills: req.amountMills.toString(), bankAccountId: req.bankAccountId, requestId });
    return { ...out.registers, requestId, amountMills: req.amountMills, bankAccountId: req.bankAccountId, settleAfter: out.result.settleAfter ?? '' };
  }

  /**
   * Fund the meter by card: a MAC'd `fund_request` naming a Stripe PaymentMethod (from Stripe
   * Elements in a web page; `pm_card_visa` in Stripe's test mode). The server charges it at once and
   * the module settles it; a decline throws ApiError `card_declined` (nothing credited).
   */
  async requestCardFunding(req: { amountMills: bigint; paymentMethod: string }): Promise<Balance & CardFunded> {
    const requestId = hex(await this.crypto.randomBytes(16));
    const out = await this.command('fund_request', { amountMills: req.amountMills.toString(), method: 'card', paymentMethod: req.paymentMethod, requestId });
    const fr = (out.body.fundingRequest ?? {}) as { status?: FundingStatus; paymentIntentId?: string | null };
    return {
      ...out.registers,
      requestId,
      amountMills: req.amountMills,
      method: 'card',
      status: fr.status ?? 'requested',
      paymentIntentId: fr.paymentIntentId ?? null,
    };
  }

  /** This meter's funding requests, newest first, and where each stands. */
  fundingRequests(): Promise<FundingRequestInfo[]> {
    return fundingRequests(this.server, this.bearer, this.meterId);
  }

  /** The PDF receipt of a funding request that settled. */
  fundingReceipt(requestId: string): Promise<Buffer> {
    return fundingReceipt(this.server, this.bearer, this.meterId, requestId);
  }

  /**
   * A new API key for an integrator: drawn here, sent as its hash in the MAC'd `api_key` command, and
   * returned once. Keep it like a password: nothing can show it again.
   */
  async createApiKey(req: ApiKeyRequest): Promise<CreatedApiKey & Balance> {
    const { apiKey, params } = await drawApiKey(this.crypto, req, Date.now());
    const out = await this.command('api_key', params);
    const scopes = (out.result.scopes ?? '').split(',') as ApiKeyScope[];
    return { ...out.registers, apiKey, keyId: params.keyId!, scopes, expiresAt: out.result.expiresAt ? out.result.expiresAt : null };
  }

  /**
   * Invite a member to this account (the owner's session only). The code is drawn here and shown
   * once; with `mail`, the server sends it to `email` as well.
   */
  async inviteMember(req: InvitationRequest): Promise<Invitation & Balance> {
    const { code, params } = await drawInvitation(this.crypto, req, Date.now());
    const out = await this.command('member_invite', params, undefined, req.mail ? { inviteCode: code } : {});
    const member = out.body.member as { login: string; mailed: boolean };
    return { ...out.registers, code, login: member.login, role: req.role, expiresAt: params.expiresAt!, mailed: member.mailed };
  }

  /** Remove a member (invited or accepted): its keys leave the package and its sessions end. */
  async removeMember(member: string): Promise<Balance> {
    return (await this.command('member_remove', { member })).registers;
  }

  /**
   * Test mode: credit this sandbox meter with free test value (at most MAX_SANDBOX_BALANCE_MILLS in
   * all). The module refuses it on a real meter (`not_sandbox`).
   */
  async testFund(amountMills: bigint): Promise<Balance & { amountMills: bigint }> {
    const out = await this.command('test_fund', { amountMills: amountMills.toString() });
    return { ...out.registers, amountMills: BigInt(out.result.amountMills ?? '0') };
  }

  async withdraw(): Promise<Balance> {
    return (await this.command('withdraw', {})).registers;
  }

  /** Meter movement: a new licensing ZIP, which the module sets in the sealed package (issue 18 item 1). */
  async move(licensingZip: string): Promise<Balance & { fromZip: string; toZip: string }> {
    const out = await this.command('move', { licensingZip });
    return { ...out.registers, fromZip: out.result.fromZip ?? '', toZip: out.result.toZip ?? '' };
  }

  /** The meter's license (null when it holds none) and its movements, newest first. */
  license(): Promise<MeterLicense> {
    return callApi(this.server, 'GET', '/v1/license', undefined, { headers: this.sessionHeaders() });
  }

  /** One page of this meter's items on the server, newest first (GET /v1/items). */
  history(q: Omit<ItemQuery, 'user' | 'meterId'> = {}): Promise<ItemsPage> {
    return itemsPage(this.server, this.bearer, q);
  }

  /** Every item matching the query, page after page as the caller reads. */
  eachItem(q: Omit<ItemQuery, 'user' | 'meterId' | 'cursor'> = {}): AsyncGenerator<HistoryItem> {
    return everyRow(async (cursor) => {
      const p = await this.history({ ...q, cursor });
      return { rows: p.items, next: p.next };
    });
  }

  /** One page of this meter's transactions (fundings, prints, refunds, withdrawal, audits), newest first. */
  transactions(q: ListingQuery = {}): Promise<TransactionsPage> {
    return transactionsPage(this.server, this.bearer, this.meterId, q);
  }

  eachTransaction(q: Omit<ListingQuery, 'cursor'> = {}): AsyncGenerator<Transaction> {
    return everyRow(async (cursor) => {
      const p = await this.transactions({ ...q, cursor });
      return { rows: p.transactions, next: p.next };
    });
  }

  /** Every matching row as CSV, from the server's export. */
  exportCsv(what: 'items' | 'transactions', q: Omit<ItemQuery, 'user' | 'meterId' | 'cursor' | 'limit'> = {}): Promise<string> {
    const path = what === 'items' ? itemsPath(q, { format: 'csv' }) : transactionsPath(this.meterId, q, { format: 'csv' });
    return fetchCsv(this.server, this.bearer, path);
  }

  private get bearer(): string {
    return `Bearer ${this.token}`;
  }

  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    await this.profile.reload(); // the sealed passwords bind the current challenge
    await this.command('password', { sealedOldPassword: await this.sealed(oldPassword), sealedNewPassword: await this.sealed(newPassword) });
  }

  /** The signed request this client would send next (for tests and tools that drive the API directly). */
  async buildRequest(op: string, params: Record<string, string>): Promise<{ body: Record<string, unknown>; requestMac: Buffer }> {
    const s = this.profile.state;
    const request: CommandRequest = {
      op,
      meterId: this.meterId,
      challenge: Buffer.from(s.challenge, 'hex'),
      arMills: BigInt(s.arMills),
      drMills: BigInt(s.drMills),
      params,
    };
    const requestMac = await macRequest(this.crypto, Buffer.from(s.macKey, 'base64'), request);
    return {
      body: { challenge: s.challenge, arMills: s.arMills, drMills: s.drMills, params, mac: requestMac.toString('hex') },
      requestMac,
    };
  }

  get sessionToken(): string {
    return this.token;
  }

  private async sealed(password: string): Promise<string> {
    const s = this.profile.state;
    return (await sealPassword(this.crypto, Buffer.from(s.macKey, 'base64'), Buffer.from(s.challenge, 'hex'), this.meterId, password)).toString('base64');
  }

  private async command(op: string, params: Record<string, string>, path = `/v1/meters/${this.meterId}/${op}`, extraBody: Record<string, unknown> = {}) {
    try {
      return await this.commandOnce(op, params, path, extraBody);
    } catch (e) {
      // Another user of the account (a member, the owner, an integrator) moved the registers since
      // this client last saw them: the refusal's MAC'd registers are adopted (commandOnce does, when
      // they are not behind ours), so the command goes once more on them.
      if (!(e instanceof ApiError && e.code === 'stale_registers' && this.adoptedForward)) throw e;
      return this.commandOnce(op, params, path, extraBody);
    }
  }

  private async commandOnce(op: string, params: Record<string, string>, path: string, extraBody: Record<string, unknown>) {
    if (op !== 'login') await this.profile.reload();
    this.adoptedForward = false;
    const { body, requestMac } = await this.buildRequest(op, params);
    const macKey = Buffer.from(this.profile.state.macKey, 'base64');
    const headers: Record<string, string> = { 'idempotency-key': await uuid(this.crypto) };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const expect = { op, meterId: this.meterId, requestMac };
    let answer: { response: ResponseWire; responseMac: string } & Record<string, unknown>;
    try {
      answer = await callApi(this.server, 'POST', path, { ...extraBody, ...body }, { headers });
    } catch (e) {
      if (e instanceof ApiError && e.body.response && e.body.responseMac) {
        // An authenticated refusal: the challenge is spent, take the next one. Registers behind our
        // own record are never adopted (a rolled-back database); registers ahead are another user's work.
        const wire = e.body.response as ResponseWire;
        const regs = await checkResponse(this.crypto, macKey, wire, String(e.body.responseMac), expect);
        const forward = regs.arMills >= BigInt(this.profile.state.arMills);
        await this.adopt(wire, e.code === 'stale_registers' && !forward ? null : regs);
        this.adoptedForward = e.code === 'stale_registers' && forward;
        if (e.code === 'invalid_credentials' && op === 'login') await this.store.endSession(this.profile.pub.user);
      }
      throw e;
    }
    const registers = await checkResponse(this.crypto, macKey, answer.response, answer.responseMac, expect);
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
