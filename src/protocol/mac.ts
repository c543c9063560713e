import { canonicalBytes, prefixed } from './canonical.js';

// The bytes of the FIG. 7 challenge/HMAC protocol. The HMAC itself is computed by each side's crypto
// (node:crypto in the module, WebCrypto in the SDK): this folder stays pure.

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

/** The request's canonical bytes, or null when it has none (a lone surrogate): such a request matches no MAC. */
export function requestBytesOrNull(r: CommandRequest): Buffer | null {
  try {
    return requestBytes(r);
  } catch {
    return null;
  }
}

export function responseBytesOrNull(r: CommandResponse): Buffer | null {
  try {
    return responseBytes(r);
  } catch {
    return null;
  }
}
