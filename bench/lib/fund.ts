import { OFFICER_SCRYPT } from '../../src/constants.js';
import { openOfficerKey, signP1363 } from '../../src/crypto/index.js';
import { officerStatementBytes } from '../../src/protocol/index.js';
import { newStatement, readOfficerCredential } from '../../src/runtime/index.js';

export interface BenchOfficer {
  readonly user: string;
  readonly password: string;
  readonly keyFile: string;
}

/**
 * Funding as `vaultmeter admin fund` does it: look up the customer's meter, sign a fresh `fund`
 * statement with the officer's key, post it. The key is opened (one scrypt) once, each meter id
 * looked up once per customer; every funding still gets its own statement and signature.
 */
export async function officerFunder(url: string, officer: BenchOfficer): Promise<(user: string, amountMills: bigint | string) => Promise<void>> {
  const credential = await readOfficerCredential(officer.keyFile);
  const key = await openOfficerKey(credential.key, officer.password, OFFICER_SCRYPT.maxmem);
  if (!key) throw new Error(`the password does not open ${officer.user}'s officer key`);
  const basic = `Basic ${Buffer.from(`${officer.user}:${officer.password}`).toString('base64')}`;
  const meterIds = new Map<string, Promise<string>>();
  const meterId = async (user: string): Promise<string> => {
    const res = await fetch(`${url}/v1/admin/customers/${encodeURIComponent(user)}`, { headers: { authorization: basic } });
    if (res.status !== 200) throw new Error(`customer lookup failed: ${await res.text()}`);
    return String(((await res.json()) as { meterId: string }).meterId);
  };
  return async (user, amountMills) => {
    let id = meterIds.get(user);
    if (!id) meterIds.set(user, (id = meterId(user)));
    const params = { meterId: await id, amountMills: amountMills.toString() };
    const statement = newStatement('fund', params);
    const signature = signP1363(key, officerStatementBytes(statement)).toString('base64');
    const res = await fetch(`${url}/v1/admin/fund`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic },
      body: JSON.stringify({
        user,
        amountMills: params.amountMills,
        authorization: { statement, signatures: [{ certificatePem: credential.certificatePem, signature }] },
      }),
    });
    if (res.status !== 200) throw new Error(`fund failed (${res.status}): ${await res.text()}`);
  };
}
