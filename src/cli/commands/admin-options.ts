import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { callApi, ProfileError } from '../../sdk/index.js';
import { DEFAULT_SERVER } from '../output.js';
import type { OfficerAct, OfficerAuthorization, OfficerSignature } from '../../protocol/index.js';
import { newStatement, readOfficerCredential, signStatement } from '../../runtime/index.js';

export interface AdminOpts {
  officer?: string;
  officerPassword?: string;
  officerKey?: string;
  server?: string;
  json?: boolean;
}

export function officerAuth(o: AdminOpts): string {
  const user = o.officer ?? process.env.VAULTMETER_OFFICER;
  const password = o.officerPassword ?? process.env.VAULTMETER_OFFICER_PASSWORD;
  if (!user || !password)
    throw new ProfileError('unauthorized', 'give --officer and --officer-password, or set VAULTMETER_OFFICER and VAULTMETER_OFFICER_PASSWORD');
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export function withAdmin(cmd: Command): Command {
  return cmd
    .option('--officer <user>', 'officer user name (else VAULTMETER_OFFICER)')
    .option('--officer-password <password>', 'officer password (else VAULTMETER_OFFICER_PASSWORD)')
    .option('--officer-key <file>', "the officer's key file, sealed under the password (else VAULTMETER_OFFICER_KEY)")
    .option('--server <url>', 'server URL', DEFAULT_SERVER)
    .option('--json', 'print one JSON object');
}

export function post<T = Record<string, unknown>>(o: AdminOpts, path: string, body: unknown): Promise<T> {
  return callApi<T>(o.server ?? DEFAULT_SERVER, 'POST', path, body, { headers: { authorization: officerAuth(o), 'idempotency-key': randomUUID() } });
}

export function get<T = Record<string, unknown>>(o: AdminOpts, path: string): Promise<T> {
  return callApi<T>(o.server ?? DEFAULT_SERVER, 'GET', path, undefined, { headers: { authorization: officerAuth(o) } });
}

/** The meter of a customer, as a statement about it must name it. */
export async function meterIdOf(o: AdminOpts, user: string): Promise<string> {
  return (await get<{ meterId: string }>(o, `/v1/admin/customers/${encodeURIComponent(user)}`)).meterId;
}

/** One officer's signature over a statement of exactly this act, made with the officer's key file. */
export async function signedByOfficer(o: AdminOpts, act: OfficerAct, params: Record<string, string>): Promise<OfficerAuthorization> {
  const statement = newStatement(act, params);
  return { statement, signatures: [await cosign(o, { statement, signatures: [] })] };
}

/** This officer's signature over a statement another officer made (the second half of dual control). */
export async function cosign(o: AdminOpts, signed: OfficerAuthorization): Promise<OfficerSignature> {
  const file = o.officerKey ?? process.env.VAULTMETER_OFFICER_KEY;
  const password = o.officerPassword ?? process.env.VAULTMETER_OFFICER_PASSWORD;
  if (!file || !password)
    throw new ProfileError('unauthorized', 'this act is signed with your officer key: give --officer-key (or VAULTMETER_OFFICER_KEY) and --officer-password');
  return signStatement(await readOfficerCredential(file), password, signed.statement);
}

export const pretty = (v: unknown) => JSON.stringify(v, null, 2);
