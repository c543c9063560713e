import type { Command } from 'commander';
import { newOfficerKeyPair } from '../../crypto/index.js';
import { publicKeyDigest } from '../../module/index.js';
import { OFFICER_ROLES, type OfficerRole } from '../../protocol/index.js';
import { newStatement, readOfficerCredential, signStatement, writeOfficerCredential } from '../../runtime/index.js';
import { ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, cosign, post } from './admin-options.js';

interface AddOpts extends AdminOpts {
  newOfficer: string;
  role: string;
  cosignerPassword?: string;
  cosignerKey?: string;
  out?: string;
}

export function adminOfficersAdd(officers: Command): void {
  withAdmin(officers.command('add').description("create an officer: a new key, certified by a module on two security officers' signatures"))
    .requiredOption('--new-officer <user>', 'user name of the new officer')
    .option('--role <role>', `one of ${OFFICER_ROLES.join(', ')}`, 'security_officer')
    .requiredOption('--cosigner-key <file>', "the second security officer's key file (dual control)")
    .requiredOption('--cosigner-password <password>', "the second security officer's password")
    .option('--out <file>', "where to write the new officer's key file (default ./<user>.officer.json)")
    .action(action(async (o: AddOpts) => addOfficer(o)));
}

async function addOfficer(o: AddOpts): Promise<void> {
  if (!(OFFICER_ROLES as readonly string[]).includes(o.role)) throw new ProfileError('invalid_request', `--role is one of ${OFFICER_ROLES.join(', ')}`);
  const keys = newOfficerKeyPair();
  const statement = newStatement('certify_officer', { user: o.newOfficer, role: o.role, publicKey: publicKeyDigest(keys.publicSpki) });
  const first = await cosign(o, { statement, signatures: [] });
  const second = await signStatement(await readOfficerCredential(o.cosignerKey!), o.cosignerPassword!, statement);
  const r = await post<{ officer: { user: string; password: string; role: OfficerRole; certificatePem: string } }>(o, '/v1/admin/officers', {
    user: o.newOfficer,
    role: o.role,
    publicKey: keys.publicSpki.toString('base64'),
    authorization: { statement, signatures: [first, second] },
  });
  const out = o.out ?? `${o.newOfficer}.officer.json`;
  await writeOfficerCredential(out, r.officer, keys.privatePkcs8, r.officer.password);
  emit(o.json === true, { ...r, keyFile: out }, () =>
    [`Officer ${r.officer.user} (${r.officer.role}) created.`, `  password (shown once): ${r.officer.password}`, `  key file: ${out}`].join('\n'),
  );
}
