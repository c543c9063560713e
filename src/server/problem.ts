import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_DRAINED_BODY_BYTES, RETRY_AFTER_SECONDS } from '../constants.js';
import { ERRORS, isErrorCode, problemDocument, VaultError, type ErrorCode } from '../errors.js';
import { databaseUnavailable, isConnectionError } from '../store/index.js';

export { PROBLEM_TYPE_BASE } from '../errors.js';
export const problemBody = problemDocument;

export function sendProblem(reply: FastifyReply, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
  noteProblemCode(reply, code);
  const retryAfter = (RETRY_AFTER_SECONDS as Partial<Record<ErrorCode, number>>)[code];
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply
    .code(ERRORS[code].status)
    .type('application/problem+json')
    .send(problemBody(code, detail, extra, reply.request.url));
}

const problemCodes = new WeakMap<FastifyReply, ErrorCode>();

/** Remember the code of a problem answer (for the outcome metric); a code outside the catalogue counts as `internal`. */
export function noteProblemCode(reply: FastifyReply, code: unknown): void {
  problemCodes.set(reply, isErrorCode(code) ? code : 'internal');
}

/** The code of the problem this reply answered, if it answered one. */
export function problemCodeOf(reply: FastifyReply): ErrorCode | undefined {
  return problemCodes.get(reply);
}

/** Map every failure to problem JSON; nothing internal leaks to the client. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | VaultError | Error, request, reply) => {
    if (err instanceof VaultError) {
      if (err.status >= 500) logServerError(request, err);
      return sendProblem(reply, err.code, err.message, err.extra);
    }
    // A query outside a transaction that lost the database: the same typed 503 as inside one.
    if (isConnectionError(err)) return sendProblem(reply, 'database_unavailable', databaseUnavailable(err).message);
    const fe = err as FastifyError;
    if (fe.validation) return sendProblem(reply, 'invalid_request', `${fe.validationContext ?? 'request'} ${fe.message}`);
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe.statusCode === 413) {
      drainRefusedBody(request, reply);
      return sendProblem(reply, 'body_too_large', fe.message);
    }
    if (fe.code?.startsWith('FST_ERR_CTP_') || fe.statusCode === 400) return sendProblem(reply, 'invalid_request', fe.message);
    logServerError(request, err);
    return sendProblem(reply, 'internal', 'the server failed; the request changed nothing');
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, 'not_found', `no route ${request.method} ${request.url}`));
  // A 5xx can also be an answer, not a throw: a module refusal with a code this server does not know,
  // or a stored answer replayed for an Idempotency-Key. Those are logged here.
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 500 && !loggedRequests.has(request)) {
      request.log.error({ ...requestFields(request), statusCode: reply.statusCode }, `${reply.statusCode} answered: ${request.method} ${request.url}`);
    }
  });
}

/**
 * Failures Fastify's router meets before any route or hook runs: a path that is not valid percent-encoding
 * (FST_ERR_BAD_URL), a path parameter over the router's limit (FST_ERR_MAX_PARAM_LENGTH). Answered as
 * problem JSON, as every 4xx is, instead of Fastify's own JSON.
 */
export function frameworkProblem(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(reply, 'invalid_request', err.message);
}

/**
 * A request Node's HTTP parser refuses (a NUL or a bare CR in a header, an invalid header name, a
 * malformed request line) never reaches Fastify: answer it here as a problem, on the socket, and close.
 * A timeout and a header block over the limit keep their own statuses (408, 431), which have no code.
 */
export function clientErrorProblem(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const special = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : null;
  const body =
    special === null
      ? JSON.stringify(problemBody('invalid_request', 'the request is not valid HTTP (a header or the request line is malformed)'))
      : JSON.stringify({ status: special, detail: special === 408 ? 'the request took too long' : 'the request headers are too large' });
  const type = special === null ? 'application/problem+json' : 'application/json';
  const status = special ?? 400;
  socket.end(
    `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : status === 408 ? 'Request Timeout' : 'Request Header Fields Too Large'}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const loggedRequests = new WeakSet<FastifyRequest>();

/**
 * Fastify closes the connection after refusing a body, while the client may still be sending it:
 * the client then sees a reset (EPIPE, ECONNRESET) instead of the 413. Read the rest of the body
 * and drop it instead, so the answer arrives; past MAX_DRAINED_BODY_BYTES (or the request timeout)
 * the connection is cut after all.
 */
function drainRefusedBody(request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw;
  if (raw.readableEnded) return;
  reply.removeHeader('connection');
  let drained = 0;
  raw.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAINED_BODY_BYTES) raw.socket.destroy();
  });
  raw.resume();
}

/** What identifies a request in the log. Never its headers (credentials) or its body (passwords, keys). */
function requestFields(request: FastifyRequest) {
  return { reqId: request.id, method: request.method, url: request.url, route: request.routeOptions.url };
}

/** Every 5xx leaves a line an operator can act on: which request, and the error with its stack. */
function logServerError(request: FastifyRequest, err: Error): void {
  const code = err instanceof VaultError ? err.code : 'internal';
  loggedRequests.add(request);
  request.log.error({ ...requestFields(request), code, err }, `${code}: ${request.method} ${request.url} failed`);
}
