import type { Command } from 'commander';
import { API_KEY_SCOPES, parseScopes } from '../../protocol/index.js';
import { listApiKeys, ProfileError, revokeApiKey, type ApiKeyInfo } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon } from './client-options.js';

// `vaultmeter client api-keys [list|create|revoke]`: keys for integrators. `create` draws the key
// here and prints it once; the server keeps only its hash, so nothing can show it again.

interface CreateOpts extends Common {
  scope: string;
  expiresDays?: string;
}

const describeKey = (k: ApiKeyInfo): string => {
  const state = k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? `expired ${k.expiresAt}` : 'live';
  const expires = k.expiresAt ? `expires ${k.expiresAt}` : 'no expiry';
  return `${k.keyId}  ${k.scopes.join(',').padEnd(24)} ${state}  (created ${k.createdAt}, ${expires}, last used ${k.lastUsedAt ?? 'never'})`;
};

function expiresInDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d{0,3}$/.test(text)) throw new ProfileError('invalid_request', '--expires-days is a whole number of days');
  return Number(text);
}

export function clientApiKeys(client: Command): void {
  const keys = client.command('api-keys').description('API keys for integrators: scoped, stored hashed, shown once');
  withCommon(keys.command('list', { isDefault: true }).description('list your API keys (never a key itself)')).action(
    action(async (o: Common) => {
      const list = await listApiKeys(await session(o));
      emit(o.json === true, { apiKeys: list }, () => (list.length ? list.map(describeKey).join('\n') : '(no API keys)'));
    }),
  );
  withCommon(keys.command('create').description('create an API key (a MAC-signed meter command); it is printed once'))
    .requiredOption('--scope <list>', `comma list of ${API_KEY_SCOPES.join(', ')}`)
    .option('--expires-days <n>', 'days until the key expires (default: until revoked)')
    .action(
      action(async (o: CreateOpts) => {
        const scopes = parseScopes(o.scope);
        if (!scopes) throw new ProfileError('invalid_request', `--scope is a comma list of ${API_KEY_SCOPES.join(', ')}, each at most once`);
        const k = await (await session(o)).createApiKey({ scopes, expiresInDays: expiresInDays(o.expiresDays) });
        emit(o.json === true, { apiKey: k.apiKey, keyId: k.keyId, scopes: k.scopes, expiresAt: k.expiresAt, shownOnce: true }, () =>
          [
            k.apiKey,
            '',
            `API key ${k.keyId} (${k.scopes.join(',')}; ${k.expiresAt ? `expires ${k.expiresAt}` : 'no expiry'}).`,
            'This is the only time the key is shown: the server keeps only its hash. Store it now.',
            'Meter commands still need the MAC key of this profile: the integrator uses a copy of it.',
          ].join('\n'),
        );
      }),
    );
  withCommon(keys.command('revoke').description('revoke an API key: it authenticates nothing after this'))
    .argument('<keyId>', 'the id `api-keys list` shows')
    .action(
      action(async (keyId: string, o: Common) => {
        const k = await revokeApiKey(await session(o), keyId);
        emit(o.json === true, { ...k }, () => `revoked ${k.keyId}`);
      }),
    );
}
