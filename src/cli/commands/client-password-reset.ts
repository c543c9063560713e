import type { Command } from 'commander';
import { MeterClient, ProfileError } from '../../sdk/index.js';
import { diskProfiles, Profile } from '../profile.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import type { Common } from './client-options.js';

// The customer's end of a password reset: the profile opens with the saved session or the recovery
// code (the forgotten password cannot open it), then the SDK finishes the reset with the module.

export function clientPasswordReset(client: Command): void {
  client
    .command('password-reset')
    .description('finish a password reset that customer care carried out, choosing a new password')
    .requiredOption('--user <user>', 'your user name')
    .requiredOption('--new-password <password>', 'the new password, 8 to 256 characters')
    .option('--recovery-code <code>', 'the recovery code shown at registration (needed unless a session is still open)')
    .option('--server <url>', 'server URL (default: the profile’s)')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: Common & { newPassword: string; recoveryCode?: string }) => {
        const opened = await Profile.unlockWithSession(o.user);
        const profile = opened?.profile ?? (o.recoveryCode ? await Profile.unlockWithRecoveryCode(o.user, o.recoveryCode) : null);
        if (!profile) throw new ProfileError('no_session', 'no open session to open the local profile with: give --recovery-code');
        await diskProfiles.endSession(o.user);
        const c = await MeterClient.completePasswordReset(diskProfiles, profile, o.newPassword, { server: o.server });
        emit(o.json === true, { user: o.user, meterId: c.meterId, reset: true }, () => `Password reset for ${o.user}; you are logged in`);
      }),
    );

  client
    .command('recovery-code')
    .description('make a new recovery code for the local profile (shown once; it opens the profile if you forget the password)')
    .requiredOption('--user <user>', 'your user name')
    .option('--password <password>', 'the password (else the open session, else VAULTMETER_PASSWORD)')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: Common) => {
        const password = o.password ?? process.env.VAULTMETER_PASSWORD;
        const profile = password ? await Profile.unlockWithPassword(o.user, password) : (await Profile.unlockWithSession(o.user))?.profile;
        if (!profile) throw new ProfileError('no_session', 'give --password (or log in first)');
        const recoveryCode = await profile.newRecoveryCode();
        emit(
          o.json === true,
          { user: o.user, recoveryCode },
          () => `Recovery code for ${o.user} (shown once; keep it apart from the password): ${recoveryCode}`,
        );
      }),
    );
}
