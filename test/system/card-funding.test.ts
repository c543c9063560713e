import { rm } from 'node:fs/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { ApiError, MeterClient } from '../../src/sdk/index.js';
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripe-standin.js';
import type { LooseJson } from '../helpers/loose-json.js';
import { pdfText } from '../unit/labels/fixtures.js';
import { letter, officerFlags, post, rawCommand, revokeAs, type RawAnswer } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 14 item 4, cards: a customer funds their meter by card, through the official stripe SDK in
// the API server, here against a local stand-in of Stripe's API. The MAC'd request waits in the
// package; the server charges the card (one PaymentIntent per request id) and the module settles it
// at once; a decline cancels it; Stripe's signed webhook settles late payments and turns a dispute
// into a return (owed, suspended).

const PW = 'correct horse battery';
const codeOf = (e: unknown) => (e instanceof ApiError ? e.code : e);

describe('card funding, through real processes and a Stripe stand-in', () => {
  let standIn: StripeStandIn;
  let sys: TestSystem;
  /** The first system's directory, kept when it restarts without Stripe, removed at the end. */
  let firstDir: string | null = null;
  let db: pg.Client;
  let ann: MeterClient;
  let bob: MeterClient;
  let carl: MeterClient;
  const login = (user: string, url = sys.url) => MeterClient.login(diskProfiles, user, PW, { server: url }).then((c) => c!);
  const requestRow = async (requestId: string) =>
    (
      await db.query(
        'SELECT method, status, payment_method, payment_intent_id, return_code, owed_mills, bank_account_id FROM commerce.funding_requests WHERE request_id = $1',
        [requestId],
      )
    ).rows[0];
  const counts = async () =>
    (
      await db.query<{ requests: number; log: number }>(
        `SELECT (SELECT count(*)::int FROM commerce.funding_requests) AS requests, (SELECT count(*)::int FROM postal.txlog WHERE type <> 'provision') AS log`,
      )
    ).rows[0]!;
  const intentsOf = (requestId: string) => [...standIn.intents.values()].filter((pi) => pi.metadata.requestId === requestId);
  const webhook = async (body: string, signature?: string, url = sys.url): Promise<RawAnswer> =>
    post(url, '/v1/webhooks/stripe', body, signature === undefined ? {} : { 'stripe-signature': signature });
  const cardParams = (requestId: string, amountMills: string, paymentMethod = 'pm_card_visa') => ({ amountMills, method: 'card', paymentMethod, requestId });
  /** A raw card fund_request, and the exact body sent, to send again (a client's retry after a lost answer). */
  const rawCard = async (client: MeterClient, params: Record<string, string>, key: string) => {
    let body: Record<string, LooseJson> = {};
    const first = await rawCommand(sys.url, client, 'fund_request', params, (b) => (body = structuredClone(b)), { 'idempotency-key': key });
    const again = () =>
      post(sys.url, `/v1/meters/${client.meterId}/fund_request`, body, { authorization: `Bearer ${client.sessionToken}`, 'idempotency-key': key });
    return { first, again };
  };

  beforeAll(async () => {
    standIn = await startStripeStandIn();
    sys = await startSystem({
      STRIPE_SECRET_KEY: standIn.secretKey,
      STRIPE_WEBHOOK_SECRET: standIn.webhookSecret,
      VAULTMETER_STRIPE_API_BASE: standIn.base,
      VAULTMETER_ACH_CUTOFF_UTC: 'off',
    });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    db = await sys.ownerDb();
    ann = await MeterClient.register(diskProfiles, sys.url, 'ann', PW);
    bob = await MeterClient.register(diskProfiles, sys.url, 'bob', PW);
    carl = await MeterClient.register(diskProfiles, sys.url, 'carl', PW);
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
    await standIn?.close();
    if (firstDir) await rm(firstDir, { recursive: true, force: true });
  });

  it('a card payment credits the meter at once, exactly once; a retry of the same request charges nothing more', async () => {
    const before = await ann.balance();
    const r = await ann.requestCardFunding({ amountMills: 25_000n, paymentMethod: 'pm_card_visa' });
    expect(r).toMatchObject({ method: 'card', status: 'settled' });
    expect(r.paymentIntentId).toMatch(/^pi_/);
    expect((await ann.balance()).drMills).toBe(before.drMills + 25_000n);
    expect(await requestRow(r.requestId)).toMatchObject({
      method: 'card',
      status: 'settled',
      payment_method: 'pm_card_visa',
      payment_intent_id: r.paymentIntentId,
      bank_account_id: null,
    });
    // One PaymentIntent: $25.00 in cents, usd, the request id as Stripe's idempotency key and in its metadata.
    expect(intentsOf(r.requestId)).toEqual([
      expect.objectContaining({
        id: r.paymentIntentId,
        amount: 2_500,
        currency: 'usd',
        status: 'succeeded',
        metadata: { meterId: ann.meterId, requestId: r.requestId },
      }),
    ]);
    expect(standIn.calls.filter((c) => c.path === '/v1/payment_intents').map((c) => c.idempotencyKey)).toEqual([r.requestId]);
    expect((await ann.fundingRequests()).map((f) => [f.requestId, f.method, f.status])).toEqual([[r.requestId, 'card', 'settled']]);
    const receipt = (await pdfText(await ann.fundingReceipt(r.requestId))).replace(/\s+/g, ' ');
    for (const part of ['Amount $25.00', 'Paid by Card, through Stripe', `Stripe payment ${r.paymentIntentId}`]) expect(receipt).toContain(part);

    // The same request again (a client that lost the answer): the same answer, no second charge or settlement.
    const requestId = 'c1'.repeat(16);
    const { first, again } = await rawCard(ann, cardParams(requestId, '10000'), 'card-retry');
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    expect(first.json.fundingRequest).toMatchObject({ requestId, status: 'settled' });
    const replayed = await again();
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('idempotency-replayed')).toBe('true');
    expect(replayed.json.fundingRequest).toEqual(first.json.fundingRequest);
    ann = await login('ann');
    // A new request with the spent request id: refused by the package, whatever the key.
    const dup = await rawCommand(sys.url, ann, 'fund_request', cardParams(requestId, '10000'), () => {}, { 'idempotency-key': 'card-dup' });
    expect(dup.json.code).toBe('funding_request_duplicate');
    ann = await login('ann');
    expect(intentsOf(requestId)).toHaveLength(1);
    expect((await ann.balance()).drMills).toBe(before.drMills + 35_000n);
    const settled = await db.query("SELECT count(*)::int AS n FROM commerce.funding_requests WHERE meter_id = $1 AND status = 'settled'", [ann.meterId]);
    expect(settled.rows[0].n).toBe(2);
    const cli = await sys.cli(['client', 'fund', '12.50', '--card', '--payment-method', 'pm_card_visa', '--user', 'ann', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.json).toMatchObject({ amountMills: '12500', method: 'card', status: 'settled', drMills: (before.drMills + 47_500n).toString() });
  });

  it('a declined card cancels the request: nothing credited, nothing owed, the meter still in service', async () => {
    const before = await carl.balance();
    const e = await carl.requestCardFunding({ amountMills: 5_000n, paymentMethod: 'pm_card_chargeDeclined' }).catch((x: unknown) => x);
    expect(codeOf(e)).toBe('card_declined');
    expect((e as ApiError).status).toBe(402);
    const [row] = (await carl.fundingRequests()).map((f) => f);
    expect(await requestRow(row!.requestId)).toMatchObject({ status: 'returned', return_code: 'card_declined', owed_mills: 0n });
    expect(intentsOf(row!.requestId)).toEqual([expect.objectContaining({ status: 'requires_payment_method' })]);
    // The client adopted the module's answer: it goes on, with the same registers, and may pay by another card.
    expect((await carl.balance()).drMills).toBe(before.drMills);
    expect(await carl.requestCardFunding({ amountMills: 5_000n, paymentMethod: 'pm_card_visa' })).toMatchObject({ status: 'settled' });
    expect(await carl.print(letter(730n))).toMatchObject({ amountMills: 730n });
  });

  it('a processor that cannot answer leaves the request pending; the retry with the same key charges once', async () => {
    const requestId = 'c2'.repeat(16);
    standIn.failNext(3);
    const { first, again } = await rawCard(bob, cardParams(requestId, '7000'), 'card-unavailable');
    expect([first.status, first.json.code]).toEqual([502, 'card_processor_unavailable']);
    // The problem carries the module's MAC'd answer, so a client takes the next challenge.
    expect(Object.keys(first.json)).toEqual(expect.arrayContaining(['response', 'responseMac', 'requestId']));
    expect(await requestRow(requestId)).toMatchObject({ status: 'requested' });
    const retried = await again();
    expect(retried.status, JSON.stringify(retried.json)).toBe(200);
    expect(retried.json.fundingRequest).toMatchObject({ requestId, status: 'settled' });
    expect(intentsOf(requestId)).toHaveLength(1);
    bob = await login('bob');
    expect((await bob.balance()).drMills).toBe(7_000n);
  });

  it('the webhook settles a payment that finished later, once', async () => {
    const before = await bob.balance();
    const e = await bob.requestCardFunding({ amountMills: 3_000n, paymentMethod: 'pm_card_authenticationRequired' }).catch((x: unknown) => x);
    expect(codeOf(e)).toBe('card_payment_incomplete');
    const requestId = (await bob.fundingRequests()).find((f) => f.status === 'requested')!.requestId;
    const [pi] = intentsOf(requestId);
    // The cardholder completes 3-D Secure with Stripe.js; Stripe tells us.
    Object.assign(pi!, { status: 'succeeded', amount_received: pi!.amount });
    const event = standIn.signedEvent('payment_intent.succeeded', { ...pi! });
    const done = await webhook(event.body, event.signature);
    expect(done.status, JSON.stringify(done.json)).toBe(200);
    expect(done.json).toMatchObject({ received: true, outcome: 'settled', requestId });
    expect(await requestRow(requestId)).toMatchObject({ status: 'settled', payment_intent_id: pi!.id });
    const log = (await counts()).log;
    const replay = await webhook(event.body, event.signature);
    expect(replay.json).toMatchObject({ outcome: 'unchanged' });
    expect((await counts()).log).toBe(log);
    expect((await bob.balance()).drMills).toBe(before.drMills + 3_000n);
  });

  /** Three card requests a server left between the commit and the charge (see the sweep's test). */
  const stranded = { visa: 'd1'.repeat(16), declined: 'd2'.repeat(16), authentication: 'd3'.repeat(16) };
  let dora: MeterClient;
  const sweep = (json = true) => sys.cli(['admin', 'payments', 'run', '--settle-only', ...(json ? ['--json'] : []), ...officerFlags(sys.url, sys.officer)]);
  /** The idempotency keys the confirmations of a request's PaymentIntents were sent with (Stripe applies one key once). */
  const confirmKeysOf = (requestId: string) => {
    const ids = new Set(intentsOf(requestId).map((pi) => pi.id));
    return [...new Set(standIn.calls.filter((c) => ids.has(c.path.split('/')[3] ?? '') && c.path.endsWith('/confirm')).map((c) => c.idempotencyKey))];
  };

  it('a payments run finishes the card requests a dead server left uncharged, each as a retry would: charged once', async () => {
    dora = await MeterClient.register(diskProfiles, sys.url, 'dora', PW);
    // The server "dies" between the commit and the charge: the request is committed, Stripe never reached.
    for (const [pm, requestId] of [
      ['pm_card_visa', stranded.visa],
      ['pm_card_chargeDeclined', stranded.declined],
      ['pm_card_authenticationRequired', stranded.authentication],
    ] as const) {
      standIn.failNext(3);
      const r = await rawCommand(sys.url, dora, 'fund_request', cardParams(requestId, '4000', pm), () => {}, { 'idempotency-key': `strand-${requestId}` });
      expect([r.status, r.json.code]).toEqual([502, 'card_processor_unavailable']);
      expect(intentsOf(requestId)).toEqual([]);
      dora = await login('dora');
    }
    // And one whose meter is revoked before any run: its card must not be charged at all (the run leaves it out).
    const eve = await MeterClient.register(diskProfiles, sys.url, 'eve', PW);
    standIn.failNext(3);
    const evesRequest = 'd4'.repeat(16);
    const eves = await rawCard(eve, cardParams(evesRequest, '4000'), 'strand-eve');
    expect([eves.first.status, eves.first.json.code]).toEqual([502, 'card_processor_unavailable']);
    expect((await revokeAs(sys.url, sys.officer, 'eve', 'fraud')).status).toBe(200);
    // Too young: a live request may still be charging it.
    const early = await sweep();
    expect(early.code, early.stderr).toBe(0);
    expect(early.json.cards).toEqual([]);
    await db.query("UPDATE commerce.funding_requests SET requested_at = requested_at - interval '15 minutes' WHERE request_id = ANY($1::text[])", [
      [...Object.values(stranded), evesRequest],
    ]);
    const run = await sweep();
    expect(run.code, run.stderr).toBe(0);
    const base = { meterId: dora.meterId, amountMills: '4000' };
    expect(run.json.cards).toEqual([
      { ...base, requestId: stranded.visa, outcome: 'settled' },
      { ...base, requestId: stranded.declined, outcome: 'cancelled', code: 'card_declined' },
      { ...base, requestId: stranded.authentication, outcome: 'pending', code: 'requires_action' },
    ]);
    // Nor does the customer's retry charge it.
    const retried = await eves.again();
    expect([retried.status, retried.json.code]).toEqual([403, 'funding_refused']);
    expect(intentsOf(evesRequest)).toEqual([]);
    expect(await requestRow(evesRequest)).toMatchObject({ status: 'requested' });
    const [visaIntent] = intentsOf(stranded.visa);
    expect(await requestRow(stranded.visa)).toMatchObject({ status: 'settled', payment_intent_id: visaIntent!.id });
    expect(await requestRow(stranded.declined)).toMatchObject({ status: 'returned', return_code: 'card_declined', owed_mills: 0n });
    expect(await requestRow(stranded.authentication)).toMatchObject({ status: 'requested' });
    expect((await dora.balance()).drMills).toBe(4_000n);

    // The next run leaves the finished ones alone and asks Stripe again for the one waiting on its cardholder:
    // under the same idempotency keys, so still one PaymentIntent and one confirmation each.
    const again = await sweep(false);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('stranded card requests: 0 settled, 0 cancelled, 1 pending, 0 failed');
    for (const requestId of Object.values(stranded)) {
      expect(intentsOf(requestId), requestId).toHaveLength(1);
      expect(confirmKeysOf(requestId), requestId).toEqual([`${requestId}-confirm`]);
    }
    // The settled one was confirmed by exactly one call, the sweep's.
    expect(standIn.calls.filter((c) => c.path === `/v1/payment_intents/${visaIntent!.id}/confirm`)).toHaveLength(1);
    expect((await dora.balance()).drMills).toBe(4_000n);
  }, 60_000);

  it('the webhook refuses an event whose PaymentIntent names another meter than its request, and changes nothing', async () => {
    const [pi] = intentsOf(stranded.authentication);
    Object.assign(pi!, { status: 'succeeded', amount_received: pi!.amount });
    const before = await counts();
    for (const metadata of [{ ...pi!.metadata, meterId: bob.meterId }, { requestId: stranded.authentication }]) {
      const crossed = standIn.signedEvent('payment_intent.succeeded', { ...pi!, metadata });
      const r = await webhook(crossed.body, crossed.signature);
      expect([r.status, r.json.code], JSON.stringify(r.json)).toEqual([422, 'webhook_meter_mismatch']);
      expect(r.json.requestId).toBe(stranded.authentication);
    }
    // A refund whose charge names another meter than the settled request it resolves to: refused as well.
    const [visa] = intentsOf(stranded.visa);
    const refund = standIn.signedEvent('charge.refunded', {
      id: visa!.latest_charge,
      object: 'charge',
      payment_intent: visa!.id,
      metadata: { meterId: bob.meterId },
    });
    expect((await webhook(refund.body, refund.signature)).json.code).toBe('webhook_meter_mismatch');
    expect(await counts()).toEqual(before);
    expect(await requestRow(stranded.authentication)).toMatchObject({ status: 'requested' });
    expect(await requestRow(stranded.visa)).toMatchObject({ status: 'settled' });
    expect((await dora.balance()).drMills).toBe(4_000n);
    // The true event settles it.
    const real = standIn.signedEvent('payment_intent.succeeded', { ...pi! });
    expect((await webhook(real.body, real.signature)).json).toMatchObject({ outcome: 'settled', requestId: stranded.authentication });
    expect((await dora.balance()).drMills).toBe(8_000n);
  });

  it('refuses an unsigned or tampered event and changes nothing', async () => {
    const before = await counts();
    const [pi] = intentsOf((await ann.fundingRequests())[0]!.requestId);
    const event = standIn.signedEvent('charge.dispute.created', { id: 'dp_x', object: 'dispute', payment_intent: pi!.id, charge: pi!.latest_charge });
    for (const [body, signature] of [
      [event.body, undefined],
      [event.body.replace('dp_x', 'dp_y'), event.signature],
      [event.body, standIn.signedEvent('x', {}, 'whsec_someone_else').signature],
    ] as const) {
      const r = await webhook(body, signature);
      expect([r.status, r.json.code]).toEqual([400, 'webhook_signature_invalid']);
    }
    expect(await counts()).toEqual(before);
    expect(await requestRow(pi!.metadata.requestId!)).toMatchObject({ status: 'settled' });
  });

  it('a dispute after settlement records the amount as owed and suspends the meter; a replay changes nothing', async () => {
    const [latest] = await ann.fundingRequests();
    const [pi] = intentsOf(latest!.requestId);
    const event = standIn.signedEvent('charge.dispute.created', { id: 'dp_1', object: 'dispute', payment_intent: pi!.id, charge: pi!.latest_charge });
    const r = await webhook(event.body, event.signature);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ outcome: 'owed', requestId: latest!.requestId });
    expect(await requestRow(latest!.requestId)).toMatchObject({ status: 'returned', return_code: 'card_disputed', owed_mills: 12_500n });
    expect(codeOf(await ann.print(letter(730n)).catch((x: unknown) => x))).toBe('debit_returned');
    const before = await counts();
    expect((await webhook(event.body, event.signature)).json).toMatchObject({ outcome: 'unchanged' });
    const refund = standIn.signedEvent('charge.refunded', { id: pi!.latest_charge, object: 'charge', payment_intent: pi!.id, refunded: true });
    expect((await webhook(refund.body, refund.signature)).json).toMatchObject({ outcome: 'unchanged' });
    expect(await counts()).toEqual(before);
  });

  it('without STRIPE_SECRET_KEY a card request is refused and nothing changes', async () => {
    const home = sys.env.VAULTMETER_HOME!;
    await db.end();
    await sys.stop(true);
    firstDir = sys.dir;
    sys = await startSystem({ VAULTMETER_HOME: home, VAULTMETER_CLIENT_HOME: process.env.VAULTMETER_CLIENT_HOME, VAULTMETER_ACH_CUTOFF_UTC: 'off' });
    db = await sys.ownerDb();
    carl = await login('carl');
    const before = await counts();
    const intents = standIn.intents.size;
    const e = await carl.requestCardFunding({ amountMills: 5_000n, paymentMethod: 'pm_card_visa' }).catch((x: unknown) => x);
    expect(codeOf(e)).toBe('card_payments_disabled');
    expect((e as ApiError).status).toBe(422);
    expect((await counts()).requests).toBe(before.requests);
    expect(standIn.intents.size).toBe(intents);
    const hook = await webhook('{}', 't=1,v1=00');
    expect([hook.status, hook.json.code]).toEqual([422, 'card_payments_disabled']);
    // The refusal spent the challenge, and the client goes on.
    await carl.balance();
  }, 120_000);
});
