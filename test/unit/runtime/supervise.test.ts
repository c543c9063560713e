import { describe, expect, it } from 'vitest';
import { RestartBudget } from '../../../src/runtime/restart-budget.js';
import { keepRunning, type Running, type Unit } from '../../../src/runtime/supervise.js';

const POLICY = { firstDelayMs: 1, maxDelayMs: 4, windowMs: 60_000, maxRestarts: 3 };

describe('RestartBudget', () => {
  it('restarts at once, then doubles the pause up to the cap, and calls the next death past the limit a crash loop', () => {
    const b = new RestartBudget({ firstDelayMs: 200, maxDelayMs: 1000, windowMs: 60_000, maxRestarts: 5 });
    expect([0, 1, 2, 3, 4].map((i) => b.next(1000 + i))).toEqual([200, 400, 800, 1000, 1000]);
    expect(b.next(1005)).toBeNull();
    expect(b.recent).toBe(5);
  });

  it('forgets restarts older than the window', () => {
    const b = new RestartBudget({ firstDelayMs: 100, maxDelayMs: 10_000, windowMs: 1000, maxRestarts: 2 });
    expect(b.next(0)).toBe(100);
    expect(b.next(500)).toBe(200);
    expect(b.next(900)).toBeNull();
    expect(b.next(1600)).toBe(100); // both earlier restarts are past the window
  });
});

/** A unit whose every start runs until `kill()`; `failStarts` makes the next starts throw. */
function fakeUnit() {
  let kill: (why: string) => void = () => {};
  const u = {
    starts: 0,
    failStarts: 0,
    kill: (why: string) => kill(why),
    running(): Running {
      return { exited: new Promise<string>((resolve) => (kill = resolve)) };
    },
    unit: {
      name: 'the thing',
      start: async (): Promise<Running> => {
        u.starts++;
        if (u.failStarts > 0) {
          u.failStarts--;
          throw new Error('its dependency is down');
        }
        return u.running();
      },
    } satisfies Unit,
  };
  return u;
}

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('keepRunning', () => {
  it('restarts a unit that dies, and retries a start that fails', async () => {
    const u = fakeUnit();
    const lines: string[] = [];
    const restarted: string[] = [];
    keepRunning(u.unit, u.running(), {
      stopping: () => false,
      log: (l) => lines.push(l),
      onGiveUp: () => {},
      onRestart: (n) => restarted.push(n),
      policy: POLICY,
    });
    u.failStarts = 1;
    u.kill('killed by SIGKILL');
    await tick();
    expect(u.starts).toBe(2); // one failed start, then one that came up
    expect(restarted).toEqual(['the thing']);
    expect(lines.some((l) => l.includes('the thing stopped (killed by SIGKILL)'))).toBe(true);
    expect(lines.some((l) => l.includes('it failed to start: its dependency is down'))).toBe(true);
  });

  it('gives up on a crash loop, once, and says so', async () => {
    const u = fakeUnit();
    const gaveUp: string[] = [];
    keepRunning(u.unit, u.running(), { stopping: () => false, log: () => {}, onGiveUp: (why) => gaveUp.push(why), policy: POLICY });
    for (let i = 0; i < 6; i++) {
      u.kill(`exit code ${i}`);
      await tick();
    }
    expect(u.starts).toBe(POLICY.maxRestarts);
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatch(/the thing keeps dying \(3 restarts within a minute; last: exit code 3\)/);
  });

  it('does not restart while the system stops', async () => {
    const u = fakeUnit();
    let stopping = false;
    keepRunning(u.unit, u.running(), { stopping: () => stopping, log: () => {}, onGiveUp: () => {}, policy: POLICY });
    stopping = true;
    u.kill('exit code 0');
    await tick();
    expect(u.starts).toBe(0);
  });
});
