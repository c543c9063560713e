import { diskProfiles, Profile } from '../profile.js';
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { MeterClient, ProfileError } from '../../sdk/index.js';
import { DEFAULT_SERVER, emit } from '../output.js';
import { action } from '../run.js';
import { type Common } from './client-options.js';

export function clientRegister(client: Command): void {
  client
    .command('register')
    .description('register as a customer: a module proves itself, and your MAC key and password are sealed to it')
    .requiredOption('--user <user>', 'user name to register')
    .option('--password <password>', 'password, 8 to 256 characters (else VAULTMETER_PASSWORD)')
    .option('--server <url>', 'server URL', DEFAULT_SERVER)
    .option('--ca <file>', 'pin this CA certificate instead of trusting the one the server serves on first use')
    .option('--sandbox', 'test mode: a sandbox meter, funded free with `client test-fund`, whose items are marked TEST and never verify as postage')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: Common & { ca?: string; sandbox?: boolean }) => {
        const password = o.password ?? process.env.VAULTMETER_PASSWORD;
        if (!password) throw new ProfileError('invalid_password', 'give --password or set VAULTMETER_PASSWORD');
        const caCertPem = o.ca ? await readFile(o.ca, 'utf8') : undefined;
        const sandbox = o.sandbox === true;
        // The SDK checks the module's MAC'd answer says what was asked for (sandbox_mismatch otherwise).
        const c = await MeterClient.register(diskProfiles, o.server ?? DEFAULT_SERVER, o.user, password, { caCertPem, sandbox });
        // A second wrap of the profile's key: a forgotten password must not cost the MAC key too.
        const recoveryCode = await (await Profile.unlockWithSession(o.user))?.profile.newRecoveryCode();
        emit(o.json === true, { user: o.user, meterId: c.meterId, server: c.server, sandbox, recoveryCode }, () =>
          [
            `Registered ${o.user} with ${sandbox ? 'sandbox (test mode) ' : ''}meter ${c.meterId}`,
            `Recovery code (shown once; keep it apart from the password): ${recoveryCode ?? 'none'}`,
          ].join('\n'),
        );
      }),
    );
}
