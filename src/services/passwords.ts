import { randomBytes } from 'node:crypto';
import { OFFICER_SCRYPT } from '../constants.js';
import { constantTimeEqual, scryptKey } from '../crypto/index.js';

// Officer password hashes: scrypt$N$r$p$salt$hash (base64). Customer passwords never reach the
// server in clear: a module checks them inside the sealed package.

/** A generated officer password: 20 base64url characters, never starting with '-' (it would read as a CLI flag). */
export function newOfficerPassword(): string {
  for (;;) {
    const p = randomBytes(15).toString('base64url');
    if (/^[A-Za-z0-9]/.test(p)) return p;
  }
}

export async function hashOfficerPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptKey(password, salt, OFFICER_SCRYPT);
  return ['scrypt', OFFICER_SCRYPT.N, OFFICER_SCRYPT.r, OFFICER_SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyOfficerPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p), maxmem: OFFICER_SCRYPT.maxmem };
  return constantTimeEqual(await scryptKey(password, Buffer.from(salt, 'base64'), params), Buffer.from(hash, 'base64'));
}
