import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fail } from '../../errors.js';
import { repo } from '../../store/index.js';
import { requireCustomer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { runIdempotent, type Remember } from '../idempotency.js';
import { runMeterCommand, type CommandInput } from '../meter-command.js';
import { answers, CommandBody, MeterId } from '../schemas.js';
import { CommandDone } from '../responses.js';

const Op = Type.Union([Type.Literal('balance'), Type.Literal('print'), Type.Literal('refund'), Type.Literal('withdraw'), Type.Literal('password')]);

/** Operational state: every meter command carries the client MAC, the challenge and the client's registers. */
export function meterRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/meters/:meterId/:op',
      {
        schema: {
          summary: 'Run a meter command (balance, print, refund, withdraw, password)',
          description: 'Send an Idempotency-Key: a retry returns the first answer (and the same item), never a second debit.',
          tags: ['meter'],
          params: Type.Object({ meterId: MeterId, op: Op }),
          body: CommandBody,
          response: answers(CommandDone),
        },
      },
      async (request, reply) => {
        const session = await requireCustomer(ctx.db, request);
        const { meterId, op } = request.params;
        if (session.meterId !== meterId) fail('forbidden', 'that meter belongs to another customer');
        const input: CommandInput = { ...request.body, op };
        return runIdempotent(ctx.db, request, reply, `customer:${session.customerId}`, async (remember) => {
          if (op === 'print') return print(ctx, meterId, input, remember);
          if (op === 'refund') return refund(ctx, meterId, input, remember);
          if (op === 'withdraw') return runMeterCommand(ctx, meterId, input, remember, async (tx) => (await repo.setMeterStatus(tx, meterId, 'withdrawn', 'withdrawn by the customer'), {}));
          return runMeterCommand(ctx, meterId, input, remember);
        }, { challengeProtected: true });
      },
    );
  };
}

function print(ctx: ServerContext, meterId: string, input: CommandInput, remember: Remember) {
  return runMeterCommand(ctx, meterId, input, remember, async (tx, r) => {
    const itemBytes = Buffer.from(r.item!, 'base64');
    const res = r.response.result;
    await repo.insertItem(tx, {
      itemId: res.itemId!,
      meterId,
      itemSerial: BigInt(res.itemSerial!),
      kind: res.kind ?? 'postage',
      amountMills: BigInt(res.amountMills!),
      itemBytes,
    });
    return { item: { itemId: res.itemId, itemSerial: res.itemSerial, kind: res.kind ?? 'postage', amountMills: res.amountMills, itemBase64: r.item } };
  });
}

async function refund(ctx: ServerContext, meterId: string, input: CommandInput, remember: Remember) {
  const itemId = input.params.itemId ?? '';
  const item = /^[0-9a-f]{32}$/.test(itemId) ? await repo.getItem(ctx.db, itemId) : null;
  if (!item || item.meterId !== meterId) fail('not_found', 'no such item on this meter');
  if (item.refundedAt) fail('already_refunded', `refunded at ${item.refundedAt.toISOString()}`);
  // As with PC postage today: only unscanned labels are refunded; a redeemed item never is.
  if (await repo.wasScanned(ctx.db, itemId)) fail('item_scanned', 'the item was scanned by a verifier');
  const redeemed = await repo.findRedemption(ctx.db, itemId);
  if (redeemed) fail('already_redeemed', `redeemed at ${redeemed.at.toISOString()}`);
  return runMeterCommand(ctx, meterId, { ...input, itemBytes: item.itemBytes.toString('base64') }, remember, async (tx) => {
    if (!(await repo.markItemRefunded(tx, itemId))) fail('already_refunded');
    return {};
  });
}
