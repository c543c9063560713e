import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { MAX_CACHED_OFFICER_CERTIFICATES, MAX_OFFICER_CERT_PEM_BYTES, OFFICER_DUAL_STATEMENT_MAX_AGE_MS, OFFICER_STATEMENT_MAX_AGE_MS } from '../constants.js';
import { certificateChainsTo, parseCertificate } from '../crypto/index.js';
import { fail } from '../errors.js';
import { OFFICER_ACTS, officerStatementBytes, parseOfficerSubject, type OfficerAct, type OfficerRole, type OfficerStatement } from '../protocol/index.js';

// The module's own check of an officer's authority: a CA-certified key signed exactly this act,
// recently. Nothing the API server or the database says about officers counts here.

export interface OfficerExpectation {
  readonly act: OfficerAct;
  /** The act's parameters as the module is about to run them: the statement must name exactly these. */
  readonly params: Readonly<Record<string, string>>;
  readonly roles: readonly OfficerRole[];
  /** 2 for dual control: two different officers, each with a different key. */
  readonly signers: 1 | 2;
  readonly nowMs: number;
}

export interface VerifiedOfficer {
  readonly user: string;
  readonly role: OfficerRole;
  readonly certSerialHex: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The statement's shape, or officer_signature_required when there is none to speak of. */
function statementOf(raw: unknown): { statement: OfficerStatement; signatures: unknown[] } {
  if (!isObject(raw) || !isObject(raw.statement) || !Array.isArray(raw.signatures)) fail('officer_signature_required');
  const s = raw.statement;
  const params = isObject(s.params) && Object.values(s.params).every((v) => typeof v === 'string') ? (s.params as Record<string, string>) : null;
  if (!(OFFICER_ACTS as readonly unknown[]).includes(s.act) || !params || typeof s.nonce !== 'string' || !/^[0-9a-f]{32}$/.test(s.nonce))
    fail('officer_signature_invalid', 'the statement is malformed');
  if (typeof s.timeMs !== 'number' || !Number.isSafeInteger(s.timeMs)) fail('officer_signature_invalid', 'the statement has no time');
  return { statement: { act: s.act as OfficerAct, params, nonce: s.nonce, timeMs: s.timeMs }, signatures: raw.signatures };
}

function sameParams(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** An officer certificate the installation CA signed, as far as it does not depend on the time. */
interface CertifiedOfficer {
  /** The intersection of the certificate's and the CA's validity periods. */
  readonly validFromMs: number;
  readonly validToMs: number;
  readonly who: { user: string; role: OfficerRole } | null;
  readonly certSerialHex: string;
  readonly key: KeyObject;
  readonly keyDer: string;
}

// Parsing a certificate and checking the CA's signature on it cost several signature checks; the
// same few officers sign over and over. Only certificates the CA signed are kept (no one else can
// make one, so refusals cannot crowd the cache), bounded, oldest out first.
const certified = new Map<string, CertifiedOfficer>();

// When each removed officer was removed (officer-removals.ts): one module process keeps one list.
let removedAt: (user: string) => number | undefined = () => undefined;

/** The module process's removed officers; a signature by one is refused from its removal on. */
export function useOfficerRemovals(lookup: (user: string) => number | undefined): void {
  removedAt = lookup;
}

function certifiedOfficer(caCertPem: string, certificatePem: string): CertifiedOfficer | null {
  const cacheKey = `${caCertPem}\n${certificatePem}`;
  const hit = certified.get(cacheKey);
  if (hit) return hit;
  const ca = parseCertificate(caCertPem) ?? fail('internal', 'the module has no CA certificate');
  const cert = parseCertificate(certificatePem);
  if (!cert) return null;
  const validFromMs = Math.max(Date.parse(cert.validFrom), Date.parse(ca.validFrom));
  const validToMs = Math.min(Date.parse(cert.validTo), Date.parse(ca.validTo));
  if (!certificateChainsTo(cert, ca, new Date(validFromMs))) return null;
  const key = createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' }));
  const value: CertifiedOfficer = {
    validFromMs,
    validToMs,
    who: parseOfficerSubject(cert.subject),
    certSerialHex: cert.serialNumber.toLowerCase(),
    key,
    keyDer: key.export({ type: 'spki', format: 'der' }).toString('hex'),
  };
  if (certified.size >= MAX_CACHED_OFFICER_CERTIFICATES) certified.delete(certified.keys().next().value!);
  certified.set(cacheKey, value);
  return value;
}

function checkOne(raw: unknown, bytes: Buffer, caCertPem: string, expect: OfficerExpectation): VerifiedOfficer & { keyDer: string } {
  if (!isObject(raw) || typeof raw.certificatePem !== 'string' || typeof raw.signature !== 'string')
    fail('officer_signature_invalid', 'a signature is malformed');
  if (raw.certificatePem.length > MAX_OFFICER_CERT_PEM_BYTES) fail('officer_signature_invalid', 'the officer certificate is too large');
  const cert = certifiedOfficer(caCertPem, raw.certificatePem);
  if (!cert || expect.nowMs < cert.validFromMs || expect.nowMs > cert.validToMs)
    fail('officer_signature_invalid', 'the officer certificate is not a current one from this installation');
  const who = cert.who;
  if (!who) fail('officer_signature_invalid', 'the certificate is not an officer certificate');
  // Checked at the module's own time, never the statement's: a removed officer cannot backdate one.
  const removed = removedAt(who.user);
  if (removed !== undefined && expect.nowMs >= removed) fail('officer_revoked', `${who.user} was removed as an officer on ${new Date(removed).toISOString()}`);
  if (!expect.roles.includes(who.role)) fail('officer_signature_invalid', `a ${who.role} may not ${expect.act.replace('_', ' ')}`);
  const good = verify('sha256', bytes, { key: cert.key, dsaEncoding: 'ieee-p1363' }, Buffer.from(raw.signature, 'base64'));
  if (!good) fail('officer_signature_invalid', `${who.user}'s signature does not verify`);
  return { ...who, certSerialHex: cert.certSerialHex, keyDer: cert.keyDer };
}

/**
 * The officers who authorized this act, or a refusal. Replay is the caller's to refuse (the nonce
 * goes into the meter package, or the module's own memory): this checks signatures and freshness.
 */
export function checkOfficerAuthorization(
  caCertPem: string,
  raw: unknown,
  expect: OfficerExpectation,
): { statement: OfficerStatement; officers: VerifiedOfficer[] } {
  const { statement, signatures } = statementOf(raw);
  if (statement.act !== expect.act) fail('officer_signature_invalid', `the statement authorizes ${statement.act}, not ${expect.act}`);
  if (!sameParams(statement.params, expect.params)) fail('officer_signature_invalid', `the statement names other ${expect.act} parameters than this request`);
  const maxAgeMs = expect.signers === 2 ? OFFICER_DUAL_STATEMENT_MAX_AGE_MS : OFFICER_STATEMENT_MAX_AGE_MS;
  if (statement.timeMs > expect.nowMs + OFFICER_STATEMENT_MAX_AGE_MS || expect.nowMs - statement.timeMs > maxAgeMs)
    fail('officer_statement_spent', 'the statement is too old (or dated in the future): sign it again');
  if (signatures.length !== expect.signers) fail('officer_signature_invalid', `${expect.act.replace('_', ' ')} needs ${expect.signers} officer signature(s)`);
  const bytes = officerStatementBytes(statement);
  const checked = signatures.map((s) => checkOne(s, bytes, caCertPem, expect));
  if (new Set(checked.map((c) => c.user)).size !== checked.length || new Set(checked.map((c) => c.keyDer)).size !== checked.length)
    fail('dual_control', 'dual control needs two different officers');
  return { statement, officers: checked.map(({ user, role, certSerialHex }) => ({ user, role, certSerialHex })) };
}

/** Bounded memory of spent statements for acts without a package; statements older than the process are refused. */
export class SpentStatements {
  private readonly spent = new Map<string, number>();
  constructor(
    private readonly startedAtMs: number,
    private readonly max: number,
  ) {}

  spend(statement: OfficerStatement, nowMs: number): void {
    // A restart forgets what was spent: refuse anything signed before it, so nothing replays across one.
    if (statement.timeMs < this.startedAtMs) fail('officer_statement_spent', 'the statement was signed before this module started: sign it again');
    for (const [nonce, atMs] of this.spent) if (nowMs - atMs > OFFICER_DUAL_STATEMENT_MAX_AGE_MS) this.spent.delete(nonce);
    if (this.spent.has(statement.nonce)) fail('officer_statement_spent', 'the statement was already used');
    if (this.spent.size >= this.max) fail('rate_limited', 'too many officer acts; retry later');
    this.spent.set(statement.nonce, statement.timeMs);
  }
}
