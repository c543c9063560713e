import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BANK_ACCOUNT_RATE_BURST, BANK_ACCOUNT_RATE_PER_SEC, MAX_BANK_HOLDER_NAME_LENGTH } from '../../constants.js';
import { addBankAccount, bankAccountAnswer, listBankAccounts, removeBankAccount } from '../../services/index.js';
import { requireCustomer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { runIdempotent } from '../idempotency.js';
import { RateLimiter } from '../rate-limit.js';
import { answers, created, IdempotencyKeyHeader } from '../schemas.js';
import { BankAccount, BankAccountList, BankAccountRemoved } from '../responses.js';

// A customer's bank accounts for ACH debits (issue 14 item 4). The routing and account numbers are
// checked by the service, not the schema, so that each is refused with its own code
// (invalid_routing_number, invalid_account_number); the schema only bounds their length. The
// holder's name is printable ASCII: it goes into a NACHA record as it is.

const BankAccountBody = Type.Object(
  {
    routingNumber: Type.String({ maxLength: 32 }),
    accountNumber: Type.String({ maxLength: 64 }),
    accountType: Type.Union([Type.Literal('checking'), Type.Literal('savings')]),
    holderName: Type.String({ minLength: 1, maxLength: MAX_BANK_HOLDER_NAME_LENGTH, pattern: '^[\\x20-\\x7e]+$' }),
  },
  { additionalProperties: false },
);

const BankAccountParams = Type.Object({ bankAccountId: Type.String({ format: 'uuid', pattern: '^[0-9a-f-]{36}$' }) });

export function bankAccountRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  // Each add costs a module seal and a log record: bounded per customer, like a profile change.
  const limiter = new RateLimiter(BANK_ACCOUNT_RATE_PER_SEC, BANK_ACCOUNT_RATE_BURST);
  return async (app) => {
    app.get(
      '/v1/bank-accounts',
      {
        schema: {
          summary: "The customer's bank accounts (each by its last four only)",
          tags: ['bank-accounts'],
          security: [{ session: [] }],
          response: answers(BankAccountList),
        },
      },
      async (request) => ({ bankAccounts: await listBankAccounts(ctx.db, await requireCustomer(ctx.db, request, 'manage')) }),
    );

    app.post(
      '/v1/bank-accounts',
      {
        schema: {
          summary: 'Add a bank account for ACH debits; a module seals the account number, and only its last four are ever answered',
          description:
            'Send an Idempotency-Key: a retry with the same key and body answers the same account (header `idempotency-replayed: true`) and adds nothing; the same key with another body is refused (idempotency_key_reused).',
          tags: ['bank-accounts'],
          security: [{ session: [] }],
          headers: IdempotencyKeyHeader,
          body: BankAccountBody,
          response: created(BankAccount),
        },
      },
      async (request, reply) => {
        const session = await requireCustomer(ctx.db, request, 'manage');
        limiter.take(`customer:${session.customerId}`);
        // The key shares the customer's scope with their meter commands: one key, one request, whichever route.
        return runIdempotent(ctx.db, request, reply, `customer:${session.customerId}`, (remember) => addBankAccount(ctx, session, request.body, remember), {
          after: (committed) => bankAccountAnswer(ctx.db, session, committed),
        });
      },
    );

    app.delete(
      '/v1/bank-accounts/:bankAccountId',
      {
        schema: {
          summary: 'Remove a bank account: no debit is drawn on it after this',
          tags: ['bank-accounts'],
          security: [{ session: [] }],
          params: BankAccountParams,
          response: answers(BankAccountRemoved),
        },
      },
      async (request) => {
        const session = await requireCustomer(ctx.db, request, 'manage');
        limiter.take(`customer:${session.customerId}`);
        return removeBankAccount(ctx, session, request.params.bankAccountId);
      },
    );
  };
}
