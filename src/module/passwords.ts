import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PASSWORD_VERIFIER_SCRYPT } from '../constants.js';
import { constantTimeEqual, scryptKey } from '../crypto/index.js';
import { fail } from '../errors.js';
import type { PasswordVerifier } from '../meter/index.js';
import type { Random } from '../protocol/index.js';

// Customer password verifiers: scrypt inside the sealed package; only a module ever computes one.

export function checkPasswordRules(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    fail('invalid_password', `passwords are ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
}

export async function newVerifier(password: string, random: Random): Promise<PasswordVerifier> {
  const salt = random(16);
  return { salt, hash: await scryptKey(password, salt, PASSWORD_VERIFIER_SCRYPT) };
}

export async function matchesVerifier(password: string, v: PasswordVerifier | null): Promise<boolean> {
  if (!v) return false;
  return constantTimeEqual(await scryptKey(password, v.salt, PASSWORD_VERIFIER_SCRYPT), v.hash);
}
