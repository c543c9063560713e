import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // System tests each start PostgreSQL and module processes; two at a time fits a 2-core machine.
    maxWorkers: 2,
    pool: 'forks',
    // Installations the suites create price nothing (an unrated installation: postage at the amount
    // the test asks). The rates suites install tables themselves, or start with VAULTMETER_RATES=''.
    // No payments job either: the payments suites file and settle with `admin payments run`.
    env: { VAULTMETER_RATES: 'none', VAULTMETER_ACH_CUTOFF_UTC: 'off' },
  },
});
