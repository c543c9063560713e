import { randomUUID, type KeyObject } from 'node:crypto';
import { OFFICER_SCRYPT } from '../../src/constants.js';
import { newOfficerKeyPair, openOfficerKey, signP1363 } from '../../src/crypto/index.js';
import { publicKeyDigest } from '../../src/module/index.js';
import { join } from 'node:path';
import { officerStatementBytes, type OfficerAct, type OfficerAuthorization, type OfficerSignature, type OfficerStatement } from '../../src/protocol/index.js';
import { newStatement, readOfficerCredential, writeOfficerCredential } from '../../src/runtime/index.js';
import { ApiError, MeterClient } from '../../src/sdk/index.js';
import { expect } from 'vitest';
import type { LooseJson } from '../helpers/loose-json.js';

export interface RawAnswer {
  status: number;
  json: LooseJson;
  headers: Headers;
}

export async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

/** Send a meter command built (and MAC'd) by the client, optionally altered after the MAC, without the SDK's checks. */
export async function rawCommand(
  url: string,
  client: MeterClient,
  op: string,
  params: Record<string, string>,
  alter: (body: Record<string, LooseJson>) => void = () => {},
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const { body } = await client.buildRequest(op, params);
  alter(body);
  return post(url, `/v1/meters/${client.meterId}/${op}`, body, { authorization: `Bearer ${client.sessionToken}`, ...headers });
}

/** The CLI flags that reach this server as `officer` (password only: the acts that need no signature). */
export function officerFlags(url: string, officer: { user: string; password: string }): string[] {
  return ['--server', url, '--officer', officer.user, '--officer-password', officer.password];
}

export function officerHeaders(officer: { user: string; password: string }): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${officer.user}:${officer.password}`).toString('base64')}`, 'idempotency-key': randomUUID() };
}

/** A 1 oz First-Class letter from 90807 to 10001, mailed today, as the SDK's print takes it (an unrated installation: any amount). */
export const letter = (amountMills = 730n) => ({
  amountMills,
  originZip: '90807',
  destination: '10001',
  date: new Date().toISOString().slice(0, 10),
  rateCategory: 'FCM-LETTER',
  weightTenthOz: 10,
});

export const printParams = (amountMills: string) => ({
  amountMills,
  originZip: '90807',
  destination: '10001',
  date: new Date().toISOString().slice(0, 10),
  rateCategory: 'FCM-LETTER',
  weightTenthOz: '10',
});

export interface TestOfficer {
  readonly user: string;
  readonly password: string;
  /** The officer's key file (sealed under the password), as `vaultmeter init` wrote it. */
  readonly keyFile: string;
}

export async function get(url: string, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await fetch(`${url}${path}`, { headers });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

// Opening a key file costs a scrypt: the tests sign many fundings with the same few keys.
const openKeys = new Map<string, Promise<{ key: KeyObject; certificatePem: string }>>();

function officerKey(officer: TestOfficer): Promise<{ key: KeyObject; certificatePem: string }> {
  let opened = openKeys.get(officer.keyFile);
  if (!opened) {
    opened = readOfficerCredential(officer.keyFile).then(async (c) => ({
      key: (await openOfficerKey(c.key, officer.password, OFFICER_SCRYPT.maxmem))!,
      certificatePem: c.certificatePem,
    }));
    openKeys.set(officer.keyFile, opened);
  }
  return opened;
}

/** An officer's signature over `statement`, as the CLI makes it. */
export async function officerSignature(officer: TestOfficer, statement: OfficerStatement): Promise<OfficerSignature> {
  const { key, certificatePem } = await officerKey(officer);
  return { certificatePem, signature: signP1363(key, officerStatementBytes(statement)).toString('base64') };
}

/** One officer's authorization of one act, signed now. */
export async function signedAs(officer: TestOfficer, act: OfficerAct, params: Record<string, string>): Promise<OfficerAuthorization> {
  const statement = newStatement(act, params);
  return { statement, signatures: [await officerSignature(officer, statement)] };
}

/** Fund a customer's meter as the CLI does: look up the meter, sign the exact funding, post it. */
export async function fundAs(
  url: string,
  officer: TestOfficer,
  user: string,
  amountMills: string | bigint,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  return actOnMeter(url, officer, user, 'fund', { amountMills: String(amountMills) }, headers);
}

/** As the CLI acts on a customer's meter: look up the meter, sign the act naming it and `params`, post both. */
async function actOnMeter(
  url: string,
  officer: TestOfficer,
  user: string,
  act: 'fund' | 'revoke_meter',
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const customer = await get(url, `/v1/admin/customers/${encodeURIComponent(user)}`, officerHeaders(officer));
  if (customer.status !== 200) return customer;
  const authorization = await signedAs(officer, act, { meterId: String(customer.json.meterId), ...params });
  const route = act === 'fund' ? 'fund' : 'revoke';
  return post(url, `/v1/admin/${route}`, { user, ...params, authorization }, { ...officerHeaders(officer), ...headers });
}

/** A new officer, certified on two security officers' signatures as `admin officers add` does; the answer and the new key pair. */
export async function createOfficerAs(url: string, signers: readonly [TestOfficer, TestOfficer], user: string, role: string) {
  const keys = newOfficerKeyPair();
  const statement = newStatement('certify_officer', { user, role, publicKey: publicKeyDigest(keys.publicSpki) });
  const signatures = [await officerSignature(signers[0], statement), await officerSignature(signers[1], statement)];
  const answer = await post(
    url,
    '/v1/admin/officers',
    { user, role, publicKey: keys.publicSpki.toString('base64'), authorization: { statement, signatures } },
    officerHeaders(signers[0]),
  );
  return { answer, keys };
}

/** Create an officer and write its key file beside `dir`, so it can sign like any other. */
export async function newTestOfficer(url: string, signers: readonly [TestOfficer, TestOfficer], user: string, role: string, dir: string): Promise<TestOfficer> {
  const { answer, keys } = await createOfficerAs(url, signers, user, role);
  if (answer.status !== 200) throw new Error(`creating officer ${user}: ${JSON.stringify(answer.json)}`);
  const keyFile = join(dir, `${user}.officer.json`);
  const o = answer.json.officer as { user: string; role: 'operator' | 'security_officer'; password: string; certificatePem: string };
  await writeOfficerCredential(keyFile, o, keys.privatePkcs8, o.password);
  return { user, password: o.password, keyFile };
}

/** Revoke a customer's meter as the CLI does: look up the meter, sign the exact revocation, post it. */
export async function revokeAs(url: string, officer: TestOfficer, user: string, reason: string): Promise<RawAnswer> {
  return actOnMeter(url, officer, user, 'revoke_meter', { reason });
}

/** A dual-control request as the CLI makes it: signed by the requesting security officer. */
export async function requestAs(url: string, officer: TestOfficer, action: 'clear_halt' | 'reinstate_module', module?: string): Promise<RawAnswer> {
  const authorization = await signedAs(officer, action, module ? { module } : {});
  return post(url, '/v1/admin/approvals', { action, ...(module ? { module } : {}), authorization }, officerHeaders(officer));
}

/** The approval as the CLI gives it: this officer's signature over the request's statement. */
export async function approveAs(url: string, officer: TestOfficer, id: string): Promise<RawAnswer> {
  const list = await get(url, '/v1/admin/approvals', officerHeaders(officer));
  const request = (list.json.approvals as LooseJson[]).find((a) => a.id === id);
  const signed = request?.params.authorization ? (JSON.parse(request.params.authorization) as OfficerAuthorization) : null;
  const body = signed ? { signature: await officerSignature(officer, signed.statement) } : {};
  return post(url, `/v1/admin/approvals/${id}/approve`, body, officerHeaders(officer));
}

/** The code and status an SDK call was refused with (it must be refused). */
export async function refusalOf(p: Promise<unknown>): Promise<{ code: string; status: number }> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ApiError);
  return { code: (e as ApiError).code, status: (e as ApiError).status };
}
