import type { MemberRole } from '../protocol/index.js';

// Who may speak for a meter, as the sealed package keeps it: the password verifier, a registration
// in progress, and the members of the account (members.ts) with their own credentials.

export interface PasswordVerifier {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Registration in progress: the module's ephemeral ECDH key lives in the package, so any module can finish it. */
export interface PendingRegistration {
  readonly ephemeralPrivateKeyPkcs8: Buffer;
  readonly clientNonce: Buffer;
  readonly expiresAtMs: number;
  /** Test mode, as the registration was begun: registerComplete refuses a sealed request that says otherwise. */
  readonly sandbox: boolean;
}

export interface Invitation {
  /** SHA-256 of the code the owner's client drew; the invitee's sealed acceptance must hold the code. */
  readonly codeHash: Buffer;
  readonly expiresAtMs: number;
}

export interface Member {
  readonly name: string;
  readonly role: MemberRole;
  /** Set while invited; null once accepted. */
  readonly invitation: Invitation | null;
  /** An acceptance begun (as a registration is: the module's ephemeral ECDH key). */
  readonly pending: PendingRegistration | null;
  readonly clientMacKey: Buffer | null;
  readonly passwordVerifier: PasswordVerifier | null;
  readonly passwordHistory: readonly PasswordVerifier[];
  readonly failedLogins: number;
  /** Too many failed logins: this member only; the owner and other members go on. */
  readonly locked: boolean;
  readonly lastChallenge: Buffer | null;
  readonly loginChallenge: Buffer | null;
}
