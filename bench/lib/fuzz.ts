// The core of `npm run fuzz` (bench/fuzz.ts) and of its short CI version (test/system/fuzz.test.ts).
//
// A real installation runs (`vaultmeter start` under a service manager) with customers whose meters
// are funded and have printed items. The fuzzer reads the server's /openapi.json and sends requests
// drawn with fast-check from it (fuzz-plans.ts): valid-looking and mutated bodies, junk bodies, junk
// path parameters, oversized bodies, bad and foreign credentials, correctly MAC'd requests altered or
// sent with the wrong credentials. Between chunks of requests one signed request of a customer or an
// officer (the baseline) is sent correctly and then replayed three ways, each of which must be
// refused. After each chunk it checks that the API server is the same process and answers
// /v1/health, and that value-bearing state (every customer's registers, the items, the fundings,
// registered customers, officers, approvals, meter statuses, the halt) moved exactly as the
// baselines account for.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { diskProfiles } from '../../src/cli/index.js';
import { readOfficerCredential } from '../../src/runtime/index.js';
import { ApiError, MeterClient, type PrintedItem } from '../../src/sdk/index.js';
import { vaultmeterPids } from './shippers.js';
import { officerFunder } from './fund.js';
import { curlOf, FuzzHttp, type WireAnswer, type WireRequest } from './fuzz-http.js';
import { materialize, snapshot, type Customer, type KnownItem, type Live, type Snapshot } from './fuzz-live.js';
import { CUSTOMERS, drawPlans, routesOf, type Plan, type Route } from './fuzz-plans.js';
import { ManagedSystem } from './service-manager.js';

export interface FuzzOptions {
  readonly requests: number;
  readonly seed: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Requests between two checks of the state and the API server. */
  readonly chunk: number;
  /** A progress line every this many requests. */
  readonly progressEvery: number;
  readonly log: (line: string) => void;
}

/** A request as saved for reproduction: the body in full as base64 (it may hold any character). */
export interface SavedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly raw: boolean;
  readonly bodyLength: number;
  readonly bodyStart: string;
  readonly bodyBase64?: string;
}

export interface ServerError {
  readonly index: number;
  readonly route: string;
  readonly strategy: string;
  readonly status: number;
  readonly answer: string;
  readonly request: SavedRequest;
  readonly curl: string;
}

export interface Crash {
  readonly afterRequest: number;
  readonly what: string;
  readonly lastRequests: string[];
  readonly log: string[];
}

export interface Unexplained {
  readonly afterRequest: number;
  readonly what: string;
}

export interface FuzzReport {
  readonly seed: number;
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSec: number;
  readonly setupSeconds: number;
  /** Per route ("METHOD /path" as in /openapi.json): how many answers of each status (0: no answer; -1: the client would not send it). */
  readonly statusByRoute: Record<string, Record<string, number>>;
  readonly statusByStrategy: Record<string, Record<string, number>>;
  readonly serverErrorCount: number;
  /** The first 200 5xx answers, each with its request. */
  readonly serverErrors: ServerError[];
  readonly crashes: Crash[];
  readonly unexplained: Unexplained[];
  /** 4xx answers that are not problem JSON, per route, with an example. */
  readonly notProblemJson: Record<string, { count: number; example: string }>;
  /** Oversized bodies answered otherwise than 413, per route and status. */
  readonly oversizeNot413: Record<string, Record<string, number>>;
  readonly baselines: Record<string, number>;
  readonly replays: { sent: number; refused: number; idempotentReplays: number; accepted: number };
  /** State changes that are expected of unsigned requests (see docs in bench/fuzz.ts --help). */
  readonly explained: Record<string, string>;
  /** Requests without an answer (status 0) or that the client would not send (-1), by reason, with an example. */
  readonly transportErrors: Record<string, { count: number; example: string }>;
}

const PW = 'fuzz password, long enough';
const FUNDED_MILLS = 1_000_000n;
const PRINT = { originZip: '90807', destination: '10001', rateCategory: 'FCM-LETTER', weightTenthOz: 10 };
const today = (days = 0) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAX_SAVED_ERRORS = 200;
/**
 * The checkpoint machinery recovering from a batch that failed after its module acted (a conflict at
 * flush aborts the whole batch): the module drops the unconfirmed batch and the commands are retried.
 * It moves no value (the registers are checked exactly), so it is counted in the report, not failed.
 */
const RECOVERY_KINDS = ['transaction_discarded', 'recovery_logged', 'checkpoint_recovered'];
/**
 * Audit events unsigned requests may cause: a security officer's Basic login may request a
 * dual-control action (its signature is checked only when a second officer's approval carries it out);
 * and the recoveries above.
 */
const EXPLAINED_AUDIT_KINDS = new Set(['approval_requested', ...RECOVERY_KINDS]);
const TRANSIENT = new Set(['challenge_mismatch', 'rate_limited', 'database_unavailable', 'module_unavailable', 'conflict', 'unreachable']);

function bump(table: Record<string, Record<string, number>>, a: string, b: string): void {
  const row = (table[a] ??= {});
  row[b] = (row[b] ?? 0) + 1;
}

function saved(req: WireRequest): SavedRequest {
  const body = req.body ?? '';
  return {
    method: req.method,
    path: req.path,
    headers: req.headers,
    raw: req.raw ?? false,
    bodyLength: body.length,
    bodyStart: body.slice(0, 300),
    ...(req.body !== undefined && body.length <= 256 * 1024 ? { bodyBase64: Buffer.from(body, 'utf8').toString('base64') } : {}),
  };
}

const summary = (i: number, req: WireRequest, a: WireAnswer) =>
  `#${i} ${req.method} ${req.path.slice(0, 120)} (${req.body?.length ?? 0} B body) -> ${a.status}${a.transport ? ` ${a.transport}` : ''}`;

/** What the signed baselines did, to be added to the state before a chunk. */
interface Accounted {
  registers: Map<string, { ar: bigint; dr: bigint }>;
  items: bigint;
  itemMills: bigint;
  fundings: bigint;
  fundedMills: bigint;
}

const noneAccounted = (): Accounted => ({ registers: new Map(), items: 0n, itemMills: 0n, fundings: 0n, fundedMills: 0n });

/** Sent through the global fetch while `fn` runs (the SDK and the officer funder use it). */
async function capturing<T>(fn: () => Promise<T>): Promise<{ value: T; sent: WireRequest[] }> {
  const original = globalThis.fetch;
  const sent: WireRequest[] = [];
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    sent.push({ method: init?.method ?? 'GET', path: url.pathname + url.search, headers, body: typeof init?.body === 'string' ? init.body : undefined });
    return original(input, init);
  };
  try {
    return { value: await fn(), sent };
  } finally {
    globalThis.fetch = original;
  }
}

export class Fuzzer {
  private readonly report = {
    statusByRoute: {} as Record<string, Record<string, number>>,
    statusByStrategy: {} as Record<string, Record<string, number>>,
    serverErrorCount: 0,
    serverErrors: [] as ServerError[],
    crashes: [] as Crash[],
    unexplained: [] as Unexplained[],
    notProblemJson: {} as Record<string, { count: number; example: string }>,
    oversizeNot413: {} as Record<string, Record<string, number>>,
    baselines: {} as Record<string, number>,
    replays: { sent: 0, refused: 0, idempotentReplays: 0, accepted: 0 },
    transportErrors: {} as Record<string, { count: number; example: string }>,
  };
  private readonly recent: string[] = [];
  private sent = 0;
  private accounted = noneAccounted();
  private apiPid = 0;
  private routes: Route[] = [];

  private constructor(
    private readonly o: FuzzOptions,
    private readonly sys: ManagedSystem,
    private readonly live: Live,
    private readonly db: pg.Client,
    private readonly http: FuzzHttp,
    private readonly fund: (user: string, amountMills: bigint) => Promise<void>,
  ) {}

  /** An installation with CUSTOMERS customers: the first two funded, with a postage item each and a ticket. */
  static async create(o: FuzzOptions): Promise<Fuzzer> {
    const sys = await ManagedSystem.create({ modules: 2, restartDelayMs: 1000, env: { VAULTMETER_POOL_SIZE: '2' } });
    try {
      process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
      const fund = await officerFunder(sys.url, sys.officer);
      const customers: Customer[] = [];
      for (let i = 0; i < CUSTOMERS; i++) {
        const client = await MeterClient.register(diskProfiles, sys.url, `fuzz${i}`, PW);
        customers.push({ user: `fuzz${i}`, client, meterId: client.meterId });
        if (i < 2) await fund(`fuzz${i}`, FUNDED_MILLS);
      }
      const items = await setUpItems(customers);
      const db = new pg.Client({ connectionString: sys.ownerUrl });
      await db.connect();
      const pooled = (await db.query<{ id: string }>('SELECT meter_id::text AS id FROM postal.meters WHERE NOT assigned LIMIT 4')).rows.map((r) => r.id);
      const basic = `Basic ${Buffer.from(`${sys.officer.user}:${sys.officer.password}`).toString('base64')}`;
      const modules = ((await (await fetch(`${sys.url}/v1/admin/modules`, { headers: { authorization: basic } })).json()) as { modules: { serial: string }[] })
        .modules;
      const live: Live = {
        customers,
        pooled,
        items,
        officer: sys.officer,
        officer2User: 'officer2',
        officerCertPem: (await readOfficerCredential(sys.officer.keyFile)).certificatePem,
        modules: modules.map((m) => m.serial),
      };
      return new Fuzzer(o, sys, live, db, FuzzHttp.forUrl(sys.url), fund);
    } catch (e) {
      await sys.stop(true);
      throw e;
    }
  }

  get installation(): string {
    return this.sys.dir;
  }

  private async relogin(c: Customer): Promise<void> {
    c.client = await MeterClient.login(diskProfiles, c.user, PW);
  }

  private problemCount(): number {
    return this.report.serverErrorCount + this.report.crashes.length + this.report.unexplained.length;
  }

  async run(): Promise<FuzzReport> {
    const spec = (await (await fetch(`${this.sys.url}/openapi.json`)).json()) as Parameters<typeof routesOf>[0];
    this.routes = routesOf(spec);
    this.apiPid = (await vaultmeterPids(this.sys.home, 'serve'))[0] ?? 0;
    this.o.log(`fuzz: ${this.routes.length} routes from /openapi.json; API server pid ${this.apiPid}; ${this.o.requests} requests, seed ${this.o.seed}`);
    let before = await snapshot(this.db, this.live, (c) => this.relogin(c));
    const started = Date.now();
    let fuzzMs = 0;
    for (let chunk = 0; this.sent < this.o.requests; chunk++) {
      const n = Math.min(this.o.chunk, this.o.requests - this.sent);
      const plans = drawPlans(this.routes, this.o.seed + chunk, n);
      const t0 = Date.now();
      await Promise.all([this.runChunk(plans), this.baseline(chunk)]);
      fuzzMs += Date.now() - t0;
      await this.checkServer();
      const after = await snapshot(this.db, this.live, (c) => this.relogin(c));
      this.compare(before, after);
      [before, this.accounted] = [after, noneAccounted()];
    }
    const seconds = (Date.now() - started) / 1000;
    return {
      seed: this.o.seed,
      requests: this.sent,
      seconds: Math.round(seconds),
      requestsPerSec: Math.round((this.sent / Math.max(fuzzMs, 1)) * 1000),
      setupSeconds: 0,
      ...this.report,
      explained: await this.explained(),
    };
  }

  async stop(): Promise<void> {
    this.http.close();
    await this.db.end().catch(() => {});
    const keep = this.problemCount() > 0;
    await this.sys.stop(keep);
    if (keep) this.o.log(`the installation is kept for inspection in ${this.sys.dir}`);
  }

  private async runChunk(plans: Plan[]): Promise<void> {
    let next = 0;
    const first = this.sent;
    this.sent += plans.length;
    await Promise.all(
      Array.from({ length: this.o.concurrency }, async () => {
        for (let i = next++; i < plans.length; i = next++) await this.one(plans[i]!, first + i);
      }),
    );
  }

  private async one(p: Plan, index: number): Promise<void> {
    const route = this.routes[p.route]!;
    let req: WireRequest;
    try {
      req = await materialize(this.live, this.routes, p);
    } catch (e) {
      bump(this.report.statusByRoute, route.key, `build failed: ${(e as Error).message.slice(0, 60)}`);
      return;
    }
    const a = await this.http.send(req, `127.0.0.${p.from}`);
    this.note(index, route.key, p.strategy, req, a);
    if (p.body.kind === 'oversize' && !req.raw && a.status !== 413) bump(this.report.oversizeNot413, route.key, String(a.status));
    if ((index + 1) % this.o.progressEvery === 0)
      this.o.log(
        `fuzz: ${index + 1}/${this.o.requests} requests; 5xx ${this.report.serverErrorCount}, crashes ${this.report.crashes.length}, unexplained ${this.report.unexplained.length}`,
      );
  }

  /** Count an answer, and keep what must be kept: every 5xx with its request, 4xx that are not problem JSON. */
  private note(index: number, routeKey: string, strategy: string, req: WireRequest, a: WireAnswer): void {
    bump(this.report.statusByRoute, routeKey, String(a.status));
    bump(this.report.statusByStrategy, strategy, a.status <= 0 ? String(a.status) : `${Math.floor(a.status / 100)}xx`);
    this.recent.push(summary(index, req, a));
    if (this.recent.length > 30) this.recent.shift();
    if (a.status <= 0) (this.report.transportErrors[a.transport ?? 'unknown'] ??= { count: 0, example: summary(index, req, a) }).count++;
    if (a.status >= 500) {
      this.report.serverErrorCount++;
      if (this.report.serverErrors.length < MAX_SAVED_ERRORS)
        this.report.serverErrors.push({
          index,
          route: routeKey,
          strategy,
          status: a.status,
          answer: a.body.slice(0, 600),
          request: saved(req),
          curl: curlOf(this.sys.url, req),
        });
      this.o.log(`  5xx: ${summary(index, req, a)}: ${a.body.slice(0, 200)}`);
    }
    if (a.status >= 400 && a.status < 500 && !a.contentType.startsWith('application/problem+json')) {
      const e = (this.report.notProblemJson[routeKey] ??= { count: 0, example: `${summary(index, req, a)}: ${a.contentType} ${a.body.slice(0, 120)}` });
      e.count++;
    }
  }

  /** The API server is the same process and answers /v1/health; else a crash, and wait for it to be back. */
  private async checkServer(): Promise<void> {
    const pid = (await vaultmeterPids(this.sys.home, 'serve'))[0] ?? 0;
    const health = await this.http.send({ method: 'GET', path: '/v1/health', headers: {} });
    const restarts = this.sys.supervisorStarts - 1;
    if (pid === this.apiPid && health.status === 200 && restarts === 0) return;
    const what = `API server pid ${this.apiPid} -> ${pid || 'none'}, /v1/health answered ${health.status || health.transport}, supervisor restarts ${restarts}`;
    this.report.crashes.push({ afterRequest: this.sent, what, lastRequests: [...this.recent], log: this.sys.recentLog.slice(-30) });
    this.o.log(`  CRASH after request ${this.sent}: ${what}`);
    const end = Date.now() + 90_000;
    while (Date.now() < end && (await this.http.send({ method: 'GET', path: '/v1/health', headers: {} })).status !== 200) await sleep(500);
    this.apiPid = (await vaultmeterPids(this.sys.home, 'serve'))[0] ?? 0;
  }

  /** A signed call of a customer's client, retried on what the fuzzing does to it (a spent challenge, a logout). */
  private async signed<T>(c: Customer, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const code = e instanceof ApiError ? e.code : '';
        if (attempt >= 8 || (code !== 'unauthorized' && !TRANSIENT.has(code))) throw e;
        // The fuzzer's refused signed requests spend the client's challenge: a login gives it a fresh one.
        if (code === 'unauthorized' || code === 'challenge_mismatch') await this.relogin(c);
        else await sleep(500);
      }
    }
  }

  /** One correctly signed request (a print, a funding or a balance), accounted for, then replayed. */
  private async baseline(k: number): Promise<void> {
    const kind = (['print', 'fund', 'balance'] as const)[k % 3]!;
    const c = this.live.customers[k % 2]!;
    const amount = BigInt(1 + (k % 97));
    this.report.baselines[kind] = (this.report.baselines[kind] ?? 0) + 1;
    try {
      if (kind === 'fund') {
        const { sent } = await capturing(() => this.fund(c.user, amount));
        this.account(c.meterId, 0n, amount);
        [this.accounted.fundings, this.accounted.fundedMills] = [this.accounted.fundings + 1n, this.accounted.fundedMills + amount];
        return await this.replay(sent.at(-1)!);
      }
      const { value, sent } = await capturing(() =>
        this.signed(c, () => (kind === 'print' ? c.client.print({ ...PRINT, amountMills: amount, date: today() }) : c.client.balance())),
      );
      if (kind === 'print') {
        this.account(c.meterId, amount, -amount);
        [this.accounted.items, this.accounted.itemMills] = [this.accounted.items + 1n, this.accounted.itemMills + amount];
        const item = value as PrintedItem;
        this.live.items.push({ itemId: item.itemId, meterId: c.meterId, base64: item.itemBytes.toString('base64'), kind: 'postage' });
      }
      await this.replay(sent.at(-1)!);
    } catch (e) {
      this.report.unexplained.push({ afterRequest: this.sent, what: `the ${kind} baseline of ${c.user} failed: ${(e as Error).message}` });
      this.o.log(`  baseline ${kind} failed: ${(e as Error).message}`);
    }
  }

  private account(meterId: string, ar: bigint, dr: bigint): void {
    const r = this.accounted.registers.get(meterId) ?? { ar: 0n, dr: 0n };
    this.accounted.registers.set(meterId, { ar: r.ar + ar, dr: r.dr + dr });
  }

  /** Send a correctly built and answered request again: as it was, with a fresh Idempotency-Key, and with none. Each must be refused (or be the stored answer). */
  private async replay(first: WireRequest): Promise<void> {
    const key = first.headers['idempotency-key'];
    const { ['idempotency-key']: _dropped, ...rest } = first.headers;
    const variants: WireRequest[] = [first, { ...first, headers: { ...rest, 'idempotency-key': randomUUID() } }, { ...first, headers: rest }];
    const routeKey = first.path.startsWith('/v1/admin/') ? 'POST /v1/admin/fund' : 'POST /v1/meters/{meterId}/{op}';
    for (const [i, v] of variants.entries()) {
      const a = await this.http.send(v);
      this.report.replays.sent++;
      this.note(-1, routeKey, 'replay', v, a);
      if (a.status < 200 || a.status >= 300) this.report.replays.refused++;
      else if (i === 0 && key && a.headers['idempotency-replayed'] === 'true') this.report.replays.idempotentReplays++;
      else {
        this.report.replays.accepted++;
        this.report.unexplained.push({ afterRequest: this.sent, what: `a replay was accepted (${a.status}): ${v.method} ${v.path} ${v.body?.slice(0, 200)}` });
      }
    }
  }

  /** Every value-bearing quantity moved exactly as the baselines account for. */
  private compare(before: Snapshot, after: Snapshot): void {
    const wrong = (what: string) => {
      this.report.unexplained.push({ afterRequest: this.sent, what });
      this.o.log(`  UNEXPLAINED after request ${this.sent}: ${what}`);
    };
    for (const c of this.live.customers) {
      const [b, a] = [before.registers[c.meterId]!, after.registers[c.meterId]!];
      if (!b.includes('/')) continue; // no reading before: nothing to compare with
      if (!a.includes('/')) {
        wrong(`${c.user}'s meter answers ${a} to its own balance (it answered ${b} before)`);
        continue;
      }
      const [ar, dr] = b.split('/').map(BigInt) as [bigint, bigint];
      const d = this.accounted.registers.get(c.meterId) ?? { ar: 0n, dr: 0n };
      if (a !== `${ar + d.ar}/${dr + d.dr}`) wrong(`${c.user}'s registers went from ${b} to ${a}; the signed requests account for ${ar + d.ar}/${dr + d.dr}`);
    }
    const sums: Record<string, bigint> = {
      items: this.accounted.items,
      itemMills: this.accounted.itemMills,
      fundings: this.accounted.fundings,
      fundedMills: this.accounted.fundedMills,
    };
    for (const [k, v] of Object.entries(before.db)) {
      const expected = k in sums ? String(BigInt(v) + sums[k]!) : v;
      if (after.db[k] !== expected) wrong(`${k} went from ${v} to ${after.db[k]}; expected ${expected}`);
    }
    for (const [kind, n] of Object.entries(after.auditKinds))
      if (n !== (before.auditKinds[kind] ?? 0) && !EXPLAINED_AUDIT_KINDS.has(kind))
        wrong(`audit events of kind ${kind}: ${before.auditKinds[kind] ?? 0} -> ${n}`);
    const redeemable = new Set(this.live.items.filter((i) => i.kind !== 'postage').map((i) => i.itemId));
    for (const id of after.redeemed)
      if (!before.redeemed.includes(id) && !redeemable.has(id)) wrong(`item ${id} was redeemed, and the fuzzer held no such item`);
  }

  /** What unsigned requests changed, as they may: registrations begun, meters made for the pool, scans, audits, sessions. */
  private async explained(): Promise<Record<string, string>> {
    const q = async (sql: string) => String((await this.db.query<{ n: string }>(sql)).rows[0]!.n);
    return {
      'registrations begun, not completed (membership.customers, registered_at null)': await q(
        'SELECT count(*)::text AS n FROM membership.customers WHERE registered_at IS NULL',
      ),
      'meters (postal.meters: the pool refills as registrations claim meters)': await q('SELECT count(*)::text AS n FROM postal.meters'),
      'scans recorded by POST /v1/verify (postal.verifications)': await q('SELECT count(*)::text AS n FROM postal.verifications'),
      'device audits by the officer (support.operator_actions, audit)': await q(
        "SELECT count(*)::text AS n FROM support.operator_actions WHERE action = 'audit'",
      ),
      'checkpoint recoveries (audit events transaction_discarded, checkpoint_recovered)': await q(
        "SELECT count(*)::text AS n FROM support.audit_events WHERE kind IN ('transaction_discarded', 'checkpoint_recovered')",
      ),
      'dual-control requests by the security officer, pending (support.approvals)': await q(
        "SELECT count(*)::text AS n FROM support.approvals WHERE state = 'pending'",
      ),
      'redemptions of the tickets the fuzzer holds (postal.redemptions)': await q('SELECT count(*)::text AS n FROM postal.redemptions'),
      'sessions (membership.sessions)': await q('SELECT count(*)::text AS n FROM membership.sessions'),
      'log records (postal.txlog: challenges, refusals that spend one, all of the above)': await q('SELECT count(*)::text AS n FROM postal.txlog'),
    };
  }
}

async function setUpItems(customers: Customer[]): Promise<KnownItem[]> {
  const items: KnownItem[] = [];
  for (const c of customers.slice(0, 2)) {
    const p = await c.client.print({ ...PRINT, amountMills: 100n, date: today() });
    items.push({ itemId: p.itemId, meterId: c.meterId, base64: p.itemBytes.toString('base64'), kind: 'postage' });
  }
  const c = customers[0]!;
  const t = await c.client.issue('ticket', 500n, { event: 'Fuzz night', seat: 'A1', validFrom: today(), validTo: today(30) });
  items.push({ itemId: t.itemId, meterId: c.meterId, base64: t.itemBytes.toString('base64'), kind: 'ticket' });
  return items;
}

/** Set up, fuzz, tear down (the installation is kept when anything went wrong). */
export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const f = await Fuzzer.create(o);
  o.log(`fuzz: installation ready in ${Math.round((Date.now() - started) / 1000)} s (${f.installation})`);
  try {
    const report = await f.run();
    return { ...report, setupSeconds: Math.round((Date.now() - started) / 1000) - report.seconds };
  } finally {
    await f.stop();
  }
}
