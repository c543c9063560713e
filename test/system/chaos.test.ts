import { describe, expect, it } from 'vitest';
import { KINDS, runChaos } from '../../bench/lib/chaos.js';

// The short version of `npm run chaos` (bench/chaos.ts): one kill -9 of every process kind (a module,
// the shipper, the API server, PostgreSQL, the supervisor under its service manager), under load from
// clients using the full protocol, with every acknowledged item and every meter's registers checked
// after each kill.
describe('npm run chaos, short', () => {
  it('loses no acknowledged item and keeps every register exact through a kill of every kind', async () => {
    const lines: string[] = [];
    const report = await runChaos({
      cycles: KINDS.length,
      clients: 2,
      modules: 2,
      intervalMs: 500,
      recoverTimeoutMs: 60_000,
      seed: 20261130,
      kinds: KINDS,
      log: (l) => lines.push(l),
    });
    expect(report.problems, JSON.stringify(report.problems, null, 2)).toEqual([]);
    expect(report.checks).toBe(KINDS.length);
    expect(Object.keys(report.recoveryMs).sort()).toEqual([...KINDS].sort());
    expect(report.items).toBeGreaterThan(0);
    expect(report.supervisorStarts).toBeGreaterThanOrEqual(2); // the first start, and the one after its kill
    console.log(lines.join('\n'));
  }, 300_000);
});
