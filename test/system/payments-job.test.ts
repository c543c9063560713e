import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { addBankAccount, MeterClient } from '../../src/sdk/index.js';
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripe-standin.js';
import { startSystem, type TestSystem } from './harness.js';
import { until } from './wait.js';
import { officerFlags, rawCommand } from './api-client.js';

// The API server's own payments job: with a cut-off set it files the waiting debits at its first
// tick after the cut-off (here, the server's start), settles what is past the hold at every tick, and
// finishes the card requests a dead server left uncharged (against a Stripe stand-in).
describe('the payments job', () => {
  let standIn: StripeStandIn;
  let sys: TestSystem;
  let ann: MeterClient;
  beforeAll(async () => {
    standIn = await startStripeStandIn();
    sys = await startSystem({
      VAULTMETER_ACH_CUTOFF_UTC: '00:00',
      VAULTMETER_ACH_HOLD_HOURS: '0',
      VAULTMETER_PAYMENTS_POLL_MS: '300',
      STRIPE_SECRET_KEY: standIn.secretKey,
      VAULTMETER_STRIPE_API_BASE: standIn.base,
    });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    ann = await MeterClient.register(diskProfiles, sys.url, 'ann', 'correct horse battery');
  }, 120_000);
  afterAll(async () => {
    await sys?.stop();
    await standIn?.close();
  });

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

  it('charges and settles a card request left uncharged once it is old enough, charging it once', async () => {
    const bo = await MeterClient.register(diskProfiles, sys.url, 'bo', 'correct horse battery');
    const requestId = 'e1'.repeat(16);
    // Committed, never charged: Stripe cannot be reached (as if the server had died before the charge).
    standIn.failNext(3);
    const params = { amountMills: '6000', method: 'card', paymentMethod: 'pm_card_visa', requestId };
    const r = await rawCommand(sys.url, bo, 'fund_request', params, () => {}, { 'idempotency-key': 'job-strand' });
    expect([r.status, r.json.code]).toEqual([502, 'card_processor_unavailable']);
    // Young, it is left to the customer's retry: several ticks pass without a charge.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(standIn.intents.size).toBe(0);
    const db = await sys.ownerDb();
    try {
      await db.query("UPDATE commerce.funding_requests SET requested_at = requested_at - interval '15 minutes' WHERE request_id = $1", [requestId]);
    } finally {
      await db.end();
    }
    const status = async () => (await (await MeterClient.login(diskProfiles, 'bo', 'correct horse battery'))!.fundingRequests())[0]!.status;
    await until('the job to settle the card request', async () => (await status()) === 'settled', 30_000, 200);
    expect([...standIn.intents.values()].filter((pi) => pi.metadata.requestId === requestId)).toHaveLength(1);
    expect(standIn.calls.filter((c) => c.path.endsWith('/confirm'))).toHaveLength(1);
  });
});
