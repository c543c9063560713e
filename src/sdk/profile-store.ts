import type { AnyErrorCode } from '../errors.js';
// Where a client keeps its MAC key and its record of the registers. The SDK only needs this
// interface; the CLI keeps an encrypted profile on disk (src/cli/profile.ts), a web app would use
// IndexedDB. Every method is async so either can implement it.

export interface ProfileState {
  macKey: string;
  arMills: string;
  drMills: string;
  challenge: string;
}

export interface ProfilePublic {
  readonly user: string;
  readonly server: string;
  readonly meterId: string;
  readonly caCertPem: string;
  readonly meterCertificatePem: string;
}

/** An opened profile: the public part and the decrypted state, saved back after each answer. */
export interface ClientProfile {
  readonly pub: ProfilePublic;
  state: ProfileState;
  /** Take the state another process (a second terminal, the CLI beside an SDK user) may have saved since. */
  reload(): Promise<void>;
  save(): Promise<void>;
  /** After a password change: protect the profile under the new password. */
  rewrap(newPassword: string): Promise<void>;
  saveSession(token: string, expiresAt: string): Promise<void>;
  /** Save another server address as the profile's (the site moved). */
  setServer(server: string): Promise<void>;
}

export interface ProfileStore {
  exists(user: string): Promise<boolean>;
  create(pub: ProfilePublic, state: ProfileState, password: string): Promise<ClientProfile>;
  unlockWithPassword(user: string, password: string): Promise<ClientProfile>;
  /** The profile and its saved session; null when there is none or it expired. */
  unlockWithSession(user: string): Promise<{ profile: ClientProfile; session: { readonly token: string } } | null>;
  endSession(user: string): Promise<void>;
}

/** A client-side failure with a stable code (no profile, no session, bad input); `extra` goes into --json output. */
export class ProfileError extends Error {
  constructor(
    readonly code: AnyErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
