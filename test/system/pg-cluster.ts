/**
 * A real PostgreSQL primary + streaming-replication hot standby for tests, from Debian's PostgreSQL 15
 * binaries (the embedded npm PostgreSQL has no pg_basebackup).
 *
 * As root the binaries run as the `postgres` OS user (Debian PostgreSQL refuses to run as root); the
 * whole cluster lives in one temp directory owned by that user. Both servers listen on 127.0.0.1 (free
 * ports) and on a Unix socket in the temp directory; every role authenticates with scram-sha-256.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/runtime/init.js';

export const PG_BIN = process.env.VAULTMETER_PG15_BIN ?? '/usr/lib/postgresql/15/bin';
const TOOLS = ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres'] as const;
const OWNER = 'postgres';
const STANDBY_NAME = 'vm_standby';

export interface PgClusterOptions {
  /** Name the standby in the primary's synchronous_standby_names, so `SET synchronous_commit = remote_apply` waits for it. */
  readonly synchronous?: boolean;
  /** fsync on both servers (default off: faster, and a `pg_ctl stop -m immediate` crash loses nothing the OS holds anyway). */
  readonly fsync?: boolean;
}

export interface PgCluster {
  /** Owner (superuser) URL of the primary over 127.0.0.1; suitable as DATABASE_URL. */
  readonly primaryUrl: string;
  /** Owner (superuser) URL of the standby (read-only until promoted). */
  readonly standbyUrl: string;
  /** Same as primaryUrl: the password-authenticated owner role. */
  readonly ownerUrl: string;
  readonly ownerPassword: string;
  readonly primaryPort: number;
  readonly standbyPort: number;
  /** application_name the standby streams under (what synchronous_standby_names names). */
  readonly standbyName: string;
  readonly dir: string;
  /** A connected client on the primary or the standby; the caller ends it. */
  connect(which: 'primary' | 'standby'): Promise<pg.Client>;
  /** Wait until the standby has replayed everything the primary has written so far. */
  waitForReplay(timeoutMs?: number): Promise<void>;
  /**
   * Pause WAL replay on the standby (`pg_wal_replay_pause()`). The standby keeps RECEIVING WAL, and a
   * promotion replays everything received before it ends recovery, so pausing alone does not make a
   * promoted standby lose commits: use detachStandby() for that.
   */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /**
   * Cut streaming: the standby's primary_conninfo is cleared and reloaded, so its WAL receiver stops
   * and nothing the primary commits afterwards reaches it. Resolves once the primary sees no sender.
   * If replay was paused, it is resumed for the switch (what was received is applied) and paused again.
   * (In synchronous mode, commits waiting for the standby will then hang: use `synchronous_commit = local`.)
   */
  detachStandby(): Promise<void>;
  /** Stop the primary: 'fast' (clean shutdown) or 'immediate' (a crash). */
  stopPrimary(mode: 'fast' | 'immediate'): Promise<void>;
  /** Promote the standby and wait until it accepts writes. */
  promoteStandby(): Promise<void>;
  /** Stop both servers (immediately) and remove the temp directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** False only when the PostgreSQL 15 binaries (or, as root, runuser) are missing. */
export function pgClusterAvailable(): boolean {
  if (!TOOLS.every((t) => existsSync(join(PG_BIN, t)))) return false;
  if (process.getuid?.() === 0) return existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser') || existsSync('/usr/bin/runuser');
  return true;
}

// Servers still running when the process exits (a test that crashed before its afterAll) are stopped,
// and the temp directories of clusters never stopped are removed.
const live = new Set<{ dataDir: string }>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const s of live) {
      try {
        execFileSync(...asPg([join(PG_BIN, 'pg_ctl'), '-D', s.dataDir, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore', cwd: '/' });
      } catch {
        /* already gone */
      }
    }
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });
}

const asRoot = () => process.getuid?.() === 0;

/** [file, args] running `argv` as the postgres OS user when we are root. */
function asPg(argv: string[]): [string, string[]] {
  return asRoot() ? ['runuser', ['-u', OWNER, '--', ...argv]] : [argv[0]!, argv.slice(1)];
}

function run(argv: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<string> {
  const [file, args] = asPg(argv);
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.map((a) => a.split('/').pop()).join(' ')} failed: ${err.message}\n${stderr}`));
      else resolvePromise(stdout);
    });
  });
}

function pgUser(): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', OWNER], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', OWNER], { encoding: 'utf8' }).trim()),
  };
}

function assertTraversable(dir: string): void {
  for (let d = dirname(resolve(dir)); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) throw new Error(`${OWNER} cannot enter ${d}: run chmod o+x on it, or set TMPDIR elsewhere`);
    if (d === dirname(d)) return;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(50);
  }
}

/** One query on a fresh connection (for a cluster whose servers come and go). */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** The cluster's directory, its socket directory and the owner's password file, owned by the postgres user when run as root. */
async function preparePgDir(dir: string, sockDir: string, password: string): Promise<string> {
  if (asRoot()) {
    assertTraversable(dir);
    const { uid, gid } = pgUser();
    await chown(dir, uid, gid);
  }
  await chmod(dir, 0o700);
  await mkdir(sockDir, { mode: 0o700 });
  const pwfile = join(dir, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (asRoot()) {
    const { uid, gid } = pgUser();
    await chown(sockDir, uid, gid);
    await chown(pwfile, uid, gid);
  }
  return pwfile;
}

/** initdb for the primary, then the settings a streaming standby needs. */
async function initPrimary(o: { dir: string; primaryDir: string; sockDir: string; pwfile: string; env: NodeJS.ProcessEnv; fsync: boolean }): Promise<void> {
  const { dir, primaryDir, sockDir, pwfile, env } = o;
  await run([join(PG_BIN, 'initdb'), '-D', primaryDir, '-U', OWNER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--no-locale', '-E', 'UTF8', '--no-sync'], {
    cwd: dir,
    env,
  });
  await rm(pwfile);
  // initdb's pg_hba already allows `replication` from 127.0.0.1 and ::1 (and the socket) with scram.
  await appendFile(
    join(primaryDir, 'postgresql.conf'),
    [
      '',
      '# vaultmeter test cluster',
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${sockDir}'`,
      'wal_level = replica',
      'max_wal_senders = 10',
      'max_replication_slots = 10',
      "wal_keep_size = '256MB'",
      'hot_standby = on',
      'hot_standby_feedback = on',
      'max_connections = 100',
      "shared_buffers = '32MB'",
      `fsync = ${o.fsync ? 'on' : 'off'}`,
      "wal_receiver_status_interval = '1s'",
      'logging_collector = off',
      '',
    ].join('\n'),
  );
}

async function baseBackup(o: { dir: string; standbyDir: string; primaryPort: number; password: string; env: NodeJS.ProcessEnv }): Promise<void> {
  const { dir, standbyDir, primaryPort, password, env } = o;
  // The standby: a base backup with -R (standby.signal + primary_conninfo), streaming the WAL it needs.
  await run(
    [
      join(PG_BIN, 'pg_basebackup'),
      '-d',
      `host=127.0.0.1 port=${primaryPort} user=${OWNER} application_name=${STANDBY_NAME}`,
      '-D',
      standbyDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ],
    { cwd: dir, env },
  );
  const autoConf = await readFile(join(standbyDir, 'postgresql.auto.conf'), 'utf8');
  if (!autoConf.includes(`application_name=${STANDBY_NAME}`)) {
    // Older pg_basebackup versions drop application_name from the generated primary_conninfo.
    await appendFile(
      join(standbyDir, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=${OWNER} password=${password} application_name=${STANDBY_NAME}'\n`,
    );
  }
}

/** Until the standby streams from the primary; with `synchronous`, until the primary waits for it on commit. */
async function awaitStandby(primaryUrl: string, synchronous: boolean): Promise<void> {
  await poll('the standby to stream from the primary', 30_000, async () => {
    const rows = await query(primaryUrl, "SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'", [STANDBY_NAME]);
    return rows.length > 0;
  });
  if (synchronous) {
    // Set after the base backup, so the standby's copy of the configuration does not carry it.
    await query(primaryUrl, `ALTER SYSTEM SET synchronous_standby_names = '${STANDBY_NAME}'`);
    await query(primaryUrl, 'SELECT pg_reload_conf()');
    await poll('the standby to become synchronous', 30_000, async () => {
      const rows = await query(primaryUrl, "SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND sync_state = 'sync'", [STANDBY_NAME]);
      return rows.length > 0;
    });
  }
}

async function startPgServer(pgCtl: string, s: { dataDir: string }, port: number, name: string, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  // Port on the command line: it overrides the copy of the primary's settings the standby inherits.
  live.add(s);
  await run([pgCtl, '-D', s.dataDir, '-l', join(dir, `${name}.log`), '-o', `-p ${port}`, '-w', '-t', '60', 'start'], { cwd: dir, env });
}

async function stopPgServer(pgCtl: string, s: { dataDir: string }, mode: 'fast' | 'immediate', dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (!live.has(s)) return;
  await run([pgCtl, '-D', s.dataDir, '-m', mode, '-w', '-t', '30', 'stop'], { cwd: dir, env });
  live.delete(s);
}

async function connected(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** The last 20 lines of each server's log. */
async function serverLogTails(dir: string): Promise<string> {
  let logs = '';
  for (const name of ['primary', 'standby']) {
    const f = join(dir, `${name}.log`);
    if (existsSync(f)) logs += `\n--- ${name}.log ---\n${(await readFile(f, 'utf8')).split('\n').slice(-20).join('\n')}`;
  }
  return logs;
}

async function waitForReplay(primaryUrl: string, standbyUrl: string, timeoutMs: number): Promise<void> {
  const [{ lsn }] = (await query<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn')) as [{ lsn: string }];
  await poll(`the standby to replay up to ${lsn}`, timeoutMs, async () => {
    const rows = await query<{ ok: boolean }>(standbyUrl, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]);
    return rows[0]?.ok === true;
  });
}

async function pauseReplay(standbyUrl: string): Promise<void> {
  await query(standbyUrl, 'SELECT pg_wal_replay_pause()');
  await poll('replay to pause', 10_000, async () => {
    const rows = await query<{ s: string }>(standbyUrl, 'SELECT pg_get_wal_replay_pause_state() AS s');
    return rows[0]?.s === 'paused';
  });
}

async function promoteStandby(standbyUrl: string): Promise<void> {
  // pg_promote(wait => true) waits up to 60 s for recovery to end.
  const rows = await query<{ ok: boolean }>(standbyUrl, 'SELECT pg_promote(true, 60) AS ok');
  if (!rows[0]?.ok) throw new Error('pg_promote did not finish');
  await poll('the promoted standby to accept writes', 30_000, async () => {
    const r = await query<{ rec: boolean }>(standbyUrl, 'SELECT pg_is_in_recovery() AS rec');
    return r[0]?.rec === false;
  });
}

async function detachStandby(primaryUrl: string, standbyUrl: string, primaryLive: () => boolean, pauseReplay: () => Promise<void>): Promise<void> {
  // A paused startup process does not act on a changed primary_conninfo: resume for the switch.
  // (What was already received gets replayed, as a promotion would do anyway.)
  const [{ s: pauseState }] = (await query<{ s: string }>(standbyUrl, 'SELECT pg_get_wal_replay_pause_state() AS s')) as [{ s: string }];
  if (pauseState !== 'not paused') await query(standbyUrl, 'SELECT pg_wal_replay_resume()');
  await query(standbyUrl, "ALTER SYSTEM SET primary_conninfo = ''");
  await query(standbyUrl, 'SELECT pg_reload_conf()');
  await poll('the standby to stop receiving WAL', 15_000, async () => {
    const [onStandby, onPrimary] = await Promise.all([
      query(standbyUrl, 'SELECT 1 FROM pg_stat_wal_receiver'),
      primaryLive() ? query(primaryUrl, 'SELECT 1 FROM pg_stat_replication WHERE application_name = $1', [STANDBY_NAME]) : [],
    ]);
    return onStandby.length === 0 && onPrimary.length === 0;
  });
  if (pauseState !== 'not paused') await pauseReplay();
}

export async function startPgCluster(opts: PgClusterOptions = {}): Promise<PgCluster> {
  if (!pgClusterAvailable()) throw new Error(`PostgreSQL 15 binaries not found in ${PG_BIN} (apt-get install postgresql-15)`);
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'vmpg-'));
  tempDirs.add(dir);
  const primaryDir = join(dir, 'primary');
  const standbyDir = join(dir, 'standby');
  const sockDir = join(dir, 'sock');
  const primary = { dataDir: primaryDir };
  const standby = { dataDir: standbyDir };
  const password = randomBytes(18).toString('base64url');
  const env = { PGPASSWORD: password, PGPASSFILE: '/dev/null', LC_ALL: 'C' };
  const pgCtl = join(PG_BIN, 'pg_ctl');
  let stopped = false;

  const stopServer = (s: { dataDir: string }, mode: 'fast' | 'immediate') => stopPgServer(pgCtl, s, mode, dir, env);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const errors: unknown[] = [];
    for (const s of [standby, primary]) await stopServer(s, 'immediate').catch((e) => errors.push(e));
    await rm(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
    if (errors.length) throw errors[0];
  };

  try {
    const pwfile = await preparePgDir(dir, sockDir, password);

    await initPrimary({ dir, primaryDir, sockDir, pwfile, env, fsync: opts.fsync === true });

    const primaryPort = await freePort(0);
    const startServer = (s: { dataDir: string }, port: number, name: string) => startPgServer(pgCtl, s, port, name, dir, env);
    await startServer(primary, primaryPort, 'primary');
    const primaryUrl = `postgres://${OWNER}:${encodeURIComponent(password)}@127.0.0.1:${primaryPort}/postgres`;

    await baseBackup({ dir, standbyDir, primaryPort, password, env });
    const standbyPort = await freePort(0);
    await startServer(standby, standbyPort, 'standby');
    const standbyUrl = `postgres://${OWNER}:${encodeURIComponent(password)}@127.0.0.1:${standbyPort}/postgres`;

    await awaitStandby(primaryUrl, opts.synchronous === true);

    const cluster: PgCluster = {
      primaryUrl,
      standbyUrl,
      ownerUrl: primaryUrl,
      ownerPassword: password,
      primaryPort,
      standbyPort,
      standbyName: STANDBY_NAME,
      dir,
      connect: (which) => connected(which === 'primary' ? primaryUrl : standbyUrl),
      waitForReplay: (timeoutMs = 30_000) => waitForReplay(primaryUrl, standbyUrl, timeoutMs),
      pauseReplay: () => pauseReplay(standbyUrl),
      resumeReplay: async () => {
        await query(standbyUrl, 'SELECT pg_wal_replay_resume()');
      },
      detachStandby: () =>
        detachStandby(
          primaryUrl,
          standbyUrl,
          () => live.has(primary),
          () => cluster.pauseReplay(),
        ),
      stopPrimary: (mode) => stopServer(primary, mode),
      promoteStandby: () => promoteStandby(standbyUrl),
      stop,
    };
    return cluster;
  } catch (e) {
    // Keep the server logs in the error: the temp directory goes away with stop().
    const logs = await serverLogTails(dir);
    await stop().catch(() => {});
    if (logs) (e as Error).message += logs;
    throw e;
  }
}
