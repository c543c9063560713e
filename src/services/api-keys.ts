import { MAX_API_KEYS_PER_CUSTOMER } from '../constants.js';
import { fail } from '../errors.js';
import { repo, type ApiKeyRow, type Db } from '../store/index.js';
import type { Answer, Remember } from './answer.js';
import { forgetApiKey } from './api-key-auth.js';
import type { ServiceContext } from './context.js';
import { logChange } from './logged.js';
import { runMeterCommand, type CommandInput } from './meter-commands.js';
import type { CustomerSession } from './sessions.js';

// API keys for integrators (issue 14 item 1). A key is made by the MAC'd `api_key` meter command,
// so only the holder of the client MAC key can make one; the client drew the key and sends only
// its hash, so the server never sees it. A revocation is server-declared (`api_key_revoked`, through
// logChange like a profile change): ending a key needs no MAC, only its owner or the key itself.

export interface ApiKeyView {
  readonly keyId: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const viewOf = (r: ApiKeyRow): ApiKeyView => ({
  keyId: r.keyId,
  scopes: r.scopes,
  createdAt: r.createdAt.toISOString(),
  expiresAt: iso(r.expiresAt),
  lastUsedAt: iso(r.lastUsedAt),
  revokedAt: iso(r.revokedAt),
});

/** `POST /v1/meters/{id}/api_key`: the bound and a fresh id are checked in the batch; a refusal still spends the challenge. */
export function createApiKey(ctx: ServiceContext, meterId: string, input: CommandInput, remember: Remember): Promise<Answer> {
  return runMeterCommand(ctx, meterId, input, remember, {
    async args(_meter, { tx }) {
      await repo.lockMeterApiKeys(tx, meterId);
      if ((await repo.countLiveApiKeys(tx, meterId)) >= MAX_API_KEYS_PER_CUSTOMER) {
        fail('too_many_api_keys', `a customer holds at most ${MAX_API_KEYS_PER_CUSTOMER} API keys; revoke one first`, { limit: MAX_API_KEYS_PER_CUSTOMER });
      }
      const keyId = input.params.keyId ?? '';
      if (/^[0-9a-f-]{36}$/.test(keyId) && (await repo.findApiKeyForAuth(tx, keyId))) fail('invalid_request', 'that keyId is taken; draw another');
      return {};
    },
    onOk: (_scope, r) => {
      const x = r.response.result;
      return { apiKey: { keyId: x.keyId, scopes: (x.scopes ?? '').split(','), expiresAt: x.expiresAt ? x.expiresAt : null } };
    },
  });
}

/** `GET /v1/api-keys`: every key of the meter, revoked and expired ones too; never a hash. */
export async function listApiKeys(db: Db, session: CustomerSession): Promise<ApiKeyView[]> {
  return (await repo.listApiKeys(db, session.meterId)).map(viewOf);
}

/** `DELETE /v1/api-keys/{id}`: another customer's key, or one revoked already, is not found; a key may revoke only itself. */
export async function revokeApiKey(ctx: ServiceContext, session: CustomerSession, keyId: string): Promise<ApiKeyView> {
  if (session.apiKey && session.apiKey.keyId !== keyId) fail('api_key_scope', 'an API key may revoke only itself; use a session', { scope: 'manage' });
  const meterId = session.meterId;
  await logChange(ctx, {
    key: `api-keys:${meterId}`,
    meterId,
    effects: async ({ tx }) => {
      const row = await repo.findApiKey(tx, meterId, keyId);
      if (!row || row.revokedAt) fail('not_found', 'you hold no live API key with that id');
      return [{ kind: 'api_key_revoked', meterId, keyId }];
    },
  });
  // After the commit: a lookup racing the revocation cannot keep the key cached here.
  forgetApiKey(keyId);
  const row = await repo.findApiKey(ctx.db, meterId, keyId);
  return row ? viewOf(row) : fail('internal', 'the API key revoked is not found');
}
