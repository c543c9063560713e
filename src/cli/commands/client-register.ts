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
    .description('register as a customer, or accept an invitation: a module proves itself, and your MAC key and password are sealed to it')
    .requiredOption('--user <user>', 'user name to register; OWNER+MEMBER to accept an invitation')
    .option('--invite-code <code>', 'accepting an invitation: the code the account owner gave you (sealed to the module)')
    .option('--password <password>', 'password, 8 to 256 characters (else VAULTMETER_PASSWORD)')
    .option('--server <url>', 'server URL', DEFAULT_SERVER)
    .option('--ca <file>', 'pin this CA certificate instead of trusting the one the server serves on first use')
    .option('--sandbox', 'test mode: a sandbox meter, funded free with `client test-fund`, whose items are marked TEST and never verify as postage')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: Common & { ca?: string; sandbox?: boolean; inviteCode?: string }) => {
        const password = o.password ?? process.env.VAULTMETER_PASSWORD;
        if (!password) throw new ProfileError('invalid_password', 'give --password or set VAULTMETER_PASSWORD');
        const caCertPem = o.ca ? await readFile(o.ca, 'utf8') : undefined;
        const sandbox = o.sandbox === true;
        // The SDK checks the module's MAC'd answer says what was asked for (sandbox_mismatch otherwise).
        const invite = o.inviteCode ? { inviteCode: o.inviteCode } : {};
        const c = await MeterClient.register(diskProfiles, o.server ?? DEFAULT_SERVER, o.user, password, { caCertPem, sandbox, ...invite });
        // A second wrap of the profile's key: a forgotten password must not cost the MAC key too.
        const recoveryCode = await (await Profile.unlockWithSession(o.user))?.profile.newRecoveryCode();
        emit(o.json === true, { user: o.user, meterId: c.meterId, server: c.server, sandbox, recoveryCode }, () =>
          [
            o.inviteCode ? `Joined as ${o.user} on meter ${c.meterId}` : `Registered ${o.user} with ${sandbox ? 'sandbox (test mode) ' : ''}meter ${c.meterId}`,
            `Recovery code (shown once; keep it apart from the password): ${recoveryCode ?? 'none'}`,
          ].join('\n'),
        );
      }),
    );
}
