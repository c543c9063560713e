import { describe, expect, it } from 'vitest';
import { runFuzz } from '../../bench/lib/fuzz.js';

// The short version of `npm run fuzz` (bench/fuzz.ts): requests drawn with fast-check from the running
// server's /openapi.json (junk, mutated and oversized bodies, junk path parameters, bad and foreign
// credentials, correctly MAC'd requests altered or sent with another customer's session), plus signed
// baselines replayed three ways. No 5xx, no crash of the API server, and no value-bearing change that
// the signed requests do not account for.
describe('npm run fuzz, short', () => {
  it('answers 2,000 fuzzed requests without a 5xx, a crash or an unexplained change of value', async () => {
    const lines: string[] = [];
    const report = await runFuzz({ requests: 2000, seed: 20261201, concurrency: 8, chunk: 500, progressEvery: 1000, log: (l) => lines.push(l) });
    const problems = { serverErrors: report.serverErrors, crashes: report.crashes, unexplained: report.unexplained };
    expect(report.serverErrorCount, JSON.stringify(problems, null, 2)).toBe(0);
    expect(report.crashes, JSON.stringify(problems, null, 2)).toEqual([]);
    expect(report.unexplained, JSON.stringify(problems, null, 2)).toEqual([]);
    expect(report.requests).toBe(2000);
    // Every route was aimed at, and the replays of signed requests were all refused (or the stored answer).
    expect(Object.keys(report.statusByRoute).length).toBeGreaterThanOrEqual(20);
    expect(report.replays.accepted).toBe(0);
    expect(report.replays.sent).toBe(12);
    expect(report.oversizeNot413).toEqual({});
    // Every 4xx is problem JSON, also those decided before a route runs (a malformed header or path).
    expect(report.notProblemJson).toEqual({});
    console.log(`${lines.join('\n')}\n${report.requests} requests, ${report.requestsPerSec}/s, setup ${report.setupSeconds} s`);
  }, 150_000);
});
