import type { Command } from 'commander';
import { verifyEmailToken } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon } from './client-options.js';

export function clientVerifyEmail(client: Command): void {
  withCommon(client.command('verify-email').description('confirm your e-mail address with the token from the verification mail'))
    .requiredOption('--token <token>', 'the token from the mail (good once, for a day)')
    .action(
      action(async (o: Common & { token: string }) => {
        const p = await verifyEmailToken(await session(o), o.token);
        emit(o.json === true, { ...p }, () => `${p.email ?? ''} is verified (${p.emailVerifiedAt ?? ''})`);
      }),
    );
}
