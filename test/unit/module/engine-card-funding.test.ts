import { describe, expect, it } from 'vitest';
import { makeEngine, registeredMeter, rejectsWith, T0 } from '../helpers/engine.js';

// A card payment as the module sees it: the customer's MAC'd fund_request with method `card` names
// a Stripe PaymentMethod and waits in the package; the module settles it with no hold, or cancels it
// (a failed payment: nothing credited, nothing owed), and a dispute after settlement is a return.

const id = (n: number) => n.toString(16).padStart(32, '0');

async function meter() {
  const { engine, clock } = await makeEngine();
  const c = await registeredMeter(engine, T0);
  return { engine, clock, c };
}

describe('MeterEngine card funding', () => {
  it('keeps a card request pending, then settles it at once (no ACH hold)', async () => {
    const { engine, c } = await meter();
    const r = await c.send('fund_request', { amountMills: '25000', method: 'card', paymentMethod: 'pm_card_visa', requestId: id(1) });
    expect(r.response.status).toBe('ok');
    expect(r.response.result).toMatchObject({ requestId: id(1), method: 'card', paymentMethod: 'pm_card_visa', amountMills: '25000' });
    expect(r.response.result.debitAuthorization).toBeUndefined();
    expect(r.response.drMills).toBe('0');
    const settled = await engine.debit({ pkg: c.pkg, requestId: id(1), action: 'settle', paymentIntentId: 'pi_123' });
    expect(settled).toMatchObject({ outcome: 'settled', amountMills: '25000', drMills: '25000' });
    c.pkg = settled.package;
    await rejectsWith(() => engine.debit({ pkg: c.pkg, requestId: id(1), action: 'settle' }), 'funding_request_unknown');
  });

  it('cancels a failed card payment: nothing credited, nothing owed, still in service', async () => {
    const { engine, c } = await meter();
    expect(
      (await c.send('fund_request', { amountMills: '5000', method: 'card', paymentMethod: 'pm_card_chargeDeclined', requestId: id(2) })).response.status,
    ).toBe('ok');
    await rejectsWith(() => engine.debit({ pkg: c.pkg, requestId: id(2), action: 'cancel' }), 'invalid_request');
    const cancelled = await engine.debit({ pkg: c.pkg, requestId: id(2), action: 'cancel', returnCode: 'card_declined', paymentIntentId: 'pi_9' });
    expect(cancelled).toMatchObject({ outcome: 'cancelled', owedMills: '0', state: 'operational', drMills: '0' });
    c.pkg = cancelled.package;
    expect((await c.send('balance')).response.status).toBe('ok');
  });

  it('a dispute after settlement is owed and suspends the meter', async () => {
    const { engine, c } = await meter();
    await c.send('fund_request', { amountMills: '4000', method: 'card', paymentMethod: 'pm_card_visa', requestId: id(3) });
    c.pkg = (await engine.debit({ pkg: c.pkg, requestId: id(3), action: 'settle' })).package;
    // A settled card payment is not cancelled: only the processor's dispute or refund takes it back.
    await rejectsWith(() => engine.debit({ pkg: c.pkg, requestId: id(3), action: 'cancel', returnCode: 'card_declined' }), 'funding_request_unknown');
    const returned = await engine.debit({ pkg: c.pkg, requestId: id(3), action: 'return', returnCode: 'card_disputed' });
    expect(returned).toMatchObject({ outcome: 'owed', owedMills: '4000', state: 'suspended' });
  });

  it('refuses a card request without a PaymentMethod, with a bank account, or an unknown method; and an ACH debit is never cancelled', async () => {
    const { engine, c } = await meter();
    const refused = async (params: Record<string, string>) => (await c.send('fund_request', { amountMills: '1000', requestId: id(9), ...params })).response;
    expect(await refused({ method: 'card' })).toMatchObject({ status: 'invalid_request' });
    expect(await refused({ method: 'card', paymentMethod: 'card_4242' })).toMatchObject({ status: 'invalid_request' });
    expect(await refused({ method: 'card', paymentMethod: 'pm_card_visa', bankAccountId: '0b0e7c0e-7c47-4d7e-9f5e-6d1f3d0c9a11' })).toMatchObject({
      status: 'invalid_request',
    });
    expect(await refused({ method: 'cash', paymentMethod: 'pm_card_visa' })).toMatchObject({ status: 'invalid_request' });
    await c.send('fund_request', { amountMills: '1000', bankAccountId: '0b0e7c0e-7c47-4d7e-9f5e-6d1f3d0c9a11', requestId: id(10) });
    await rejectsWith(() => engine.debit({ pkg: c.pkg, requestId: id(10), action: 'cancel', returnCode: 'card_declined' }), 'invalid_request');
    await rejectsWith(() => engine.debit({ pkg: c.pkg, requestId: id(10), action: 'settle', paymentIntentId: 'ch_1' }), 'invalid_request');
  });
});
