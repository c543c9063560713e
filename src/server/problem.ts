import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ERRORS, problemDocument, VaultError, type ErrorCode } from '../errors.js';

export { PROBLEM_TYPE_BASE } from '../errors.js';
export const problemBody = problemDocument;

export function sendProblem(reply: FastifyReply, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
  return reply
    .code(ERRORS[code].status)
    .type('application/problem+json')
    .send(problemBody(code, detail, extra, reply.request.url));
}

/** Map every failure to problem JSON; nothing internal leaks to the client. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | VaultError | Error, request, reply) => {
    if (err instanceof VaultError) return sendProblem(reply, err.code, err.message, err.extra);
    const fe = err as FastifyError;
    if (fe.validation) return sendProblem(reply, 'invalid_request', `${fe.validationContext ?? 'request'} ${fe.message}`);
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendProblem(reply, 'body_too_large', fe.message);
    if (fe.code?.startsWith('FST_ERR_CTP_') || fe.statusCode === 400) return sendProblem(reply, 'invalid_request', fe.message);
    if (fe.statusCode === 413) return sendProblem(reply, 'body_too_large', fe.message);
    request.log.error({ err }, 'internal error');
    return sendProblem(reply, 'internal', 'the server failed; the request changed nothing');
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, 'not_found', `no route ${request.method} ${request.url}`));
}
