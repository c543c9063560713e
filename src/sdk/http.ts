import {
  CLIENT_RETRY_AFTER_MAX_MS,
  CLIENT_UNAVAILABLE_RETRIES,
  CLIENT_UNREACHABLE_MAX_PAUSE_MS,
  CLIENT_UNREACHABLE_RETRIES,
  REQUEST_TIMEOUT_MS,
} from '../constants.js';
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

/** Refusals that say "not now": the same request, retried after Retry-After, may go through. */
const RETRYABLE = new Set(['database_unavailable', 'module_unavailable']);

/** How long the server asked us to wait (Retry-After in seconds), capped; null if it did not ask. */
function retryAfterMs(res: Response): number | null {
  const header = res.headers.get('retry-after');
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, CLIENT_RETRY_AFTER_MAX_MS) : null;
}

/**
 * JSON over HTTP. Network failures are retried, and so is a 503 the server marks as retryable (the
 * caller sends an Idempotency-Key where it matters, so a retry never does the work twice).
 */
export async function callApi<T = Record<string, unknown>>(
  server: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  opts: HttpOptions = {},
): Promise<T> {
  // With a key, a lost answer is worth waiting for: the retry returns it if the first attempt committed.
  const retries = opts.retries ?? (opts.headers?.['idempotency-key'] !== undefined ? CLIENT_UNREACHABLE_RETRIES : 2);
  let unavailable = 0;
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
        await new Promise((r) => setTimeout(r, Math.min(CLIENT_UNREACHABLE_MAX_PAUSE_MS, 250 * 2 ** attempt)));
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
      // Lost while committing, the first attempt may have landed: only a request with a key may be sent again.
      const again = res.status === 503 && RETRYABLE.has(String(json.code)) && (json.committing !== true || opts.headers?.['idempotency-key'] !== undefined);
      const waitMs = again ? retryAfterMs(res) : null;
      if (waitMs !== null && unavailable++ < CLIENT_UNAVAILABLE_RETRIES) {
        await new Promise((r) => setTimeout(r, waitMs));
        continue;
      }
      throw new ApiError(isAnyErrorCode(json.code) ? json.code : 'http_error', String(json.detail ?? json.title ?? res.statusText), res.status, json);
    }
    return json as T;
  }
}

/** A GET answered with a body that is not JSON (CSV, a PDF); a problem answer is thrown as ApiError. */
export async function fetchBody(server: string, authorization: string, path: string, accept: string): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(new URL(path, server), { headers: { authorization, accept }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (e) {
    throw new ApiError('unreachable', `cannot reach ${server}: ${(e as Error).message}`, 0);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (res.ok) return body;
  let problem: Record<string, unknown> = {};
  try {
    problem = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    // not problem JSON: reported as http_error below
  }
  throw new ApiError(isAnyErrorCode(problem.code) ? problem.code : 'http_error', String(problem.detail ?? res.statusText), res.status, problem);
}
