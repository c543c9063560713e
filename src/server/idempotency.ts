import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../constants.js';
import { ERRORS, fail, isErrorCode, VaultError, type ErrorCode } from '../errors.js';
import { inTransaction, repo, type Db, type Tx } from '../store/index.js';
import { problemBody } from './problem.js';

/** What a handler produced: the answer, and the writes that must commit before it is released. */
export interface Outcome {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly write: (tx: Tx) => Promise<void>;
}

const KEY = /^[A-Za-z0-9._:-]{1,128}$/;

function idempotencyKey(request: FastifyRequest): string | null {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || raw.length > MAX_IDEMPOTENCY_KEY_LENGTH || !KEY.test(raw)) {
    fail('invalid_request', 'Idempotency-Key must be 1-128 characters of A-Z a-z 0-9 . _ : -');
  }
  return raw;
}

function requestHash(request: FastifyRequest): Buffer {
  return createHash('sha256').update(`${request.method} ${request.routeOptions.url}\n${JSON.stringify(request.body ?? null)}`).digest();
}

/** A refusal from the module that still rotated the package (the challenge is spent): commit it, answer with a problem. */
export function refusal(code: string, message: string, extra: Record<string, unknown>, write: (tx: Tx) => Promise<void>): Outcome {
  const known: ErrorCode = isErrorCode(code) ? code : 'internal';
  return { status: ERRORS[known].status, body: problemBody(known, message, extra), write };
}

/**
 * Runs a state-changing POST exactly once per Idempotency-Key (scoped to the caller): the first
 * answer is stored in the same transaction as the state change, and a retry gets it back verbatim.
 * Nothing is sent before that transaction commits.
 */
export async function runIdempotent(
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  handler: () => Promise<Outcome>,
): Promise<FastifyReply> {
  const key = idempotencyKey(request);
  const hash = requestHash(request);
  if (key) {
    const stored = await repo.findIdempotent(db, scope, key);
    if (stored) return replay(reply, stored, hash);
  }
  const outcome = await handler();
  const committed: true | repo.StoredResponse = await inTransaction(db, async (tx): Promise<true | repo.StoredResponse> => {
    await outcome.write(tx);
    if (key && !(await repo.insertIdempotent(tx, scope, key, { requestSha256: hash, statusCode: outcome.status, response: outcome.body }))) {
      fail('conflict', 'a concurrent request with the same Idempotency-Key won');
    }
    return true;
  }).catch(async (e: unknown) => {
    // Lost a race against the same key: answer with the winner's stored response.
    if (key && e instanceof VaultError && e.code === 'conflict') {
      const stored = await repo.findIdempotent(db, scope, key);
      if (stored) return stored;
    }
    throw e;
  });
  if (committed !== true) return replay(reply, committed, hash);
  return send(reply, outcome.status, outcome.body);
}

function replay(reply: FastifyReply, stored: repo.StoredResponse, hash: Buffer): FastifyReply {
  if (!stored.requestSha256.equals(hash)) fail('idempotency_key_reused');
  reply.header('idempotency-replayed', 'true');
  return send(reply, stored.statusCode, stored.response as Record<string, unknown>);
}

function send(reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply {
  if (status >= 400) reply.type('application/problem+json');
  return reply.code(status).send(body);
}
