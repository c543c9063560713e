import { assertRegisters, type Registers } from './registers.js';
import { FUNDING_METHODS, NO_DEBITS, type DebitMemory, type FundingMethod } from './debits.js';
import { NO_REFUNDS, type RefundedItem, type RefundMemory } from './refunds.js';
import { decodeMembers, encodeMember } from './member-codec.js';
import type { Member, PasswordVerifier, PendingRegistration } from './credentials.js';

export type { PasswordVerifier, PendingRegistration } from './credentials.js';

/** `suspended`: the bank returned a debit whose value was already downloaded (see debits.ts). */
export type MeterState = 'registered' | 'operational' | 'locked' | 'suspended' | 'withdrawn' | 'revoked';
export const METER_STATES: readonly MeterState[] = ['registered', 'operational', 'locked', 'suspended', 'withdrawn', 'revoked'];

/**
 * The patent's security device transaction data: everything a module needs to run the meter.
 * It only ever leaves a module sealed (see module/sealing.ts).
 */
export interface MeterPackage {
  readonly meterId: string;
  /** Bound into the seal's associated data; grows by one on every write. */
  readonly version: bigint;
  readonly certSerialHex: string;
  readonly licensingZip: string;
  /** The meter's P-256 signing key (PKCS#8), wrapped under the domain key-wrap key. */
  readonly wrappedSigningKey: Buffer;
  readonly keyNotBeforeMs: number;
  readonly keyNotAfterMs: number;
  readonly registers: Registers;
  /** Credits the client has not yet seen in a module response (operator funding). */
  readonly unackedCreditMills: bigint;
  /** Serial of the last item issued by this meter. */
  readonly itemSerial: bigint;
  readonly clientMacKey: Buffer | null;
  readonly passwordVerifier: PasswordVerifier | null;
  /** The last verifiers, newest first, so a password change cannot repeat one. */
  readonly passwordHistory: readonly PasswordVerifier[];
  readonly failedLogins: number;
  readonly lastTransactionAtMs: number | null;
  readonly lastChallenge: Buffer | null;
  /** Issued by the unauthenticated login-challenge call; kept apart so that call cannot spoil lastChallenge. */
  readonly loginChallenge: Buffer | null;
  readonly lastAuditAtMs: number | null;
  readonly state: MeterState;
  readonly pendingRegistration: PendingRegistration | null;
  readonly createdAtMs: number;
  /** The items refunded within the refund window: a second refund is refused from these alone. */
  readonly refunds: RefundMemory;
  /** Officer statements this meter has acted on (a funding), while they are young enough to replay. */
  readonly spentOfficerNonces: readonly SpentNonce[];
  /** ACH debits the customer requested, settled within the return window, and owed. */
  readonly debits: DebitMemory;
  /**
   * Test mode (issue 14 item 1): set by the module at registration and never changed after. Its items
   * carry the test flag in their signed bytes, and it holds only test value (`test_fund`).
   */
  readonly sandbox: boolean;
  /** The account's other users (issue 14 item 1), each with credentials of its own; see members.ts. */
  readonly members: readonly Member[];
}

export interface SpentNonce {
  readonly nonce: string;
  readonly timeMs: number;
}

// Encoding: JSON with bigints as decimal strings and bytes as base64. Versioned by the `f` field:
// format 2 added `refunds`, format 3 `debits`; an older package still opens, with none remembered.
// Format 4 adds `sandbox` (absent: not a sandbox) and each pending debit's method (`ach` | `card`)
// as a fourth element; a format 3 pending debit has three and is an ACH debit. Format 5 adds
// `members` (absent: none).
const FORMAT = 5;
const FORMATS: readonly unknown[] = [1, 2, 3, 4, FORMAT];

export function encodePackage(p: MeterPackage): Buffer {
  const b64 = (b: Buffer | null) => (b === null ? null : b.toString('base64'));
  const verifier = (v: PasswordVerifier) => ({ salt: b64(v.salt), hash: b64(v.hash) });
  const doc = {
    f: FORMAT,
    meterId: p.meterId,
    version: p.version.toString(),
    certSerialHex: p.certSerialHex,
    licensingZip: p.licensingZip,
    wrappedSigningKey: b64(p.wrappedSigningKey),
    keyNotBeforeMs: p.keyNotBeforeMs,
    keyNotAfterMs: p.keyNotAfterMs,
    ar: p.registers.arMills.toString(),
    dr: p.registers.drMills.toString(),
    ct: p.registers.controlTotalMills.toString(),
    unackedCreditMills: p.unackedCreditMills.toString(),
    itemSerial: p.itemSerial.toString(),
    clientMacKey: b64(p.clientMacKey),
    passwordVerifier: p.passwordVerifier ? verifier(p.passwordVerifier) : null,
    passwordHistory: p.passwordHistory.map(verifier),
    failedLogins: p.failedLogins,
    lastTransactionAtMs: p.lastTransactionAtMs,
    lastChallenge: b64(p.lastChallenge),
    loginChallenge: b64(p.loginChallenge),
    lastAuditAtMs: p.lastAuditAtMs,
    state: p.state,
    pendingRegistration: p.pendingRegistration
      ? {
          ephemeralPrivateKeyPkcs8: b64(p.pendingRegistration.ephemeralPrivateKeyPkcs8),
          clientNonce: b64(p.pendingRegistration.clientNonce),
          expiresAtMs: p.pendingRegistration.expiresAtMs,
          sandbox: p.pendingRegistration.sandbox,
        }
      : null,
    createdAtMs: p.createdAtMs,
    spentOfficerNonces: p.spentOfficerNonces,
    refunds: { items: p.refunds.items.map((r) => [r.serial.toString(), r.issuedMs]), floorMs: p.refunds.floorMs },
    debits: {
      pending: p.debits.pending.map((d) => [d.requestId, d.amountMills.toString(), d.requestedAtMs, d.method]),
      settled: p.debits.settled.map((d) => [d.requestId, d.amountMills.toString(), d.settledAtMs]),
      owed: p.debits.owedMills.toString(),
    },
    sandbox: p.sandbox,
    members: p.members.map(encodeMember),
  };
  return Buffer.from(JSON.stringify(doc), 'utf8');
}

/** Decodes and validates a package; throws on any malformed field (a sealed package that decodes badly is corrupt). */
export function decodePackage(bytes: Uint8Array): MeterPackage {
  const d = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  if (!FORMATS.includes(d.f)) throw new Error(`unknown package format ${String(d.f)}`);
  const buf = (v: unknown): Buffer => {
    if (typeof v !== 'string') throw new Error('package field is not base64');
    return Buffer.from(v, 'base64');
  };
  const optBuf = (v: unknown): Buffer | null => (v === null ? null : buf(v));
  const big = (v: unknown): bigint => {
    if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw new Error('package field is not an integer');
    return BigInt(v);
  };
  const num = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error('package field is not a safe integer');
    return v;
  };
  const optNum = (v: unknown): number | null => (v === null ? null : num(v));
  const verifier = (v: unknown): PasswordVerifier => {
    const o = (v ?? {}) as Record<string, unknown>;
    return { salt: buf(o.salt), hash: buf(o.hash) };
  };
  if (!(METER_STATES as readonly unknown[]).includes(d.state)) throw new Error('package state is unknown');
  const pending = d.pendingRegistration as Record<string, unknown> | null | undefined;
  return {
    meterId: String(d.meterId),
    version: big(d.version),
    certSerialHex: String(d.certSerialHex),
    licensingZip: String(d.licensingZip),
    wrappedSigningKey: buf(d.wrappedSigningKey),
    keyNotBeforeMs: num(d.keyNotBeforeMs),
    keyNotAfterMs: num(d.keyNotAfterMs),
    registers: assertRegisters({ arMills: big(d.ar), drMills: big(d.dr), controlTotalMills: big(d.ct) }),
    unackedCreditMills: big(d.unackedCreditMills),
    itemSerial: big(d.itemSerial),
    clientMacKey: optBuf(d.clientMacKey),
    passwordVerifier: d.passwordVerifier === null ? null : verifier(d.passwordVerifier),
    passwordHistory: Array.isArray(d.passwordHistory) ? d.passwordHistory.map(verifier) : [],
    failedLogins: num(d.failedLogins),
    lastTransactionAtMs: optNum(d.lastTransactionAtMs),
    lastChallenge: optBuf(d.lastChallenge),
    loginChallenge: d.loginChallenge === undefined ? null : optBuf(d.loginChallenge),
    lastAuditAtMs: optNum(d.lastAuditAtMs),
    state: d.state as MeterState,
    pendingRegistration: pending
      ? {
          ephemeralPrivateKeyPkcs8: buf(pending.ephemeralPrivateKeyPkcs8),
          clientNonce: buf(pending.clientNonce),
          expiresAtMs: num(pending.expiresAtMs),
          sandbox: flag(pending.sandbox),
        }
      : null,
    createdAtMs: num(d.createdAtMs),
    refunds: d.f === 1 ? NO_REFUNDS : decodeRefunds(d.refunds, big, num),
    // Absent in packages sealed before officer statements existed.
    spentOfficerNonces: Array.isArray(d.spentOfficerNonces) ? d.spentOfficerNonces.map(spentNonce) : [],
    debits: d.f === 1 || d.f === 2 ? NO_DEBITS : decodeDebits(d.debits, big, num),
    sandbox: flag(d.sandbox),
    members: decodeMembers(d.members),
  };
}

/** A format-4 flag; absent (an older package) is false. */
function flag(v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new Error('package flag is not a boolean');
  return v;
}

function decodeDebits(v: unknown, big: (v: unknown) => bigint, num: (v: unknown) => number): DebitMemory {
  const o = (v ?? {}) as Record<string, unknown>;
  // [requestId, mills, ms], and for a pending debit of format 4 its method as a fourth element.
  const entries = (list: unknown, withMethod: boolean): [string, bigint, number, FundingMethod][] => {
    if (!Array.isArray(list)) throw new Error('package debits are not a list');
    return list.map((e: unknown) => {
      const size = Array.isArray(e) ? e.length : 0;
      if (!Array.isArray(e) || !(size === 3 || (withMethod && size === 4)) || typeof e[0] !== 'string')
        throw new Error('a package debit is not [requestId, mills, ms] (or, pending, [requestId, mills, ms, method])');
      const method: unknown = size === 4 ? e[3] : 'ach';
      if (!(FUNDING_METHODS as readonly unknown[]).includes(method)) throw new Error('a package debit has an unknown method');
      return [e[0], big(e[1]), num(e[2]), method as FundingMethod];
    });
  };
  return {
    pending: entries(o.pending, true).map(([requestId, amountMills, requestedAtMs, method]) => ({ requestId, amountMills, requestedAtMs, method })),
    settled: entries(o.settled, false).map(([requestId, amountMills, settledAtMs]) => ({ requestId, amountMills, settledAtMs })),
    owedMills: big(o.owed),
  };
}

function decodeRefunds(v: unknown, big: (v: unknown) => bigint, num: (v: unknown) => number): RefundMemory {
  const o = (v ?? {}) as Record<string, unknown>;
  if (!Array.isArray(o.items)) throw new Error('package refunds are not a list');
  const items = o.items.map((e: unknown): RefundedItem => {
    if (!Array.isArray(e) || e.length !== 2) throw new Error('a package refund is not [serial, issuedMs]');
    return { serial: big(e[0]), issuedMs: num(e[1]) };
  });
  return { items, floorMs: num(o.floorMs) };
}

function spentNonce(v: unknown): SpentNonce {
  const o = (v ?? {}) as Record<string, unknown>;
  if (typeof o.nonce !== 'string' || typeof o.timeMs !== 'number' || !Number.isSafeInteger(o.timeMs)) throw new Error('package nonce is malformed');
  return { nonce: o.nonce, timeMs: o.timeMs };
}
