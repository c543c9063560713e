import type { Command } from 'commander';
import { ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon } from './client-options.js';

export function clientPassword(client: Command): void {
  withCommon(client.command('password').description('change the password (none of the last 5 may be reused)'))
    .requiredOption('--new-password <password>', 'the new password')
    .action(
      action(async (o: Common & { newPassword: string }) => {
        const old = o.password ?? process.env.VAULTMETER_PASSWORD;
        if (!old) throw new ProfileError('invalid_password', 'give the current password with --password');
        const c = await session({ ...o, password: undefined });
        await c.changePassword(old, o.newPassword);
        await c.rewrapProfile(o.newPassword);
        emit(o.json === true, { changed: true }, () => 'Password changed');
      }),
    );
}
