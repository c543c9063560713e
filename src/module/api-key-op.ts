import { fail } from '../errors.js';
import { checkApiKeyParams } from '../protocol/index.js';

// The `api_key` client command: the customer's MAC'd request for an integrator key. Only the
// holder of the client MAC key can make one, so a key never exists that its meter's owner did not
// ask for; the server cannot declare `api_key_created` itself (see ledger/effects.ts). The module
// keeps nothing of the key in the package: the key is not a secret of the meter (the server holds
// only its hash), and the MAC'd answer is what the ledger derives the effect from.

/** The checked parameters, answered back MAC'd (the result the ledger derives `api_key_created` from). */
export function apiKeyResult(p: Readonly<Record<string, string | undefined>>, nowMs: number): Record<string, string> {
  const checked = checkApiKeyParams(p, nowMs);
  if (typeof checked === 'string') return fail('invalid_request', checked);
  return { keyId: checked.keyId, keyHash: checked.keyHashHex, scopes: checked.scopes.join(','), expiresAt: checked.expiresAt ?? '' };
}
