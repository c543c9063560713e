import { fail, type ErrorCode } from '../errors.js';

/**
 * Refusals the API server decides for a signed client command (an Idempotency-Key already used, a
 * revoked meter, an item that cannot be refunded, another customer's meter...). The server hands
 * them to the module with the request instead of dropping the request: the module checks the MAC
 * and the challenge as for any command, then refuses it and rotates the challenge, so a refused
 * request can never be replayed later. Only these codes: a server must not be able to make the
 * module count a failed login, or report a package failure it did not see.
 */
export const SERVER_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid_request',
  'forbidden',
  'not_found',
  'idempotency_key_reused',
  'already_refunded',
  'item_scanned',
  'already_redeemed',
  'meter_revoked',
  'meter_suspended',
  'address_unverified',
  // An API key used outside its scopes, too many keys, key creation too fast (issue 14 item 1).
  'api_key_scope',
  'too_many_api_keys',
  'rate_limited',
  // A member's role refused by the server before the batch (the module refuses it too; issue 14 item 1).
  'member_role',
]);

export interface ServerRefusal {
  readonly code: string;
  readonly message: string;
}

export function isServerRefusal(code: string): code is ErrorCode {
  return SERVER_REFUSALS.has(code as ErrorCode);
}

/** The refusal a command carries, checked before the package is touched; undefined when there is none. */
export function refusalOf(raw: unknown): ServerRefusal | undefined {
  if (raw === undefined) return undefined;
  const r = raw as Partial<ServerRefusal>;
  if (typeof r !== 'object' || r === null || typeof r.code !== 'string' || typeof r.message !== 'string' || !isServerRefusal(r.code)) {
    fail('invalid_request', 'a server refusal names one of the codes the module accepts');
  }
  return { code: r.code, message: r.message.slice(0, 500) };
}
