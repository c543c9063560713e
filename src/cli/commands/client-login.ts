import { diskProfiles } from '../profile.js';
import type { Command } from 'commander';
import { MeterClient, ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, withCommon } from './client-options.js';

export function clientLogin(client: Command): void {
  withCommon(
    client
      .command('login')
      .description("open a session (the module checks the password; 5 failures lock the meter); --server also becomes the profile's server"),
  ).action(
    action(async (o: Common) => {
      const password = o.password ?? process.env.VAULTMETER_PASSWORD;
      if (!password) throw new ProfileError('invalid_password', 'give --password or set VAULTMETER_PASSWORD');
      const c = await MeterClient.login(diskProfiles, o.user, password, { server: o.server });
      // Saved only after the module accepted the password there: a mistyped address never replaces a working one.
      await c.keepServer();
      emit(o.json === true, { user: o.user, meterId: c.meterId, server: c.server }, () => `Logged in as ${o.user} at ${c.server}`);
    }),
  );
}
