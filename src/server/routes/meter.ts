import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { VaultError } from '../../errors.js';
import { print, refund, requestFunding, runMeterCommand, spendRefused, type CommandInput } from '../../services/index.js';
import { requireCustomer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { refuseSigned, runIdempotent } from '../idempotency.js';
import { answers, CommandBody, MeterId } from '../schemas.js';
import { CommandDone } from '../responses.js';

const Op = Type.Union([
  Type.Literal('balance'),
  Type.Literal('print'),
  Type.Literal('refund'),
  Type.Literal('withdraw'),
  Type.Literal('password'),
  Type.Literal('fund_request'),
]);

/** Operational state: every meter command carries the client MAC, the challenge and the client's registers. */
export function meterRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/meters/:meterId/:op',
      {
        schema: {
          summary: 'Run a meter command (balance, print, refund, withdraw, password, fund_request)',
          description: 'Send an Idempotency-Key: a retry returns the first answer (and the same item), never a second debit.',
          tags: ['meter'],
          params: Type.Object({ meterId: MeterId, op: Op }),
          body: CommandBody,
          response: answers(CommandDone),
        },
      },
      async (request, reply) => {
        // Without a session nothing runs; and only a login, which rotates the challenge, opens a new one.
        const session = await requireCustomer(ctx.db, request);
        const { meterId, op } = request.params;
        const { shipTo, ...body } = request.body;
        if (shipTo && op !== 'print')
          return refuseSigned(reply, new VaultError('invalid_request', 'shipTo belongs to a print only'), (why) =>
            spendRefused(ctx, meterId, { ...body, op }, why),
          );
        const input: CommandInput = { ...body, op };
        const spend = (why: VaultError) => spendRefused(ctx, meterId, input, why);
        if (session.meterId !== meterId) return refuseSigned(reply, new VaultError('forbidden', 'that meter belongs to another customer'), spend);
        const printTo: typeof print = (c, m, i, r) => print(c, m, i, r, shipTo);
        const fundFrom: typeof print = (c, m, i, r) => requestFunding(c, session.customerId, m, i, r);
        const run = op === 'print' ? printTo : op === 'refund' ? refund : op === 'fund_request' ? fundFrom : runMeterCommand;
        return runIdempotent(ctx.db, request, reply, `customer:${session.customerId}`, (remember) => run(ctx, meterId, input, remember), { spend });
      },
    );
  };
}
