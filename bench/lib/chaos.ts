import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { diskProfiles } from '../../src/cli/index.js';
import { ApiError, MeterClient } from '../../src/sdk/index.js';
import { officerFunder } from './fund.js';
import { ManagedSystem } from './service-manager.js';
import { vaultmeterPids } from './shippers.js';

export const KINDS = ['module', 'shipper', 'api', 'postgres', 'supervisor'] as const;
export type Kind = (typeof KINDS)[number];

export interface ChaosOptions {
  readonly cycles: number;
  readonly clients: number;
  readonly modules: number;
  /** Load between kills. */
  readonly intervalMs: number;
  /** A kind that shows no progress this long after its kill is a problem. */
  readonly recoverTimeoutMs: number;
  readonly seed: number;
  readonly kinds: readonly Kind[];
  readonly log: (line: string) => void;
}

export interface Problem {
  readonly cycle: number;
  readonly kind: Kind | 'check';
  readonly what: string;
  /** How to run into it again, and what the supervisors said last. */
  readonly reproduce: string;
  readonly log: readonly string[];
}

export interface ChaosReport {
  readonly cycles: number;
  readonly items: number;
  readonly checks: number;
  readonly refusals: Record<string, number>;
  /** Per kind: the milliseconds from each kill to the first item acknowledged for a request sent after it. */
  readonly recoveryMs: Record<string, number[]>;
  readonly supervisorStarts: number;
  readonly problems: Problem[];
  readonly seconds: number;
}

const PRINT = {
  amountMills: 100n,
  originZip: '90807',
  destination: '10001',
  date: new Date().toISOString().slice(0, 10),
  rateCategory: 'FCM-LETTER',
  weightTenthOz: 10,
};
const FUNDED_MILLS = 10_000_000n; // the most one funding may be: 100,000 items of 100 mills
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded PRNG (mulberry32), so a run's order of kills can be repeated with --seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

interface Acked {
  readonly itemId: string;
  readonly meterId: string;
  readonly bytes: Buffer;
  readonly sentAtMs: number;
  readonly ackAtMs: number;
}

/** Clients printing through the full protocol, each one request at a time; pausable for the checks. */
class Load {
  readonly acked: Acked[] = [];
  readonly refusals: Record<string, number> = {};
  private paused = false;
  private stopped = false;
  private busy = 0;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly clients: MeterClient[],
    private readonly relogin: (i: number) => Promise<MeterClient>,
  ) {}

  start(): void {
    this.loops = this.clients.map((_c, i) => this.loop(i));
  }

  private async loop(i: number): Promise<void> {
    while (!this.stopped) {
      if (this.paused) {
        await sleep(20);
        continue;
      }
      this.busy++;
      const sentAtMs = Date.now();
      try {
        const item = await this.clients[i]!.print(PRINT);
        this.acked.push({ itemId: item.itemId, meterId: this.clients[i]!.meterId, bytes: item.itemBytes, sentAtMs, ackAtMs: Date.now() });
      } catch (e) {
        const code = e instanceof ApiError ? e.code : `thrown: ${(e as Error).message}`;
        this.refusals[code] = (this.refusals[code] ?? 0) + 1;
        // An outcome the client could not see (the connection dropped in a commit) leaves it a spent
        // challenge: a fresh login takes the current one, and refuses registers behind its own record.
        if (code === 'challenge_mismatch' || code === 'unauthorized')
          await this.relogin(i).then(
            (c) => (this.clients[i] = c),
            () => {},
          );
        await sleep(100);
      } finally {
        this.busy--;
      }
    }
  }

  /** Let every request in flight finish, and send no more until resume. */
  async pause(): Promise<void> {
    this.paused = true;
    while (this.busy > 0) await sleep(10);
  }

  resume(): void {
    this.paused = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  meters(): MeterClient[] {
    return this.clients;
  }

  /** Client i's registers, as the module MACs them; a client left with a spent challenge logs in again first. */
  async balanceOf(i: number): Promise<{ arMills: bigint; drMills: bigint }> {
    try {
      return await this.clients[i]!.balance();
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'challenge_mismatch')) throw e;
      this.clients[i] = await this.relogin(i);
      return this.clients[i]!.balance();
    }
  }
}

async function postmaster(home: string): Promise<number[]> {
  const pid = Number((await readFile(join(home, 'pg', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  const cmd = pid > 0 ? await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
  return cmd.includes('postgres') ? [pid] : [];
}

/** The pids a kill of `kind` may pick from. */
async function victims(sys: ManagedSystem, kind: Kind): Promise<number[]> {
  if (kind === 'supervisor') return sys.supervisorPid ? [sys.supervisorPid] : [];
  if (kind === 'postgres') return postmaster(sys.home);
  return vaultmeterPids(sys.home, { module: 'module', shipper: 'ship', api: 'serve' }[kind]);
}

/** Every process of the installation is up: the supervisor ready, PostgreSQL, each module, the shipper and the API server. */
async function whole(sys: ManagedSystem, modules: number): Promise<boolean> {
  if (!sys.supervisorPid || (await postmaster(sys.home)).length !== 1) return false;
  const [m, s, a] = await Promise.all([vaultmeterPids(sys.home, 'module'), vaultmeterPids(sys.home, 'ship'), vaultmeterPids(sys.home, 'serve')]);
  return m.length === modules && s.length === 1 && a.length === 1;
}

/** What must hold after every cycle; returns what did not. */
async function check(owner: pg.Client, load: Load, fromIndex: number): Promise<string[]> {
  const wrong: string[] = [];
  const fresh = load.acked.slice(fromIndex);
  const rows = await owner.query<{ item_id: string; item_bytes: Buffer }>('SELECT item_id, item_bytes FROM postal.items WHERE item_id = ANY($1)', [
    fresh.map((a) => a.itemId),
  ]);
  const stored = new Map(rows.rows.map((r) => [r.item_id, r.item_bytes]));
  for (const a of fresh) {
    const b = stored.get(a.itemId);
    if (!b) wrong.push(`acknowledged item ${a.itemId} (meter ${a.meterId}) is missing`);
    else if (!b.equals(a.bytes)) wrong.push(`acknowledged item ${a.itemId} has different bytes in the database`);
  }
  for (const [i, c] of load.meters().entries()) {
    const regs = await load.balanceOf(i);
    const sum = await owner.query<{ total: bigint }>('SELECT coalesce(sum(amount_mills), 0)::bigint AS total FROM postal.items WHERE meter_id = $1', [
      c.meterId,
    ]);
    if (regs.arMills + regs.drMills !== FUNDED_MILLS)
      wrong.push(`meter ${c.meterId}: ar ${regs.arMills} + dr ${regs.drMills} is not the funding ${FUNDED_MILLS}`);
    if (regs.arMills !== BigInt(sum.rows[0]!.total)) wrong.push(`meter ${c.meterId}: ar ${regs.arMills} is not the sum of its items ${sum.rows[0]!.total}`);
  }
  return wrong;
}

async function ownerClient(url: string, timeoutMs: number): Promise<pg.Client> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    try {
      await c.connect();
      return c;
    } catch (e) {
      await c.end().catch(() => {});
      if (Date.now() > end) throw e;
      await sleep(200);
    }
  }
}

/** A retrying call: the system may be between a kill and its recovery. */
async function eventually<T>(what: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
      await sleep(200);
    }
  }
}

async function setUp(o: ChaosOptions): Promise<{ sys: ManagedSystem; load: Load }> {
  const sys = await ManagedSystem.create({ modules: o.modules, restartDelayMs: 1000, env: { VAULTMETER_POOL_SIZE: '0' } });
  process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
  const fund = await officerFunder(sys.url, sys.officer);
  const clients: MeterClient[] = [];
  for (let i = 0; i < o.clients; i++) {
    const user = `chaos${i}`;
    const c = await MeterClient.register(diskProfiles, sys.url, user, 'chaos password, long enough');
    await fund(user, FUNDED_MILLS);
    clients.push(c);
  }
  const load = new Load(clients, (i) => MeterClient.login(diskProfiles, `chaos${i}`, 'chaos password, long enough'));
  return { sys, load };
}

/**
 * Kill one process of `kind`; returns its pid and the moment of the kill, or null when none was
 * running. The moment is taken after the signal, not before the search in /proc (which takes a
 * while): a request sent meanwhile, answered by the victim, must not count as progress after it.
 */
async function killOne(sys: ManagedSystem, kind: Kind, random: () => number): Promise<{ pid: number; atMs: number } | null> {
  const pids = await victims(sys, kind);
  if (pids.length === 0) return null;
  const pid = pids[Math.floor(random() * pids.length)]!;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return null;
  }
  return { pid, atMs: Date.now() };
}

/** Wait for an item acknowledged for a request sent after `killedAtMs`; null on timeout. */
async function progressAfter(load: Load, killedAtMs: number, timeoutMs: number): Promise<number | null> {
  const end = killedAtMs + timeoutMs;
  let from = 0;
  while (Date.now() < end) {
    for (; from < load.acked.length; from++) if (load.acked[from]!.sentAtMs > killedAtMs) return load.acked[from]!.ackAtMs - killedAtMs;
    from = Math.max(0, load.acked.length - 1);
    await sleep(20);
  }
  return null;
}

/**
 * The time from a kill to progress again. The supervisor's children outlive it by up to a second and
 * serve meanwhile, so for it, progress counts only once the restarted supervisor is ready.
 */
async function recovery(sys: ManagedSystem, load: Load, kind: Kind, killedAtMs: number, timeoutMs: number): Promise<number | null> {
  if (kind !== 'supervisor') return progressAfter(load, killedAtMs, timeoutMs);
  const end = killedAtMs + timeoutMs;
  while (sys.readyAtMs <= killedAtMs && Date.now() < end) await sleep(20);
  if (sys.readyAtMs <= killedAtMs) return null;
  const after = await progressAfter(load, sys.readyAtMs, end - sys.readyAtMs);
  return after === null ? null : after + (sys.readyAtMs - killedAtMs);
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const startedMs = Date.now();
  const { sys, load } = await setUp(o);
  const random = prng(o.seed);
  const report = { recoveryMs: {} as Record<string, number[]>, problems: [] as Problem[], checks: 0 };
  const problem = (cycle: number, kind: Problem['kind'], what: string) => {
    report.problems.push({ cycle, kind, what, reproduce: `npm run chaos -- --seed ${o.seed} --cycles ${cycle + 1}`, log: sys.recentLog.slice(-30) });
    o.log(`  PROBLEM in cycle ${cycle} (${kind}): ${what}`);
  };
  // Every kind once per round, in a shuffled order: even a short run kills each kind.
  let round: Kind[] = [];
  const nextKind = (cycle: number): Kind => {
    if (cycle % o.kinds.length === 0) round = shuffle([...o.kinds], random);
    return round[cycle % o.kinds.length]!;
  };
  load.start();
  let checked = 0;
  try {
    for (let cycle = 0; cycle < o.cycles; cycle++) {
      await sleep(o.intervalMs);
      const kind = nextKind(cycle);
      const wholeBy = Date.now() + o.recoverTimeoutMs;
      while (!(await whole(sys, o.modules)) && Date.now() < wholeBy) await sleep(50);
      const killed = await killOne(sys, kind, random);
      if (killed === null) {
        problem(cycle, kind, `no ${kind} process was running to kill (the installation was not whole again within ${o.recoverTimeoutMs} ms)`);
        continue;
      }
      const { pid, atMs: killedAtMs } = killed;
      const tookMs = await recovery(sys, load, kind, killedAtMs, o.recoverTimeoutMs);
      if (tookMs === null) problem(cycle, kind, `no item acknowledged within ${o.recoverTimeoutMs} ms of killing ${kind} (pid ${pid})`);
      else (report.recoveryMs[kind] ??= []).push(tookMs);
      await load.pause();
      try {
        const owner = await ownerClient(sys.ownerUrl, o.recoverTimeoutMs);
        try {
          const wrong = await eventually('the checks', () => check(owner, load, checked), o.recoverTimeoutMs);
          report.checks++;
          for (const w of wrong) problem(cycle, 'check', w);
          checked = load.acked.length;
        } finally {
          await owner.end().catch(() => {});
        }
      } catch (e) {
        problem(cycle, 'check', (e as Error).message);
      }
      if (process.env.CHAOS_TRACE) o.log(sys.recentLog.slice(-40).join('\n'));
      load.resume();
      o.log(`cycle ${cycle + 1}/${o.cycles}: killed ${kind} (pid ${pid}); progress after ${tookMs ?? 'never'} ms; ${load.acked.length} items acknowledged`);
    }
  } finally {
    await load.stop();
    await sys.stop(report.problems.length > 0);
    if (report.problems.length > 0) o.log(`the installation is kept for inspection in ${sys.dir}`);
  }
  return {
    cycles: o.cycles,
    items: load.acked.length,
    checks: report.checks,
    refusals: load.refusals,
    recoveryMs: report.recoveryMs,
    supervisorStarts: sys.supervisorStarts,
    problems: report.problems,
    seconds: Math.round((Date.now() - startedMs) / 1000),
  };
}
