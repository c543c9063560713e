import { join } from 'node:path';
import pg from 'pg';
import { OFFICER_CERT_LIFETIME_DAYS } from '../constants.js';
import { newOfficerKeyPair } from '../crypto/index.js';
import { issueCertificate, newCertSerialHex, type Authority } from '../module/index.js';
import { officerSubject } from '../protocol/index.js';
import { hashOfficerPassword, newOfficerPassword } from '../services/index.js';
import { repo } from '../store/index.js';
import { writeOfficerCredential } from './officer-credential.js';

// Dual control needs two security officers from the start: creating any officer later takes the
// signatures of two. Init certifies both with the CA it has just made, then forgets the CA's key
// (the modules keep it, sealed); each officer's key is sealed under that officer's password.

export interface BootstrapOfficer {
  readonly user: string;
  readonly password: string;
  /** The officer's credential file: the CA certificate and the key sealed under the password. */
  readonly keyFile: string;
}

export async function certifyBootstrapOfficer(ca: Authority, dir: string, user: string, now: Date): Promise<BootstrapOfficer & { passwordHash: string }> {
  const keys = newOfficerKeyPair();
  const certificatePem = await issueCertificate(ca, {
    subject: officerSubject(user, 'security_officer'),
    publicSpki: keys.publicSpki,
    serialHex: newCertSerialHex(),
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + OFFICER_CERT_LIFETIME_DAYS * 86_400_000),
  });
  const password = newOfficerPassword();
  const keyFile = join(dir, `${user}.officer.json`);
  await writeOfficerCredential(keyFile, { user, role: 'security_officer', certificatePem }, keys.privatePkcs8, password);
  return { user, password, keyFile, passwordHash: await hashOfficerPassword(password) };
}

export async function insertBootstrapOfficers(ownerUrl: string, officers: readonly { user: string; passwordHash: string }[]): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    for (const o of officers) await repo.insertBootstrapOfficer(client, o.user, o.passwordHash);
  } finally {
    await client.end();
  }
}
