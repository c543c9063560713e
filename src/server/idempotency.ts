import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../constants.js';
import { fail, VaultError } from '../errors.js';
import type { Answer, Remember } from '../services/index.js';
import { noteProblemCode } from './problem.js';
import { repo, type BatchWriter, type Db, type Q } from '../store/index.js';

export type { Answer, Remember } from '../services/index.js';

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
  return createHash('sha256')
    .update(`${request.method} ${request.routeOptions.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest();
}

/**
 * Work that follows a committed answer, on the first request and on every replay of it alike (a card
 * payment charged after its MAC'd request committed): it must be idempotent itself, and it decides
 * the answer sent. The stored answer stays the committed one.
 */
export type After = (committed: Answer) => Promise<Answer>;

/** Spends the challenge of a refused signed request (the module refuses it); null when nothing was spent. */
export type Spend = (why: VaultError) => Promise<Answer | null>;

/**
 * Runs a state-changing POST exactly once per Idempotency-Key (scoped to the caller): the handler
 * calls `remember` inside the transaction that makes the change, so the first answer is stored
 * atomically with it, and a retry gets it back verbatim. Nothing is sent before that commit.
 *
 * A signed client command (`spend` given) is never dropped on a refusal: its key is checked inside
 * the batch, where a reused key is a refusal the module carries out, and a refusal found here (a
 * malformed key) is handed to `spend`. Either way its challenge is spent.
 */
export async function runIdempotent(
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  handler: (remember: Remember) => Promise<Answer>,
  opts: { spend?: Spend; after?: After } = {},
): Promise<FastifyReply> {
  let key: string | null;
  try {
    key = idempotencyKey(request);
  } catch (e) {
    return refuseSigned(reply, e, opts.spend);
  }
  const hash = requestHash(request);
  // A request without a one-time challenge (operator funding) must look up its key first: run twice,
  // it would act twice. A client command looks it up inside its batch (see Remember.checkKey).
  if (key && !opts.spend) {
    const stored = await repo.findIdempotent(db, scope, key);
    if (stored) return replay(reply, stored, hash, opts.after);
  }
  // The answer joins the batch's writes; a concurrent request with the same key makes that batch conflict.
  const remember: Remember = Object.assign(
    (writer: BatchWriter, a: Answer) => {
      if (key) writer.answers.push({ scope, key, requestSha256: hash, statusCode: a.status, response: JSON.stringify(a.body) });
    },
    { checkKey: key ? (q: Q) => checkKey(q, scope, key, hash) : undefined },
  );
  let answer: Answer;
  try {
    answer = await handler(remember);
  } catch (e) {
    // A retry of a client command that committed always fails (its challenge is spent, or it lost
    // the race on the key): only then is the key looked up, and the first answer sent back verbatim.
    const stored = key && e instanceof VaultError ? await repo.findIdempotent(db, scope, key) : null;
    if (stored) return replay(reply, stored, hash, opts.after);
    throw e;
  }
  if (opts.after && answer.status < 300) answer = await opts.after(answer);
  return send(reply, answer.status, answer.body);
}

/** A key that holds another request's answer; the same request's answer is left to the replay above. */
async function checkKey(q: Q, scope: string, key: string, hash: Buffer): Promise<void> {
  const stored = await repo.findIdempotent(q, scope, key);
  if (stored && !stored.requestSha256.equals(hash)) fail('idempotency_key_reused');
}

/** Answer a refused signed request with the module's refusal when its challenge could be spent, else with the refusal. */
export async function refuseSigned(reply: FastifyReply, why: unknown, spend: Spend | undefined): Promise<FastifyReply> {
  const spent = spend && why instanceof VaultError ? await spend(why) : null;
  if (!spent) throw why;
  return send(reply, spent.status, spent.body);
}

async function replay(reply: FastifyReply, stored: repo.StoredResponse, hash: Buffer, after?: After): Promise<FastifyReply> {
  if (!stored.requestSha256.equals(hash)) fail('idempotency_key_reused');
  reply.header('idempotency-replayed', 'true');
  let answer: Answer = { status: stored.statusCode, body: stored.response as Record<string, unknown> };
  if (after && answer.status < 300) answer = await after(answer);
  return send(reply, answer.status, answer.body);
}

function send(reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply {
  if (status >= 400) {
    reply.type('application/problem+json');
    noteProblemCode(reply, body.code);
  }
  return reply.code(status).send(body);
}
