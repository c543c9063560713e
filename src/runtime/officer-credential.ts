import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { OFFICER_SCRYPT } from '../constants.js';
import { openOfficerKey, sealOfficerKey, signP1363, type SealedOfficerKey } from '../crypto/index.js';
import { writeFileAtomic } from '../platform/index.js';
import { officerStatementBytes, type OfficerAct, type OfficerRole, type OfficerSignature, type OfficerStatement } from '../protocol/index.js';

// An officer's credential file: who, the CA's certificate for the key, and the key sealed under the
// officer's password. `vaultmeter init` writes the first two; `admin officers add` writes the rest.

export interface OfficerCredential {
  readonly v: 1;
  readonly user: string;
  readonly role: OfficerRole;
  readonly certificatePem: string;
  readonly key: SealedOfficerKey;
}

export class OfficerCredentialError extends Error {}

export async function writeOfficerCredential(
  path: string,
  who: { user: string; role: OfficerRole; certificatePem: string },
  privatePkcs8: Buffer,
  password: string,
): Promise<void> {
  const credential: OfficerCredential = { v: 1, ...who, key: await sealOfficerKey(privatePkcs8, password, OFFICER_SCRYPT) };
  await writeFileAtomic(path, `${JSON.stringify(credential, null, 2)}\n`, 0o600);
}

export async function readOfficerCredential(path: string): Promise<OfficerCredential> {
  let doc: Partial<OfficerCredential>;
  try {
    doc = JSON.parse(await readFile(path, 'utf8')) as Partial<OfficerCredential>;
  } catch (e) {
    throw new OfficerCredentialError(`cannot read the officer key file ${path}: ${(e as Error).message}`);
  }
  if (doc.v !== 1 || typeof doc.user !== 'string' || typeof doc.certificatePem !== 'string' || typeof doc.key !== 'object')
    throw new OfficerCredentialError(`${path} is not a Vaultmeter officer key file`);
  return doc as OfficerCredential;
}

/** A fresh statement for one act, now. */
export function newStatement(act: OfficerAct, params: Record<string, string>, nowMs = Date.now()): OfficerStatement {
  return { act, params, nonce: randomBytes(16).toString('hex'), timeMs: nowMs };
}

/** Sign a statement with the credential's key, opened with the officer's password. */
export async function signStatement(credential: OfficerCredential, password: string, statement: OfficerStatement): Promise<OfficerSignature> {
  const key = await openOfficerKey(credential.key, password, OFFICER_SCRYPT.maxmem);
  if (!key) throw new OfficerCredentialError(`the password does not open ${credential.user}'s officer key`);
  return { certificatePem: credential.certificatePem, signature: signP1363(key, officerStatementBytes(statement)).toString('base64') };
}
