import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { VaultError } from '../../errors.js';
import { API_KEY_CREATE_RATE_BURST, API_KEY_CREATE_RATE_PER_SEC } from '../../constants.js';
import {
  createApiKey,
  inviteMember,
  print,
  refund,
  removeMember,
  requestFunding,
  runMeterCommand,
  spendRefused,
  type CommandInput,
} from '../../services/index.js';
import { authenticateCustomer, requireOpAllowed, type CustomerSession } from '../auth.js';
import { RateLimiter } from '../rate-limit.js';
import type { ServerContext } from '../context.js';
import { refuseSigned, runIdempotent, type Answer } from '../idempotency.js';
import { cardFundingAnswer } from '../card-answer.js';
import { answers, CommandBody, MeterId } from '../schemas.js';
import { CommandDone } from '../responses.js';

const Op = Type.Union([
  Type.Literal('balance'),
  Type.Literal('print'),
  Type.Literal('refund'),
  Type.Literal('withdraw'),
  Type.Literal('password'),
  Type.Literal('fund_request'),
  Type.Literal('api_key'),
  Type.Literal('test_fund'),
  Type.Literal('member_invite'),
  Type.Literal('member_remove'),
  Type.Literal('move'),
]);

// Each key creation is a module op and a log record: bounded per customer, like a bank account.
const keyCreation = new RateLimiter(API_KEY_CREATE_RATE_PER_SEC, API_KEY_CREATE_RATE_BURST);

/** A refusal the server decides before the batch, from who is calling and what they ask; null when there is none. */
function refusalOf(ctx: ServerContext, session: CustomerSession, op: string, card: boolean): VaultError | null {
  try {
    requireOpAllowed(session, op);
    if (op === 'api_key') keyCreation.take(`customer:${session.customerId}`);
    if (card && !ctx.card)
      throw new VaultError('card_payments_disabled', 'card payments are not configured on this server (STRIPE_SECRET_KEY is unset); fund by ACH');
    return null;
  } catch (e) {
    if (e instanceof VaultError) return e;
    throw e;
  }
}

/** Operational state: every meter command carries the client MAC, the challenge and the client's registers. */
export function meterRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/meters/:meterId/:op',
      {
        schema: {
          summary: 'Run a meter command (balance, print, refund, withdraw, password, fund_request, api_key, test_fund, member_invite, member_remove)',
          description:
            "Send an Idempotency-Key: a retry returns the first answer (and the same item), never a second debit. A member of an account runs the commands its role allows, MAC'd with its own key.",
          tags: ['meter'],
          params: Type.Object({ meterId: MeterId, op: Op }),
          body: CommandBody,
          response: answers(CommandDone),
        },
      },
      async (request, reply) => {
        // Without a session or an API key nothing runs; and only a login, which rotates the challenge, opens a new session.
        const session = await authenticateCustomer(ctx.db, request);
        const { meterId, op } = request.params;
        const { shipTo, inviteCode, ...body } = request.body;
        // A member's command is checked by the module with the member's key: the session says whose.
        const input: CommandInput = { ...body, op, ...(session.member ? { member: session.member.name } : {}) };
        const misplaced =
          shipTo && op !== 'print'
            ? 'shipTo belongs to a print only'
            : inviteCode && op !== 'member_invite'
              ? 'inviteCode belongs to member_invite only'
              : null;
        if (misplaced) return refuseSigned(reply, new VaultError('invalid_request', misplaced), (why) => spendRefused(ctx, meterId, input, why));
        const spend = (why: VaultError) => spendRefused(ctx, meterId, input, why);
        if (session.meterId !== meterId) return refuseSigned(reply, new VaultError('forbidden', 'that meter belongs to another customer'), spend);
        // An API key outside its scopes, or keys made too fast: refused, and the challenge still spent.
        const card = op === 'fund_request' && body.params.method === 'card';
        const refused = refusalOf(ctx, session, op, card);
        if (refused) return refuseSigned(reply, refused, spend);
        const printTo: typeof print = (c, m, i, r) => print(c, m, i, r, shipTo);
        const fundFrom: typeof print = (c, m, i, r) => requestFunding(c, session.customerId, m, i, r);
        const invite: typeof print = (c, _m, i, r) => inviteMember(c, session, i, r, inviteCode);
        const remove: typeof print = (c, _m, i, r) => removeMember(c, session, i, r);
        const special: Partial<Record<string, typeof print>> = {
          print: printTo,
          refund,
          fund_request: fundFrom,
          api_key: createApiKey,
          member_invite: invite,
          member_remove: remove,
        };
        const run = special[op] ?? runMeterCommand;
        // A card payment is charged once its MAC'd request committed, on the first request and on a replay alike.
        const after = card ? (a: Answer) => cardFundingAnswer(ctx, meterId, a) : undefined;
        return runIdempotent(ctx.db, request, reply, `customer:${session.customerId}`, (remember) => run(ctx, meterId, input, remember), {
          spend,
          ...(after ? { after } : {}),
        });
      },
    );
  };
}
