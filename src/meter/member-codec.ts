import { isMemberName, isMemberRole } from '../protocol/index.js';
import type { Member, PasswordVerifier, PendingRegistration } from './credentials.js';

// A member slot inside the package's JSON (package format 5): bytes as base64, times as ms.

type Doc = Record<string, unknown>;

const b64 = (b: Buffer | null) => (b === null ? null : b.toString('base64'));

function buf(v: unknown): Buffer {
  if (typeof v !== 'string') throw new Error('member field is not base64');
  return Buffer.from(v, 'base64');
}

const optBuf = (v: unknown): Buffer | null => (v === null ? null : buf(v));

function num(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error('member field is not a safe integer');
  return v;
}

const verifierDoc = (v: PasswordVerifier) => ({ salt: b64(v.salt), hash: b64(v.hash) });

function verifier(v: unknown): PasswordVerifier {
  const o = (v ?? {}) as Doc;
  return { salt: buf(o.salt), hash: buf(o.hash) };
}

function pendingDoc(p: PendingRegistration | null) {
  return p && { eph: b64(p.ephemeralPrivateKeyPkcs8), nonce: b64(p.clientNonce), expiresAtMs: p.expiresAtMs };
}

function pending(v: unknown): PendingRegistration | null {
  if (v === null) return null;
  const o = (v ?? {}) as Doc;
  return { ephemeralPrivateKeyPkcs8: buf(o.eph), clientNonce: buf(o.nonce), expiresAtMs: num(o.expiresAtMs), sandbox: false };
}

export function encodeMember(m: Member): Doc {
  return {
    name: m.name,
    role: m.role,
    invitation: m.invitation && { codeHash: b64(m.invitation.codeHash), expiresAtMs: m.invitation.expiresAtMs },
    pending: pendingDoc(m.pending),
    clientMacKey: b64(m.clientMacKey),
    passwordVerifier: m.passwordVerifier && verifierDoc(m.passwordVerifier),
    passwordHistory: m.passwordHistory.map(verifierDoc),
    failedLogins: m.failedLogins,
    locked: m.locked,
    lastChallenge: b64(m.lastChallenge),
    loginChallenge: b64(m.loginChallenge),
  };
}

export function decodeMember(v: unknown): Member {
  const o = (v ?? {}) as Doc;
  if (!isMemberName(o.name) || !isMemberRole(o.role)) throw new Error('a package member has a bad name or role');
  if (typeof o.locked !== 'boolean' || !Array.isArray(o.passwordHistory)) throw new Error('a package member is malformed');
  const inv = o.invitation as Doc | null;
  return {
    name: o.name,
    role: o.role,
    invitation: inv === null ? null : { codeHash: buf(inv.codeHash), expiresAtMs: num(inv.expiresAtMs) },
    pending: pending(o.pending),
    clientMacKey: optBuf(o.clientMacKey),
    passwordVerifier: o.passwordVerifier === null ? null : verifier(o.passwordVerifier),
    passwordHistory: o.passwordHistory.map(verifier),
    failedLogins: num(o.failedLogins),
    locked: o.locked,
    lastChallenge: optBuf(o.lastChallenge),
    loginChallenge: optBuf(o.loginChallenge),
  };
}

/** A format-5 list; absent (an older package) is none. */
export function decodeMembers(v: unknown): Member[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error('package members are not a list');
  return v.map(decodeMember);
}
