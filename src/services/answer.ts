import { ERRORS, isErrorCode, problemDocument, type ErrorCode } from '../errors.js';
import type { BatchWriter, Q } from '../store/index.js';

/** The answer to a state-changing request: an HTTP status and a JSON body. */
export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Keeps the answer under the request's Idempotency-Key, in the batch that makes the change. */
export interface Remember {
  (writer: BatchWriter, answer: Answer): void;
  /**
   * Inside the batch's transaction, before the module sees the command: fails with
   * `idempotency_key_reused` when the key already holds another request's answer. Found there, the
   * conflict is a refusal the module carries out (the challenge is spent) instead of a write that
   * would abort the whole batch at its flush.
   */
  readonly checkKey?: (q: Q) => Promise<void>;
}

export const forget: Remember = () => {};

/** A refusal from the module that still rotated the package (the challenge is spent): committed, answered as a problem. */
export function refusalAnswer(code: string, message: string, extra: Record<string, unknown>): Answer {
  const known: ErrorCode = isErrorCode(code) ? code : 'internal';
  return { status: ERRORS[known].status, body: problemDocument(known, message, extra) };
}
