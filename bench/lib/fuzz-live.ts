// The live side of `npm run fuzz`: the customers, meters, items and officers the plans aim at; turning
// a plan into the bytes of one request; and the snapshot of value-bearing state the fuzzer checks.
import type pg from 'pg';
import { MAX_BODY_BYTES } from '../../src/constants.js';
import { ApiError, type MeterClient } from '../../src/sdk/index.js';
import type { BenchOfficer } from './fund.js';
import type { WireRequest } from './fuzz-http.js';
import { CUSTOMERS, type AuthPlan, type BodyPlan, type Plan, type Route, type SignedPlan } from './fuzz-plans.js';

export interface Customer {
  readonly user: string;
  client: MeterClient;
  readonly meterId: string;
}

export interface KnownItem {
  readonly itemId: string;
  readonly meterId: string;
  readonly base64: string;
  readonly kind: string;
}

/** What the plans' placeholders stand for. */
export interface Live {
  readonly customers: Customer[];
  readonly pooled: string[];
  readonly items: KnownItem[];
  readonly officer: BenchOfficer;
  readonly officer2User: string;
  readonly officerCertPem: string;
  readonly modules: string[];
}

const OPS = ['balance', 'print', 'refund', 'withdraw', 'password'];
const PLACEHOLDER =
  /\$(own-meter|officer2-user|officer-user|officer-password|officerCert|officer2|officer|basic|now|item-flipped|itemId|item|user|meter|pooled|token|module|date|METER)(?::(-?\d+))?/g;

const pick = <T>(xs: readonly T[], i: number): T => xs[((i % xs.length) + xs.length) % xs.length]!;
const basicOf = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The customer a plan acts as when it sends the right credentials. */
export const ownCustomer = (p: Plan): number => (p.route + p.from) % CUSTOMERS;

function flipped(base64: string): string {
  const b = Buffer.from(base64, 'base64');
  if (b.length > 0) b[b.length - 1] = b[b.length - 1]! ^ 0x01;
  return b.toString('base64');
}

/** One placeholder's value now. */
function valueOf(live: Live, name: string, n: number, own: number): string {
  const c = pick(live.customers, n);
  switch (name) {
    case 'own-meter':
      return pick(live.customers, own).meterId;
    case 'user':
      return c.user;
    case 'meter':
      return c.meterId;
    case 'METER':
      return c.meterId.toUpperCase();
    case 'token':
      return c.client.sessionToken;
    case 'pooled':
      return live.pooled.length ? pick(live.pooled, n) : c.meterId;
    case 'item':
      return pick(live.items, n).base64;
    case 'item-flipped':
      return flipped(pick(live.items, n).base64);
    case 'itemId':
      return pick(live.items, n).itemId;
    case 'officer':
    case 'officer-user':
      return live.officer.user;
    case 'officer-password':
      return live.officer.password;
    case 'officer2':
    case 'officer2-user':
      return live.officer2User;
    case 'officerCert':
      return live.officerCertPem;
    case 'basic':
      return basicOf(live.officer.user, live.officer.password);
    case 'module':
      return live.modules.length ? pick(live.modules, n) : 'module-0';
    case 'date':
      return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    case 'now':
      return String(Date.now());
    default:
      return `$${name}`;
  }
}

export function resolveString(live: Live, s: string, own: number): string {
  if (!s.includes('$')) return s;
  return s.replace(PLACEHOLDER, (_m, name: string, n: string | undefined) => valueOf(live, name, Number(n ?? 0), own));
}

/** Placeholders inside a JSON value; a member that is exactly `$now` becomes a number. */
export function resolveValue(live: Live, v: unknown, own: number): unknown {
  if (v === '$now') return Date.now();
  if (typeof v === 'string') return resolveString(live, v, own);
  if (Array.isArray(v)) return v.map((x) => resolveValue(live, x, own));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, k, { value: resolveValue(live, x, own), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

function authHeader(live: Live, route: Route, a: AuthPlan, own: number): { value: string | null; raw: boolean } {
  switch (a.kind) {
    case 'none':
      return { value: null, raw: false };
    case 'right':
      if (route.auth === 'bearer') return { value: `Bearer ${pick(live.customers, own).client.sessionToken}`, raw: false };
      return { value: route.auth === 'basic' ? basicOf(live.officer.user, live.officer.password) : null, raw: false };
    case 'basic': {
      const plain = resolveString(live, a.plain, own);
      return { value: `Basic ${Buffer.from(plain, 'utf8').toString('base64')}${a.tail ?? ''}`, raw: a.raw ?? false };
    }
    case 'header':
      return { value: resolveString(live, a.value, own), raw: false };
    case 'raw':
      return { value: resolveString(live, a.value, own), raw: true };
  }
}

function oversize(bytes: number, asJson: boolean): string {
  return asJson ? JSON.stringify({ itemBase64: 'A'.repeat(bytes), user: 'x' }) : 'x'.repeat(Math.max(bytes, MAX_BODY_BYTES + 1));
}

function bodyText(live: Live, b: BodyPlan, own: number): string | undefined {
  switch (b.kind) {
    case 'none':
      return undefined;
    case 'json':
      return JSON.stringify(resolveValue(live, b.value, own));
    case 'text':
      return b.text;
    case 'oversize':
      return oversize(b.bytes, b.asJson);
    case 'signed':
      return undefined;
  }
}

function fillPath(live: Live, route: Route, params: Record<string, string>, own: number): string {
  return route.path.replace(/\{(\w+)\}/g, (_m, name: string) => resolveString(live, params[name] ?? '', own));
}

/** A plan as the bytes of one request. */
export async function materialize(live: Live, routes: readonly Route[], p: Plan): Promise<WireRequest> {
  const route = routes[p.route]!;
  const own = ownCustomer(p);
  if (p.body.kind === 'signed') return signedRequest(live, p, p.body.signed);
  const auth = authHeader(live, route, p.auth, own);
  const headers: Record<string, string> = {};
  if (p.contentType) headers['content-type'] = p.contentType;
  if (auth.value !== null) headers.authorization = auth.value;
  if (p.idempotencyKey !== null) headers['idempotency-key'] = p.idempotencyKey;
  const body = bodyText(live, p.body, own);
  return {
    method: p.method,
    path: fillPath(live, route, p.pathParams, own) + p.suffix,
    headers,
    body,
    raw: auth.raw || /[^\x20-\x7e]/.test(p.idempotencyKey ?? ''),
  };
}

function flipChar(s: string, pos: number, xor: number): string {
  if (s.length === 0) return String.fromCharCode(xor);
  const i = pos % s.length;
  return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ xor) + s.slice(i + 1);
}

/** Apply the flips; a flip with nothing to flip (empty params) flips the MAC, so the request never stays signed. */
function applyFlips(body: Record<string, unknown>, flips: SignedPlan['flips']): void {
  for (const f of flips) {
    if (f.field === 'params') {
      const params = body.params as Record<string, string>;
      const keys = Object.keys(params).filter((k) => params[k] !== '');
      if (keys.length > 0) {
        const k = pick(keys, f.pos);
        params[k] = flipChar(params[k]!, f.pos, f.xor);
        continue;
      }
    }
    const field = f.field === 'params' ? 'mac' : f.field;
    body[field] = flipChar(String(body[field]), f.pos, f.xor);
  }
}

/** A request the customer's client MAC'd correctly, then altered (or sent with the wrong credentials) so that it must be refused. */
async function signedRequest(live: Live, p: Plan, s: SignedPlan): Promise<WireRequest> {
  const c = pick(live.customers, s.customer);
  const other = pick(live.customers, s.other === s.customer ? s.other + 1 : s.other);
  const params = resolveValue(live, s.params, s.customer) as Record<string, string>;
  const { body } = await c.client.buildRequest(s.op, params);
  let op = s.op;
  let meterId = c.meterId;
  let token: string | null = c.client.sessionToken;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (p.idempotencyKey !== null && /^[\x20-\x7e]*$/.test(p.idempotencyKey)) headers['idempotency-key'] = p.idempotencyKey;
  if (s.variant === 'flip') applyFlips(body, s.flips);
  else if (s.variant === 'op-swap') op = pick(OPS, OPS.indexOf(s.op) + 1 + (s.flips[0]!.pos % (OPS.length - 1)));
  else if (s.variant === 'meter-swap') meterId = other.meterId;
  else if (s.variant === 'foreign-token') token = other.client.sessionToken;
  else if (s.variant === 'no-token') token = null;
  else headers['idempotency-key'] = 'not a key!';
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return { method: 'POST', path: `/v1/meters/${meterId}/${op}`, headers, body: JSON.stringify(body) };
}

/** Value-bearing state: what the fuzzer's requests (none correctly signed but the baselines) must leave as it was. */
export interface Snapshot {
  /** Per customer meter, its registers as the module MACs them ("ar/dr"), or the refusal code. */
  readonly registers: Record<string, string>;
  /** Counters and sums read from the database (the owner role). */
  readonly db: Record<string, string>;
  /** Audit events by kind. */
  readonly auditKinds: Record<string, number>;
  /** Items redeemed (ids). */
  readonly redeemed: string[];
}

const DB_STATE = `SELECT
  (SELECT count(*) FROM postal.items)::text AS items,
  (SELECT coalesce(sum(amount_mills), 0) FROM postal.items)::text AS "itemMills",
  (SELECT count(*) FROM postal.items WHERE refunded_at IS NOT NULL)::text AS refunded,
  (SELECT count(*) FROM support.operator_actions WHERE action = 'fund')::text AS fundings,
  (SELECT coalesce(sum((detail->>'amountMills')::bigint), 0) FROM support.operator_actions WHERE action = 'fund')::text AS "fundedMills",
  (SELECT count(*) FROM support.operator_actions WHERE action NOT IN ('fund', 'audit'))::text AS "otherOperatorActions",
  (SELECT count(*) FROM membership.customers WHERE registered_at IS NOT NULL)::text AS "registeredCustomers",
  (SELECT count(*) FROM membership.officers)::text AS officers,
  (SELECT count(*) FROM support.approvals WHERE state <> 'pending')::text AS "approvalsDecided",
  (SELECT coalesce(string_agg(meter_id || '=' || status, ',' ORDER BY meter_id), '') FROM postal.meters WHERE status <> 'active')::text AS "inactiveMeters",
  (SELECT halted FROM postal.system_state)::text AS halted,
  (SELECT count(*) FROM postal.modules WHERE state <> 'active')::text AS "modulesNotActive"`;

/** A customer's registers (as the module MACs them), or the code of the refusal that would not go away. */
export async function registersOf(c: Customer, relogin: (c: Customer) => Promise<void>): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const b = await c.client.balance();
      return `${b.arMills}/${b.drMills}`;
    } catch (e) {
      const code = e instanceof ApiError ? e.code : 'thrown';
      if (attempt >= 6) return code;
      // A refusal of a signed request spends the challenge, and only its sender sees the next one: the
      // fuzzer's refused requests leave the client a spent challenge, which a login replaces.
      if (code === 'unauthorized' || code === 'challenge_mismatch') await relogin(c);
      else if (code === 'rate_limited' || code === 'database_unavailable' || code === 'module_unavailable') await new Promise((r) => setTimeout(r, 1000));
      else return code;
    }
  }
}

export async function snapshot(db: pg.Client, live: Live, relogin: (c: Customer) => Promise<void>): Promise<Snapshot> {
  const registers: Record<string, string> = {};
  for (const c of live.customers) registers[c.meterId] = await registersOf(c, relogin);
  const row = (await db.query<Record<string, string>>(DB_STATE)).rows[0]!;
  const kinds = await db.query<{ kind: string; n: string }>('SELECT kind, count(*)::text AS n FROM support.audit_events GROUP BY kind');
  const redeemed = await db.query<{ item_id: string }>('SELECT item_id FROM postal.redemptions ORDER BY item_id');
  return {
    registers,
    db: { ...row },
    auditKinds: Object.fromEntries(kinds.rows.map((k) => [k.kind, Number(k.n)])),
    redeemed: redeemed.rows.map((r) => r.item_id),
  };
}
