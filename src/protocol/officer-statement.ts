import { canonicalBytes, prefixed } from './canonical.js';

// What an officer signs: one privileged act, exactly. The module checks the signature and that the
// statement names the op it is about to run (meter, amount, the officer to certify), so a database
// row or a forged server request never carries an officer's authority.

export const OFFICER_STATEMENT_DOMAIN = 'vaultmeter/officer-statement/v1';

/** The acts that need an officer's key. */
export const OFFICER_ACTS = [
  'fund',
  'revoke_meter',
  'unlock_meter',
  'certify_officer',
  'remove_officer',
  'reinstate_module',
  'clear_halt',
  'install_rates',
  'reset_password',
  'adjust_balance',
  'close_account',
] as const;
export type OfficerAct = (typeof OFFICER_ACTS)[number];

/** `support`: customer care (look-up, unlock, and requesting the dual-control care acts); it never funds. */
export const OFFICER_ROLES = ['security_officer', 'operator', 'support'] as const;
export type OfficerRole = (typeof OFFICER_ROLES)[number];

export interface OfficerStatement {
  readonly act: OfficerAct;
  /** What the act is about, as strings (e.g. meterId and amountMills for `fund`). */
  readonly params: Readonly<Record<string, string>>;
  /** 32 hex digits of randomness: a statement is good for one act. */
  readonly nonce: string;
  /** When the officer signed, ms since the epoch (UTC): the module refuses old statements. */
  readonly timeMs: number;
}

export interface OfficerSignature {
  /** The officer's certificate from the installation CA: names the officer and the role. */
  readonly certificatePem: string;
  /** ECDSA P-256 over SHA-256, IEEE P1363 (r | s), base64. */
  readonly signature: string;
}

/** A statement with the signatures of one officer, or two for dual control. */
export interface OfficerAuthorization {
  readonly statement: OfficerStatement;
  readonly signatures: readonly OfficerSignature[];
}

export function officerStatementBytes(s: OfficerStatement): Buffer {
  return canonicalBytes(OFFICER_STATEMENT_DOMAIN, { act: s.act, nonce: s.nonce, timeMs: String(s.timeMs), ...prefixed('p', s.params) });
}

// The subject names the officer and the role; the module reads both from the CA-signed certificate.
const SUBJECT = /^CN=([A-Za-z0-9._@-]{1,64}), OU=(security_officer|operator|support), O=Vaultmeter Officer$/;

export function officerSubject(user: string, role: OfficerRole): string {
  return `CN=${user}, OU=${role}, O=Vaultmeter Officer`;
}

export function parseOfficerSubject(subject: string): { readonly user: string; readonly role: OfficerRole } | null {
  // Node prints a subject one attribute a line; @peculiar/x509 prints it comma-separated.
  const m = SUBJECT.exec(subject.split('\n').join(', '));
  return m ? { user: m[1]!, role: m[2] as OfficerRole } : null;
}
