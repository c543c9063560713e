import { diskProfiles } from '../profile.js';
import type { Command } from 'commander';
import { MeterClient } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';

export function clientLogout(client: Command): void {
  client
    .command('logout')
    .description('end the saved session')
    .requiredOption('--user <user>', 'customer user name')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: { user: string; json?: boolean }) => {
        await MeterClient.logout(diskProfiles, o.user);
        emit(o.json === true, { loggedOut: true }, () => `Logged out ${o.user}`);
      }),
    );
}
