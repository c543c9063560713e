import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../src/runtime/init.js';
import type { BenchOfficer } from './fund.js';
import { run } from './system.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'vaultmeter.js');

/**
 * An installation run the way production runs it: `vaultmeter start` under a service manager that
 * starts it again whenever it exits (as the systemd unit does, RestartSec=`restartDelayMs`). The
 * supervisor can then be killed like any other process.
 */
export class ManagedSystem {
  private child: ChildProcess | null = null;
  private stopping = false;
  /** Every line the supervisors wrote to stderr, newest last (bounded). */
  readonly recentLog: string[] = [];
  supervisorStarts = 0;
  /** When the running supervisor said it was ready (0: not yet). */
  readyAtMs = 0;

  private constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
    readonly officer: BenchOfficer,
    readonly ownerUrl: string,
    readonly url: string,
    private readonly restartDelayMs: number,
  ) {}

  static async create(o: { modules: number; restartDelayMs: number; env?: NodeJS.ProcessEnv }): Promise<ManagedSystem> {
    const dir = await mkdtemp(join(tmpdir(), 'vmchaos-'));
    await chmod(dir, 0o711);
    const port = await freePort(0);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VAULTMETER_HOME: join(dir, 'home'),
      VAULTMETER_CLIENT_HOME: join(dir, 'client'),
      VAULTMETER_PASSPHRASE: 'chaos passphrase, not for production',
      PORT: String(port),
      // Every suite prints 1-mill letters: an installation without rate tables (bench:rates measures one with them).
      VAULTMETER_RATES: 'none',
      ...o.env,
    };
    const init = JSON.parse((await run(CLI, ['init', '--modules', String(o.modules), '--json'], env)).trim());
    const config = JSON.parse(await readFile(join(dir, 'home', 'config.json'), 'utf8'));
    const ownerUrl = `postgres://postgres:${encodeURIComponent(config.embedded.ownerPassword)}@127.0.0.1:${config.embedded.port}/postgres`;
    const sys = new ManagedSystem(dir, env, init.officer as BenchOfficer, ownerUrl, `http://127.0.0.1:${port}`, o.restartDelayMs);
    await sys.launch();
    return sys;
  }

  get home(): string {
    return this.env.VAULTMETER_HOME!;
  }

  /** The supervisor's pid once it is ready, or null between its death and its restart's ready line. */
  get supervisorPid(): number | null {
    return this.readyAtMs > 0 && this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid! : null;
  }

  /** Start the supervisor and wait for its ready line; a start that fails is retried, as a service manager would. */
  private async launch(): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      try {
        await this.startOnce();
        return;
      } catch (e) {
        this.remember(`service manager: start failed: ${(e as Error).message.split('\n')[0]}`);
        await new Promise((r) => setTimeout(r, this.restartDelayMs));
      }
    }
  }

  private startOnce(): Promise<void> {
    this.supervisorStarts++;
    const child = spawn(process.execPath, [CLI, 'start', '--json'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    createInterface({ input: child.stderr! }).on('line', (l) => this.remember(l));
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if ((JSON.parse(line) as { ready?: boolean }).ready) {
          ready = true;
          this.readyAtMs = Date.now();
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        this.readyAtMs = 0;
        if (!ready) return reject(new Error(`vaultmeter start exited (${code ?? signal}) before it was ready`));
        if (this.stopping) return;
        this.remember(`service manager: the supervisor exited (${code ?? signal}); starting it again in ${this.restartDelayMs} ms`);
        setTimeout(() => void this.launch(), this.restartDelayMs);
      });
    });
  }

  private remember(line: string): void {
    this.recentLog.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (this.recentLog.length > 200) this.recentLog.shift();
  }

  async stop(keep = false): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    if (!keep) await rm(this.dir, { recursive: true, force: true });
  }
}
