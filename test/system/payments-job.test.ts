import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { addBankAccount, MeterClient } from '../../src/sdk/index.js';
import { startSystem, type TestSystem } from './harness.js';
import { until } from './wait.js';
import { officerFlags } from './api-client.js';

// The API server's own payments job: with a cut-off set it files the waiting debits at its first
// tick after the cut-off (here, the server's start), and settles what is past the hold at every tick.
describe('the payments job', () => {
  let sys: TestSystem;
  let ann: MeterClient;
  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_ACH_CUTOFF_UTC: '00:00', VAULTMETER_ACH_HOLD_HOURS: '0', VAULTMETER_PAYMENTS_POLL_MS: '300' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    ann = await MeterClient.register(diskProfiles, sys.url, 'ann', 'correct horse battery');
  }, 120_000);
  afterAll(async () => sys?.stop());

  it('settles a filed debit by itself, and files nothing twice for one cut-off', async () => {
    const { bankAccountId } = await addBankAccount(ann, { routingNumber: '021000021', accountNumber: '123456789', accountType: 'checking', holderName: 'Ann' });
    const r = await ann.requestFunding({ amountMills: 30_000n, bankAccountId });
    // The first tick was at the start, before the request: the job waits for the next cut-off to file it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await ann.fundingRequests())[0]).toMatchObject({ requestId: r.requestId, status: 'requested' });
    const run = await sys.cli(['admin', 'payments', 'run', '--file-only', '--json', ...officerFlags(sys.url, sys.officer)]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.files).toHaveLength(1);
    await until('the job to settle the debit', async () => (await ann.fundingRequests())[0]!.status === 'settled', 30_000, 100);
    expect((await ann.balance()).drMills).toBe(30_000n);
    expect((await readdir(join(sys.env.VAULTMETER_HOME!, 'bank-outbox'))).filter((n) => n.endsWith('.txt'))).toHaveLength(1);
  });
});
