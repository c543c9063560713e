import { randomBytes } from 'node:crypto';
import { OFFICER_LOCKOUT_MS, OFFICER_MAX_FAILED_LOGINS, RATE_LIMIT_MAX_CLIENTS } from '../constants.js';
import { fail } from '../errors.js';
import { hashOfficerPassword, verifyOfficerPassword } from '../services/index.js';

/**
 * The password check of an officer login, the same work whether or not the name exists: an unknown
 * name is checked against a dummy hash of the same cost, so the answer's timing does not tell
 * which names are officers. An object, so that a test can watch the checks.
 */
export const officerPasswords = {
  verify: (password: string, hash: string): Promise<boolean> => verifyOfficerPassword(password, hash),
  /** A hash of a random password, made once, with the parameters of a real one. */
  dummyHash: (() => {
    let dummy: Promise<string> | null = null;
    return () => (dummy ??= hashOfficerPassword(randomBytes(16).toString('hex')));
  })(),
};

/**
 * Lockout per officer name: after OFFICER_MAX_FAILED_LOGINS failures in a row the name is refused
 * for OFFICER_LOCKOUT_MS, even with the right password. Names that do not exist are counted the
 * same way (a lockout must not tell them apart). Per API server, in memory, bounded.
 */
export class OfficerLockout {
  private readonly names = new Map<string, { failures: number; lockedUntilMs: number }>();

  assertOpen(name: string, nowMs = Date.now()): void {
    const e = this.names.get(name);
    if (e && e.lockedUntilMs > nowMs) {
      fail('officer_locked', `too many failed logins for this officer name; try again in ${Math.ceil((e.lockedUntilMs - nowMs) / 1000)} s`, {
        retryAfterSeconds: Math.ceil((e.lockedUntilMs - nowMs) / 1000),
      });
    }
  }

  failed(name: string, nowMs = Date.now()): void {
    const e = this.names.get(name);
    // A lockout that has run out starts the count again.
    const expired = e !== undefined && e.lockedUntilMs !== 0 && e.lockedUntilMs <= nowMs;
    const failures = (expired ? 0 : (e?.failures ?? 0)) + 1;
    this.names.delete(name);
    if (this.names.size >= RATE_LIMIT_MAX_CLIENTS) this.names.delete(this.names.keys().next().value!);
    this.names.set(name, { failures, lockedUntilMs: failures >= OFFICER_MAX_FAILED_LOGINS ? nowMs + OFFICER_LOCKOUT_MS : 0 });
  }

  succeeded(name: string): void {
    this.names.delete(name);
  }
}

/** A credential with a control character (NUL included) is never valid, and never reaches a query. */
export function hasControlCharacter(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(s);
}
