import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../crypto/kdf.js';
import { canonicalBytes, prefixed } from './canonical.js';

export const REQUEST_DOMAIN = 'vaultmeter/request/v1';
export const RESPONSE_DOMAIN = 'vaultmeter/response/v1';

/** What the client signs: the command, its parameters, the module challenge and its view of the registers. */
export interface CommandRequest {
  readonly op: string;
  readonly meterId: string;
  readonly challenge: Buffer;
  readonly arMills: bigint;
  readonly drMills: bigint;
  readonly params: Readonly<Record<string, string>>;
}

/** What the module answers: outcome, registers after, next challenge, bound to the request MAC. */
export interface CommandResponse {
  readonly op: string;
  readonly meterId: string;
  readonly requestMac: Buffer;
  /** 'ok' or an error code. */
  readonly status: string;
  readonly arMills: bigint;
  readonly drMills: bigint;
  readonly controlTotalMills: bigint;
  readonly nextChallenge: Buffer;
  readonly result: Readonly<Record<string, string>>;
}

export function requestBytes(r: CommandRequest): Buffer {
  return canonicalBytes(REQUEST_DOMAIN, {
    op: r.op,
    meterId: r.meterId,
    challenge: r.challenge.toString('hex'),
    arMills: r.arMills.toString(),
    drMills: r.drMills.toString(),
    ...prefixed('param', r.params),
  });
}

export function responseBytes(r: CommandResponse): Buffer {
  return canonicalBytes(RESPONSE_DOMAIN, {
    op: r.op,
    meterId: r.meterId,
    requestMac: r.requestMac.toString('hex'),
    status: r.status,
    arMills: r.arMills.toString(),
    drMills: r.drMills.toString(),
    controlTotalMills: r.controlTotalMills.toString(),
    nextChallenge: r.nextChallenge.toString('hex'),
    ...prefixed('result', r.result),
  });
}

export function hmac(key: Uint8Array, bytes: Uint8Array): Buffer {
  return createHmac('sha256', key).update(bytes).digest();
}

export function macRequest(macKey: Uint8Array, r: CommandRequest): Buffer {
  return hmac(macKey, requestBytes(r));
}

export function macResponse(macKey: Uint8Array, r: CommandResponse): Buffer {
  return hmac(macKey, responseBytes(r));
}

/** False, never an exception, when the MAC is wrong or the request has no canonical bytes (a lone surrogate). */
export function verifyRequestMac(macKey: Uint8Array, r: CommandRequest, mac: Uint8Array): boolean {
  return constantTimeEqual(macOrNull(() => macRequest(macKey, r)), mac);
}

export function verifyResponseMac(macKey: Uint8Array, r: CommandResponse, mac: Uint8Array): boolean {
  return constantTimeEqual(macOrNull(() => macResponse(macKey, r)), mac);
}

function macOrNull(compute: () => Buffer): Buffer {
  try {
    return compute();
  } catch {
    return Buffer.alloc(0); // matches no MAC: constantTimeEqual needs equal lengths
  }
}
