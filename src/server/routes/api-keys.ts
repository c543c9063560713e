import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listApiKeys, revokeApiKey } from '../../services/index.js';
import { authenticateCustomer, requireCustomer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { ApiKey, ApiKeyList } from '../responses.js';
import { answers } from '../schemas.js';

// A customer's API keys (issue 14 item 1). A key is created by the MAC'd `api_key` meter command
// (POST /v1/meters/{meterId}/api_key); here it is listed (a session only) and revoked (a session,
// or the key itself: a leaked key can be ended by whoever holds it).

const KeyParams = Type.Object({ keyId: Type.String({ format: 'uuid', pattern: '^[0-9a-f-]{36}$' }) });

export function apiKeyRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/api-keys',
      {
        schema: {
          summary: "The customer's API keys, revoked and expired ones too (never a key's text or hash)",
          tags: ['api-keys'],
          security: [{ session: [] }],
          response: answers(ApiKeyList),
        },
      },
      async (request) => ({ apiKeys: await listApiKeys(ctx.db, await requireCustomer(ctx.db, request, 'manage')) }),
    );

    app.delete(
      '/v1/api-keys/:keyId',
      {
        schema: {
          summary: 'Revoke an API key: it authenticates nothing after this (a session, or the key itself)',
          tags: ['api-keys'],
          security: [{ session: [] }],
          params: KeyParams,
          response: answers(ApiKey),
        },
      },
      // The key itself may do this whatever its scopes; revokeApiKey refuses a key naming another.
      async (request) => revokeApiKey(ctx, await authenticateCustomer(ctx.db, request), request.params.keyId),
    );
  };
}
