import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Metrics } from '../services/index.js';
import { problemCodeOf } from './problem.js';

/** The meter commands a customer may send (the `:op` of the meter route). */
const METER_OPS: ReadonlySet<unknown> = new Set(['balance', 'print', 'refund', 'withdraw', 'password']);

/**
 * The operations counted by outcome, by route pattern: each meter command (a `print` is an item
 * issued), a funding, a public verification and a redemption. A request refused before its handler
 * ran (a malformed body, say) counts too, under its problem's code.
 */
function operationOf(request: FastifyRequest): string | null {
  const route = `${request.method} ${request.routeOptions.url ?? ''}`;
  if (route === 'POST /v1/admin/fund') return 'fund';
  if (route === 'POST /v1/verify') return 'verify';
  if (route === 'POST /v1/redeem') return 'redeem';
  if (route === 'POST /v1/meters/:meterId/:op') {
    const op = (request.params as { op?: unknown } | undefined)?.op;
    return METER_OPS.has(op) ? (op as string) : null;
  }
  return null;
}

/**
 * Every answer: its latency, by route pattern (never the raw URL, which holds ids), and for the
 * counted operations, its outcome: `ok`, or the problem's code. A replayed Idempotency-Key answer
 * repeats an operation already counted, so it only adds its latency.
 */
export function installRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    const op = operationOf(request);
    if (op === null || reply.getHeader('idempotency-replayed') === 'true') return;
    const outcome = reply.statusCode < 400 ? 'ok' : (problemCodeOf(reply) ?? 'internal');
    metrics.operations.inc({ op, outcome });
  });
}
