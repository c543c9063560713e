import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listMembers } from '../../services/index.js';
import { requireCustomer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { AccountMemberList } from '../responses.js';
import { answers } from '../schemas.js';

// The account's other users (issue 14 item 1). They are invited and removed by the owner's MAC'd
// meter commands (POST /v1/meters/{meterId}/member_invite, member_remove) and accept through the
// registration routes as `owner+member`; here the owner lists them.

export function memberRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/members',
      {
        schema: {
          summary: "The account's members: invited, active, locked and removed (the owner's session only)",
          tags: ['members'],
          security: [{ session: [] }],
          response: answers(AccountMemberList),
        },
      },
      async (request) => ({ members: await listMembers(ctx, await requireCustomer(ctx.db, request, 'manage')) }),
    );
  };
}
