import { diskProfiles } from '../profile.js';
import type { Command } from 'commander';
import { MeterClient, ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, withCommon } from './client-options.js';

export function clientLogin(client: Command): void {
  withCommon(client.command('login').description('open a session (the module checks the password; 5 failures lock the meter)')).action(
    action(async (o: Common) => {
      const password = o.password ?? process.env.VAULTMETER_PASSWORD;
      if (!password) throw new ProfileError('invalid_password', 'give --password or set VAULTMETER_PASSWORD');
      const c = await MeterClient.login(diskProfiles, o.user, password);
      emit(o.json === true, { user: o.user, meterId: c.meterId }, () => `Logged in as ${o.user}`);
    }),
  );
}
