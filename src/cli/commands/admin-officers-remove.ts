import type { Command } from 'commander';
import { newStatement, readOfficerCredential, signStatement } from '../../runtime/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, cosign, post } from './admin-options.js';

// `vaultmeter admin officers remove NAME`: two security officers sign `remove_officer`; every module
// refuses the name's signatures from then on, and the officer can no longer log in.

interface RemoveOpts extends AdminOpts {
  cosignerPassword?: string;
  cosignerKey?: string;
}

export function adminOfficersRemove(officers: Command): void {
  withAdmin(officers.command('remove').description("remove an officer for good, on two security officers' signatures (a new officer takes a new name)"))
    .argument('<user>', 'the officer to remove')
    .requiredOption('--cosigner-key <file>', "the second security officer's key file (dual control)")
    .requiredOption('--cosigner-password <password>', "the second security officer's password")
    .action(
      action(async (user: string, o: RemoveOpts) => {
        const statement = newStatement('remove_officer', { user });
        const first = await cosign(o, { statement, signatures: [] });
        const second = await signStatement(await readOfficerCredential(o.cosignerKey!), o.cosignerPassword!, statement);
        const r = await post<{ officer: { user: string; removedAt: string; modules: number } }>(o, `/v1/admin/officers/${encodeURIComponent(user)}/removal`, {
          authorization: { statement, signatures: [first, second] },
        });
        emit(
          o.json === true,
          r,
          () => `Officer ${r.officer.user} removed (${r.officer.removedAt}): ${r.officer.modules} module(s) refuse the name's signatures.`,
        );
      }),
    );
}
