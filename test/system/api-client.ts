import { randomUUID } from 'node:crypto';
import { MeterClient } from '../../src/sdk/index.js';
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

export function officerHeaders(officer: { user: string; password: string }): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${officer.user}:${officer.password}`).toString('base64')}`, 'idempotency-key': randomUUID() };
}

export const printParams = (amountMills: string) => ({
  amountMills,
  originZip: '90807',
  destination: '10001',
  date: new Date().toISOString().slice(0, 10),
  rateCategory: 'FCM-LETTER',
  weightTenthOz: '10',
});
