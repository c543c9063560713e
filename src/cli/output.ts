import { ApiError, ProfileError } from '../sdk/index.js';

/** Print one JSON object (with --json) or readable lines. bigint is always written as a string. */
export function emit(json: boolean, value: Record<string, unknown>, human: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
  else process.stdout.write(`${human()}\n`);
}

/** Every command ends here on failure: a stable code, a message, exit status 1. */
export function reportError(e: unknown, json: boolean): never {
  let code = 'error';
  let message = String(e);
  let extra: Record<string, unknown> = {};
  if (e instanceof ApiError) {
    code = e.code;
    message = e.message;
    extra = e.body;
  } else if (e instanceof ProfileError) {
    code = e.code;
    message = e.message;
    extra = e.extra;
  } else if (e instanceof Error) {
    const own = (e as { code?: unknown }).code;
    code = typeof own === 'string' ? own : 'error';
    message = e.message;
  }
  if (json) process.stdout.write(`${JSON.stringify({ error: { ...extra, code, message } })}\n`);
  process.stderr.write(`error: ${code}: ${message}\n`);
  process.exit(1);
}

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';
