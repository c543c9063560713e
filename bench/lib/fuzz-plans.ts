// Request plans for `npm run fuzz`, generated with fast-check from the running server's /openapi.json.
// A plan is data: live values (a customer's meter id, session token, item) are placeholders such as
// `$meter:1` or `$token:0`, resolved when the request is sent (fuzz-live.ts), so that plans can be
// drawn in advance from a seed.
import fc from 'fast-check';
import { MAX_BODY_BYTES, MAX_RATE_BUNDLE_BYTES, MAX_RETURNS_FILE_BYTES, MAX_STRIPE_WEBHOOK_BYTES } from '../../src/constants.js';

/** The part of a JSON Schema (OpenAPI 3.0 dialect) the server's routes use. */
export interface Schema {
  readonly type?: string;
  readonly properties?: Record<string, Schema>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly items?: Schema;
  readonly anyOf?: readonly Schema[];
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly format?: string;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly maxProperties?: number;
}

export type AuthKind = 'none' | 'bearer' | 'basic';

export interface Route {
  /** "METHOD /path/{param}", as in /openapi.json. */
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly pathParams: { readonly name: string; readonly schema: Schema }[];
  readonly query: { readonly name: string; readonly schema: Schema }[];
  readonly body: Schema | null;
  readonly auth: AuthKind;
}

interface OpenApiOperation {
  readonly security?: readonly Record<string, unknown>[];
  readonly parameters?: readonly { in: string; name: string; schema: Schema }[];
  readonly requestBody?: { content?: Record<string, { schema?: Schema }> };
}

/**
 * Every route of the document. Which credentials a route takes comes from its `security` when it
 * declares one, else from where it lives: `/v1/admin/*` and `/metrics` take officer HTTP Basic, the
 * meter commands a customer's bearer session (the API does not declare those yet).
 */
export function routesOf(doc: { paths: Record<string, Record<string, OpenApiOperation>> }): Route[] {
  const out: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const declared = op.security?.flatMap((s) => Object.keys(s)) ?? [];
      const auth: AuthKind =
        declared.includes('session') || path.startsWith('/v1/meters/{meterId}/{op}')
          ? 'bearer'
          : declared.includes('officer') || path.startsWith('/v1/admin/') || path === '/metrics'
            ? 'basic'
            : 'none';
      const params = op.parameters ?? [];
      out.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
        auth,
      });
    }
  }
  return out;
}

export type Strategy = 'valid' | 'mutated' | 'junk-body' | 'path' | 'oversize' | 'auth' | 'signed' | 'method';
export const STRATEGIES: readonly Strategy[] = ['valid', 'mutated', 'junk-body', 'path', 'oversize', 'auth', 'signed', 'method'];

export type AuthPlan =
  | { readonly kind: 'right' }
  | { readonly kind: 'header'; readonly value: string }
  | { readonly kind: 'raw'; readonly value: string }
  /** HTTP Basic of `plain` (placeholders resolved first, then base64), then `tail`; `raw` sends it on a raw socket. */
  | { readonly kind: 'basic'; readonly plain: string; readonly tail?: string; readonly raw?: boolean }
  | { readonly kind: 'none' };

/** A request built by a customer's client (correctly MAC'd), then altered so that it must be refused. */
export interface SignedPlan {
  readonly customer: number;
  readonly op: string;
  readonly params: Record<string, string>;
  readonly variant: 'flip' | 'op-swap' | 'meter-swap' | 'foreign-token' | 'no-token' | 'bad-idempotency-key';
  readonly flips: readonly { readonly field: 'mac' | 'challenge' | 'arMills' | 'drMills' | 'params'; readonly pos: number; readonly xor: number }[];
  readonly other: number;
}

export type BodyPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'oversize'; readonly bytes: number; readonly asJson: boolean }
  | { readonly kind: 'signed'; readonly signed: SignedPlan };

export interface Plan {
  readonly route: number;
  readonly strategy: Strategy;
  readonly method: string;
  /** Path parameter values, already percent-encoded (or placeholders). */
  readonly pathParams: Record<string, string>;
  /** Appended to the path: a query string, a trailing slash, junk. */
  readonly suffix: string;
  readonly body: BodyPlan;
  readonly auth: AuthPlan;
  readonly contentType: string | null;
  readonly idempotencyKey: string | null;
  /** The client address (last octet of 127.0.0.x). */
  readonly from: number;
}

export const CUSTOMERS = 3;
const idx = fc.integer({ min: 0, max: CUSTOMERS - 1 });
const placeholder = (name: string) => idx.map((i) => `$${name}:${i}`);

const deep = (depth: number, open: string, inner: string, close: string) => open.repeat(depth) + inner + close.repeat(depth);

/** Values that break assumptions: empty, huge, negative, non-hex, unicode, NUL, deep, the wrong type. */
export const evil: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    '',
    ' ',
    'A'.repeat(5000),
    'f'.repeat(64).toUpperCase(),
    'zz'.repeat(32),
    '-1',
    '0',
    '-0',
    '1e3',
    '0x10',
    '99999999999999999999999',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff\ud800',
    '😀'.repeat(50),
    '\u202e\u0301ß',
    '%00',
    '../../etc/passwd',
    "' OR 1=1 --",
    '$1',
    '__proto__',
    -1,
    0,
    1.5,
    -1e308,
    1e308,
    2 ** 53 + 1,
    -(2 ** 63),
    true,
    false,
    null,
    [],
    {},
    [1, 'a', null],
    { __proto__: null, toString: 'x' },
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.integer({ min: 2, max: 400 }).map((d) => JSON.parse(deep(d, '[', '1', ']')) as unknown),
  fc.jsonValue({ maxDepth: 3 }),
);

const PRINT_KINDS = ['postage', 'ticket', 'coupon', 'voucher', 'gift', 'stamp', ''];
const AMOUNTS = ['0', '1', '-1', '100', '730', '1000000', '1000001', '10000000', '10000001', '50000001', '999999999999999999', '-99999999999999999999', '007'];
const ACTS = ['fund', 'revoke_meter', 'unlock_meter', 'certify_officer', 'clear_halt', 'reinstate_module', 'print', ''];

/** Member values that reach deeper than random strings would: real ids, boundary amounts. */
function hinted(name: string): fc.Arbitrary<unknown> | null {
  switch (name) {
    case 'user':
      return fc.oneof(placeholder('user'), fc.constantFrom('$officer', '$officer2', 'nobody', 'fuzz-new', 'a'.repeat(64)));
    case 'meterId':
      return fc.oneof(placeholder('meter'), fc.constant('$pooled:0'), fc.uuid());
    case 'itemBase64':
      return fc.oneof(placeholder('item'), fc.base64String({ maxLength: 400 }), fc.constant('$item-flipped:0'));
    case 'itemId':
      return placeholder('itemId');
    case 'amountMills':
      return fc.constantFrom(...AMOUNTS);
    case 'act':
      return fc.constantFrom(...ACTS);
    case 'timeMs':
      return fc.oneof(fc.constant('$now'), fc.integer({ min: 0 }), fc.constant(0));
    case 'certificatePem':
      return fc.constantFrom('$officerCert', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', '');
    case 'module':
      return fc.oneof(fc.constantFrom('$module:0', '$module:1'), fc.stringMatching(/^[A-Za-z0-9-]{1,40}$/));
    case 'location':
      return fc.string({ maxLength: 40 });
    case 'params':
      return commandParams;
    default:
      return null;
  }
}

const date = fc.integer({ min: -3, max: 40 }).map((d) => `$date:${d}`);
/** What a meter command's params may hold: a print (any kind), a refund, a password change, junk. */
const commandParams: fc.Arbitrary<Record<string, string>> = fc.oneof(
  fc.record(
    {
      kind: fc.constantFrom(...PRINT_KINDS),
      amountMills: fc.constantFrom(...AMOUNTS),
      originZip: fc.constantFrom('90807', '', '9080', 'ABCDE'),
      destination: fc.constantFrom('10001', '', 'X'.repeat(100)),
      date,
      rateCategory: fc.constantFrom('FCM-LETTER', 'PRIORITY', '', 'x'),
      weightTenthOz: fc.constantFrom('10', '0', '-1', '99999', 'a'),
      event: fc.string({ maxLength: 30 }),
      seat: fc.string({ maxLength: 10 }),
      validFrom: date,
      validTo: date,
      offer: fc.string({ maxLength: 30 }),
      expiry: date,
    },
    { requiredKeys: ['amountMills'] },
  ),
  fc.record({ itemId: fc.oneof(placeholder('itemId'), fc.string({ maxLength: 70 })) }),
  fc.record({ sealedOldPassword: fc.base64String({ maxLength: 200 }), sealedNewPassword: fc.base64String({ maxLength: 200 }) }),
  fc.constant({}),
  fc.dictionary(fc.string({ maxLength: 64 }), fc.string({ maxLength: 64 }), { maxKeys: 17 }),
);

function stringArb(s: Schema): fc.Arbitrary<string> {
  if (s.format === 'uuid') return fc.oneof(fc.uuid(), fc.stringMatching(new RegExp(s.pattern ?? '^.{36}$')));
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern));
  return fc.string({ maxLength: Math.min(s.maxLength ?? 64, 64) });
}

/** A value that fits the schema (mostly), with hints for members the server looks up. */
export function fromSchema(s: Schema, name = '', depth = 0): fc.Arbitrary<unknown> {
  const hint = hinted(name);
  if (hint) return fc.oneof({ arbitrary: hint, weight: 3 }, { arbitrary: plainFromSchema(s, depth), weight: 1 });
  return plainFromSchema(s, depth);
}

function plainFromSchema(s: Schema, depth: number): fc.Arbitrary<unknown> {
  if (s.anyOf) return fc.oneof(...s.anyOf.map((x) => fromSchema(x, '', depth + 1)));
  if (s.enum) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return fc.integer({ min: s.minimum ?? -(2 ** 31), max: 2 ** 48 });
    case 'number':
      return fc.double({ noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(s.items ? fromSchema(s.items, '', depth + 1) : evil, { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'object':
      return objectArb(s, depth);
    default:
      return evil;
  }
}

function objectArb(s: Schema, depth: number): fc.Arbitrary<unknown> {
  const props = s.properties ?? {};
  const record = fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromSchema(v, k, depth + 1)])), {
    requiredKeys: (s.required ?? []).filter((k) => k in props),
  });
  const extra = s.additionalProperties;
  if (typeof extra !== 'object' || depth > 4) return record;
  return fc
    .tuple(record, fc.dictionary(fc.string({ maxLength: 64 }), fromSchema(extra, '', depth + 1), { maxKeys: Math.min(s.maxProperties ?? 4, 4) }))
    .map(([a, b]) => ({ ...b, ...a }));
}

/** One change to a valid-looking body: a member dropped, added, retyped; the body wrapped or nested. */
export interface Mutation {
  readonly op: 'drop' | 'add' | 'replace' | 'wrap-array' | 'nest';
  readonly at: number;
  readonly key: string;
  readonly value: unknown;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('drop', 'add', 'replace', 'replace', 'replace', 'wrap-array', 'nest'),
  at: fc.nat(),
  key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'admin', 'amountMills', 'user', ''), fc.string({ maxLength: 10 })),
  value: evil,
});

type Json = Record<string, unknown>;

/** Paths to every object inside `v` (the root included). */
function objectPaths(v: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    out.push(path);
    for (const [k, x] of Object.entries(v)) objectPaths(x, [...path, k], out);
  }
  return out;
}

export function mutate(body: unknown, m: Mutation): unknown {
  if (m.op === 'wrap-array') return [body];
  if (m.op === 'nest') return { [m.key || 'a']: body };
  const copy = JSON.parse(JSON.stringify(body ?? {})) as unknown;
  const paths = objectPaths(copy);
  if (paths.length === 0) return m.value;
  const path = paths[m.at % paths.length]!;
  const target = path.reduce<Json>((o, k) => o[k] as Json, copy as Json);
  const keys = Object.keys(target);
  const key = m.op === 'add' || keys.length === 0 ? m.key : keys[m.at % keys.length]!;
  if (m.op === 'drop') delete target[key];
  // defineProperty: `__proto__` becomes an own member, as JSON.parse would make it.
  else Object.defineProperty(target, key, { value: m.value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Bodies that are not what any route wants: not JSON, the wrong JSON, prototype poisoning, deep nesting. */
const junkText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    'null',
    '[]',
    '"str"',
    '123',
    '-0',
    '1e999',
    'NaN',
    'true',
    '{',
    '{"a":',
    '{"a":1,}',
    '{"user":"a","user":"b"}',
    '\ufeff{}',
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"user":"\\ud800"}',
    '{"user":"\\u0000"}',
    '\u0000',
    'a=1&b=2',
  ),
  fc.integer({ min: 100, max: 30_000 }).map((d) => deep(d, '[', '', ']')),
  fc.integer({ min: 100, max: 9_000 }).map((d) => deep(d, '{"a":', '1', '}')),
  fc.integer({ min: 100, max: 5_000 }).map((d) => deep(d, '{"a":', '{"__proto__":{"x":1}}', '}')),
  fc.integer({ min: 100, max: 5_000 }).map((d) => deep(d, '[', '{"constructor":{"prototype":{"x":1}}}', ']')),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
);

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/problem+json',
  'application/JSON',
  '*/*',
  'application/json, text/plain',
];
const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 8 },
  { arbitrary: fc.constant(null), weight: 1 },
  fc.constantFrom(...CONTENT_TYPES),
);

const idempotencyKey = fc.oneof(
  { arbitrary: fc.constant(null), weight: 4 },
  { arbitrary: fc.uuid(), weight: 4 },
  fc.constantFrom('fuzz-shared-key', 'a b', '', 'k'.repeat(129), 'ключ', 'x\u0001y'),
  fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
);

const junkSegment = fc.oneof(
  fc.constantFrom(
    '',
    'not-a-uuid',
    '%00',
    '..%2F..%2Fadmin',
    '..',
    'A'.repeat(300),
    '%F0%9F%98%80',
    '%E0%A4%A',
    '%zz',
    '00000000-0000-0000-0000-000000000000',
    'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
    '%20',
    '-1',
    '1e3',
    '9'.repeat(19),
    '9'.repeat(18),
    '0',
    'null',
    '$METER:0',
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent),
);

const suffix = fc.oneof(
  { arbitrary: fc.constant(''), weight: 12 },
  fc.constantFrom('/', '//', '?', '?a=1', '?a=%zz', '?since=1&since=2', '?limit=-1', '?limit=99999', '?since=abc', '#frag', '/../health', '%00'),
);

const bearerAuth = fc.oneof(
  { arbitrary: fc.constant<AuthPlan>({ kind: 'right' }), weight: 3 },
  { arbitrary: placeholder('token').map<AuthPlan>((t) => ({ kind: 'header', value: `Bearer ${t}` })), weight: 2 },
  fc.constant<AuthPlan>({ kind: 'none' }),
  fc.stringMatching(/^[A-Za-z0-9_-]{20,100}$/).map<AuthPlan>((t) => ({ kind: 'header', value: `Bearer ${t}` })),
  fc.constantFrom<AuthPlan>(
    { kind: 'header', value: 'Bearer' },
    { kind: 'header', value: 'bearer $token:0' },
    { kind: 'header', value: 'Bearer $token:0 $token:1' },
    { kind: 'header', value: 'Bearer ' + 'A'.repeat(101) },
    { kind: 'header', value: '$basic' },
    { kind: 'raw', value: 'Bearer $token:0\u0000' },
    { kind: 'raw', value: 'Bearer abcdefghij\u0000klmnopqrstuvwxyz' },
  ),
);

const basic = (plain: string, more: { tail?: string; raw?: boolean } = {}): AuthPlan => ({ kind: 'basic', plain, ...more });
const basicAuth = fc.oneof(
  { arbitrary: fc.constant<AuthPlan>({ kind: 'right' }), weight: 4 },
  fc.constant<AuthPlan>({ kind: 'none' }),
  // Wrong passwords go to the second officer and to unknown names: a lockout of the first would end the
  // fuzzing of the routes behind a good login (a lockout is per name, 15 minutes).
  fc.string({ maxLength: 30 }).map((pw) => basic(`$officer2-user:${pw}`)),
  fc.string({ maxLength: 20 }).map((u) => basic(`${u}:wrong password`)),
  fc.constantFrom<AuthPlan>(
    basic('officer\u0000:x'),
    basic('$officer-user:$officer-password\u0000'),
    basic('$officer-user\u0000:$officer-password'),
    basic('no colon'),
    basic(':'),
    basic('$officer-user:$officer-password', { tail: '=' }),
    basic('$officer-user:$officer-password', { tail: '\u0000', raw: true }),
    { kind: 'header', value: `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x80]).toString('base64')}` },
    { kind: 'header', value: `Basic ${'A'.repeat(701)}` },
    { kind: 'header', value: 'Basic !!!' },
    { kind: 'header', value: 'Bearer $token:0' },
    { kind: 'raw', value: 'Basic \r\u0000' },
  ),
);

const anyAuth = fc.oneof({ arbitrary: fc.constant<AuthPlan>({ kind: 'none' }), weight: 6 }, bearerAuth, basicAuth);

function authFor(route: Route, strategy: Strategy): fc.Arbitrary<AuthPlan> {
  if (strategy !== 'auth') return route.auth === 'none' ? fc.constant({ kind: 'none' }) : fc.constant({ kind: 'right' });
  return route.auth === 'bearer' ? bearerAuth : route.auth === 'basic' ? basicAuth : anyAuth;
}

function pathParams(route: Route, strategy: Strategy): fc.Arbitrary<Record<string, string>> {
  return fc.record(
    Object.fromEntries(
      route.pathParams.map((p) => {
        const good = (fromSchema(p.schema, p.name) as fc.Arbitrary<unknown>).map((v) =>
          String(v).startsWith('$') ? String(v) : encodeURIComponent(String(v)),
        );
        const own = p.name === 'meterId' ? fc.oneof(fc.constant('$own-meter'), good) : good;
        return [p.name, strategy === 'path' ? fc.oneof(own, junkSegment, junkSegment) : own];
      }),
    ),
  ) as fc.Arbitrary<Record<string, string>>;
}

function queryOf(route: Route): fc.Arbitrary<string> {
  if (route.query.length === 0) return suffix;
  const parts = route.query.map((q) => fc.option(fromSchema(q.schema, q.name).map((v) => `${q.name}=${encodeURIComponent(String(v))}`)));
  return fc.tuple(...parts).map((xs) => {
    const q = xs.filter((x): x is string => x !== null).join('&');
    return q ? `?${q}` : '';
  });
}

const signedPlan: fc.Arbitrary<SignedPlan> = fc.record({
  customer: idx,
  op: fc.constantFrom('balance', 'print', 'refund', 'withdraw', 'password'),
  params: commandParams,
  variant: fc.constantFrom('flip', 'flip', 'flip', 'op-swap', 'meter-swap', 'foreign-token', 'no-token', 'bad-idempotency-key'),
  flips: fc.array(
    fc.record({ field: fc.constantFrom('mac', 'challenge', 'arMills', 'drMills', 'params'), pos: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
    { minLength: 1, maxLength: 3 },
  ),
  other: idx,
});

/** Routes that take more than MAX_BODY_BYTES (a rate bundle): an oversized body is one over their own limit. */
const BODY_LIMITS: Readonly<Record<string, number>> = {
  'POST /v1/admin/rates': MAX_RATE_BUNDLE_BYTES,
  'POST /v1/admin/payments/returns': MAX_RETURNS_FILE_BYTES,
  'POST /v1/webhooks/stripe': MAX_STRIPE_WEBHOOK_BYTES,
};
export const bodyLimitOf = (routeKey: string): number => BODY_LIMITS[routeKey] ?? MAX_BODY_BYTES;

function bodyFor(route: Route, strategy: Strategy): fc.Arbitrary<BodyPlan> {
  const schemaBody = route.body ? fromSchema(route.body) : fc.constant(undefined);
  const valid = schemaBody.map<BodyPlan>((value) => (value === undefined ? { kind: 'none' } : { kind: 'json', value }));
  switch (strategy) {
    case 'mutated':
      return fc
        .tuple(schemaBody, fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .map(([v, ms]) => ({ kind: 'json', value: ms.reduce<unknown>((b, m) => mutate(b, m), v ?? {}) }));
    case 'junk-body':
      return junkText.map((text) => ({ kind: 'text', text }));
    case 'oversize':
      return fc
        .record({ bytes: fc.integer({ min: bodyLimitOf(route.key) + 1, max: 4 * bodyLimitOf(route.key) }), asJson: fc.boolean() })
        .map((o) => ({ kind: 'oversize', ...o }));
    case 'signed':
      return signedPlan.map((signed) => ({ kind: 'signed', signed }));
    default:
      return valid;
  }
}

const WRONG_METHODS = ['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'GET', 'POST', 'PROPFIND'];

function planFor(route: Route, i: number, strategy: Strategy): fc.Arbitrary<Plan> {
  const method = strategy === 'method' ? fc.constantFrom(...WRONG_METHODS) : fc.constant(route.method);
  return fc.record({
    route: fc.constant(i),
    strategy: fc.constant(strategy),
    method,
    pathParams: pathParams(route, strategy),
    suffix: strategy === 'path' ? suffix : queryOf(route),
    body: bodyFor(route, strategy),
    auth: authFor(route, strategy),
    contentType: strategy === 'junk-body' ? contentType : route.body || strategy === 'oversize' ? fc.constant('application/json') : fc.constant(null),
    idempotencyKey: route.method === 'POST' ? idempotencyKey : fc.constant(null),
    from: fc.integer({ min: 2, max: 5 }),
  });
}

/** Strategies that make sense for a route: bodies only where a body is read, signed requests on meter commands. */
function strategiesFor(route: Route): Strategy[] {
  const takesBody = route.method !== 'GET';
  return STRATEGIES.filter((s) => {
    if (s === 'signed') return route.path === '/v1/meters/{meterId}/{op}';
    if (s === 'mutated' || s === 'junk-body' || s === 'oversize') return takesBody;
    if (s === 'auth') return true;
    return true;
  });
}

/** Plans over every route, each route about as often, each strategy of a route about as often. */
export function planArbitrary(routes: readonly Route[]): fc.Arbitrary<Plan> {
  return fc.oneof(
    ...routes.map((r, i) => {
      const ss = strategiesFor(r);
      // A meter command's signed requests are the deepest, so they get more turns.
      return fc.oneof(...ss.map((s) => ({ arbitrary: planFor(r, i, s), weight: s === 'signed' ? 4 : 1 })));
    }),
  );
}

/** `n` plans drawn from the seed: the same seed gives the same plans. */
export function drawPlans(routes: readonly Route[], seed: number, n: number): Plan[] {
  return fc.sample(planArbitrary(routes), { seed, numRuns: n });
}
