import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_MAIL_PAGE } from '../../constants.js';
import { listMail } from '../../services/index.js';
import { requireOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { answers } from '../schemas.js';
import { MailList } from '../responses.js';

/** The mail outbox, newest first, for operators: what is pending (no SMTP, or retrying), sent or failed. */
export function mailRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/admin/mail',
      {
        schema: {
          summary: 'The mail outbox: pending, sent and failed mail, newest first',
          tags: ['operations'],
          security: [{ officer: [] }],
          querystring: Type.Object(
            {
              state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')])),
              limit: Type.Optional(Type.String({ pattern: '^\\d{1,4}$' })),
              body: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
            },
            { additionalProperties: false },
          ),
          response: answers(MailList),
        },
      },
      async (request) => {
        await requireOfficer(ctx.db, request);
        const q = request.query;
        return { mail: await listMail(ctx.db, q.state ?? null, Number(q.limit ?? MAX_MAIL_PAGE), q.body === 'true') };
      },
    );
  };
}
