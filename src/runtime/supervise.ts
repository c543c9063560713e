import type { ChildProcess } from 'node:child_process';
import { RestartBudget, type RestartPolicy } from './restart-budget.js';

/** A running process, and why it stopped, once it has. */
export interface Running {
  readonly exited: Promise<string>;
}

/** A process the supervisor keeps running: `start` resolves once it is up. */
export interface Unit {
  readonly name: string;
  start(): Promise<Running>;
}

export interface KeepRunningOptions {
  readonly stopping: () => boolean;
  readonly log: (line: string) => void;
  /** Called once when the unit is in a crash loop and will not be restarted again. */
  readonly onGiveUp: (why: string) => void;
  /** Called after each restart that brought the unit up again. */
  readonly onRestart?: (name: string) => void;
  readonly policy?: RestartPolicy;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Restart `unit` whenever it stops, until the system stops or the unit is in a crash loop. A start
 * that fails (its dependency is down too: the database, say) counts as a death, so it is retried
 * with the same growing pause.
 */
export function keepRunning(unit: Unit, running: Running, o: KeepRunningOptions): void {
  const budget = new RestartBudget(o.policy);
  const loop = async () => {
    let why = await running.exited;
    while (!o.stopping()) {
      const delayMs = budget.next(Date.now());
      if (delayMs === null) {
        const msg = `${unit.name} keeps dying (${budget.recent} restarts within a minute; last: ${why}); not restarting it`;
        o.log(msg);
        return o.onGiveUp(msg);
      }
      o.log(`${unit.name} stopped (${why}); restarting in ${delayMs} ms`);
      await sleep(delayMs);
      if (o.stopping()) return;
      try {
        const next = await unit.start();
        o.log(`${unit.name} is running again`);
        o.onRestart?.(unit.name);
        why = await next.exited;
      } catch (e) {
        why = `it failed to start: ${(e as Error).message}`;
      }
    }
  };
  void loop();
}

/** A child process as a running unit. */
export function runningChild(child: ChildProcess, children: Set<ChildProcess>): Running {
  return { exited: exitOf(child, children) };
}

function exitOf(child: ChildProcess, children: Set<ChildProcess>): Promise<string> {
  return new Promise((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      children.delete(child);
      resolve(signal ? `killed by ${signal}` : `exit code ${code}`);
    };
    if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode, child.signalCode);
    child.once('exit', done);
  });
}
