import { REQUEST_TIMEOUT_MS } from '../constants.js';
import { isAnyErrorCode, type AnyErrorCode } from '../errors.js';

/** A problem answer from the server (RFC 9457), or a transport failure with code `unreachable`. */
export class ApiError extends Error {
  constructor(
    readonly code: AnyErrorCode,
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface HttpOptions {
  readonly headers?: Record<string, string>;
  readonly retries?: number;
}

/** JSON over HTTP. Network failures are retried (the caller sends an Idempotency-Key where it matters). */
export async function callApi<T = Record<string, unknown>>(
  server: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  opts: HttpOptions = {},
): Promise<T> {
  const retries = opts.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(new URL(path, server), {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (e) {
      if (attempt < retries) {
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
        continue;
      }
      throw new ApiError('unreachable', `cannot reach ${server}: ${(e as Error).message}`, 0);
    }
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new ApiError('bad_response', `the server answered ${res.status} with non-JSON`, res.status);
    }
    if (!res.ok) {
      throw new ApiError(isAnyErrorCode(json.code) ? json.code : 'http_error', String(json.detail ?? json.title ?? res.statusText), res.status, json);
    }
    return json as T;
  }
}
