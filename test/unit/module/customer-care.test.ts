import { describe, expect, it } from 'vitest';
import { MAX_FAILED_LOGINS } from '../../../src/constants.js';
import { openResetPassword, webClientCrypto } from '../../../src/sdk/index.js';
import type { CustomerCareArgs } from '../../../src/module/messages.js';
import { effectsOf } from '../../../src/ledger/index.js';
import { makeEngine, officerFund, PASSWORD, registeredMeter, rejectsWith, signedBy, T0, type Signer, type TestClient } from '../helpers/engine.js';

// Customer care's acts in the module: only on two officers' statement naming exactly the act, at
// least one a security officer; the password reset's answer opens only with the client MAC key.

async function fundedMeter(mills = '5000') {
  const made = await makeEngine();
  const c = await registeredMeter(made.engine, T0);
  c.pkg = (await made.engine.fund(officerFund(c.pkg, mills))).package;
  await c.send('balance');
  return { ...made, c };
}

function careArgs(c: TestClient, act: string, signers: readonly Signer[], extra: { amountMills?: string; reason?: string } = {}): CustomerCareArgs {
  const reason = extra.reason ?? 'customer called, identity checked';
  const params: Record<string, string> = { meterId: c.meterId, reason, ...(extra.amountMills ? { amountMills: extra.amountMills } : {}) };
  const authorization = signedBy(act as 'adjust_balance', params, signers);
  return { pkg: c.pkg, act, reason, ...(extra.amountMills ? { amountMills: extra.amountMills } : {}), authorization, actor: signers[signers.length - 1] };
}

describe('customer care acts are dual control, checked in the module', () => {
  it('refuses one signature, two support-free officers of the wrong kind, or a statement for another amount', async () => {
    const { engine, c } = await fundedMeter();
    await rejectsWith(engine.care(careArgs(c, 'adjust_balance', ['unit-so1'], { amountMills: '100' })), 'officer_signature_invalid');
    await rejectsWith(engine.care(careArgs(c, 'adjust_balance', ['unit-support', 'unit-operator'], { amountMills: '100' })), 'officer_signature_invalid');
    await rejectsWith(engine.care(careArgs(c, 'adjust_balance', ['unit-so1', 'unit-so1'], { amountMills: '100' })), 'dual_control');
    const signed = careArgs(c, 'adjust_balance', ['unit-support', 'unit-so1'], { amountMills: '100' });
    await rejectsWith(engine.care({ ...signed, amountMills: '100000' }), 'officer_signature_invalid');
    await rejectsWith(engine.care({ ...signed, reason: 'another reason' }), 'officer_signature_invalid');
    await rejectsWith(engine.care({ ...signed, actor: 'someone-else' }), 'officer_signature_invalid');
    await rejectsWith(engine.care({ ...signed, authorization: undefined }), 'officer_signature_required');
  });

  it("refuses a support agent's signature on a funding, whatever the server lets through", async () => {
    const { engine, c } = await fundedMeter();
    const authorization = signedBy('fund', { meterId: c.meterId, amountMills: '100' }, ['unit-support']);
    await rejectsWith(engine.fund({ pkg: c.pkg, amountMills: '100', actor: 'unit-support', authorization }), 'officer_signature_invalid');
  });

  it('adjusts the balance both ways, the control total with it, and spends the statement', async () => {
    const { engine, c } = await fundedMeter();
    const credit = careArgs(c, 'adjust_balance', ['unit-support', 'unit-so1'], { amountMills: '1500' });
    const up = await engine.care(credit);
    expect([up.drMills, up.amountMills, up.officers]).toEqual(['6500', '1500', ['unit-support', 'unit-so1']]);
    await rejectsWith(engine.care({ ...credit, pkg: up.package }), 'officer_statement_spent');
    c.pkg = up.package;
    expect((await c.send('balance')).response.drMills).toBe('6500');
    const down = await engine.care(careArgs(c, 'adjust_balance', ['unit-so2', 'unit-so1'], { amountMills: '-6000' }));
    expect([down.drMills, down.amountMills]).toEqual(['500', '-6000']);
    c.pkg = down.package;
    // The client learns of the debit in its next answer, as of a credit: no stale_registers.
    expect((await c.send('balance')).response.drMills).toBe('500');
    await rejectsWith(engine.care(careArgs(c, 'adjust_balance', ['unit-support', 'unit-so2'], { amountMills: '-501' })), 'insufficient_funds');
    await rejectsWith(engine.care(careArgs(c, 'adjust_balance', ['unit-support', 'unit-so2'], { amountMills: '99999999999' })), 'amount_too_large');
  });

  it('closes the account: the meter is withdrawn, its balance is the refund, and it runs nothing after', async () => {
    const { engine, c } = await fundedMeter('7250');
    const r = await engine.care(careArgs(c, 'close_account', ['unit-support', 'unit-so1']));
    expect([r.state, r.amountMills, r.drMills, r.owedMills]).toEqual(['withdrawn', '7250', '0', '0']);
    c.pkg = r.package;
    expect((await c.send('balance')).error?.code).toBe('meter_withdrawn');
    await rejectsWith(engine.care(careArgs(c, 'close_account', ['unit-support', 'unit-so1'])), 'meter_not_operational');
  });

  it('resets a forgotten password on a locked meter: the new one opens only with the client MAC key, and logs in', async () => {
    const { engine, c } = await fundedMeter();
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) await c.login('wrong password!');
    expect((await c.login(PASSWORD)).error?.code).toBe('meter_locked');
    const r = await engine.care(careArgs(c, 'reset_password', ['unit-support', 'unit-so2']));
    expect(r.state).toBe('operational');
    c.pkg = r.package;
    const nonce = Buffer.from(r.resetNonce!, 'hex');
    const sealed = Buffer.from(r.sealedPassword!, 'base64');
    const crypto = webClientCrypto();
    const drawn = await openResetPassword(crypto, c.macKey, nonce, c.meterId, sealed);
    expect(drawn).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await openResetPassword(crypto, Buffer.alloc(32, 7), nonce, c.meterId, sealed)).toBeNull();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(await openResetPassword(crypto, c.macKey, nonce, c.meterId, tampered)).toBeNull();
    expect((await c.login(PASSWORD)).error?.code).toBe('invalid_credentials');
    expect((await c.login(drawn!)).error).toBeUndefined();
  });

  it('derives the ledger effect each act means, with the approval the server declared', async () => {
    const { engine, c } = await fundedMeter();
    const args = careArgs(c, 'adjust_balance', ['unit-support', 'unit-so1'], { amountMills: '-250' });
    const granted = { kind: 'approval_granted' as const, approvalId: '7', action: 'adjust_balance', requestedBy: 'unit-support', module: null, by: 'unit-so1' };
    const r = await engine.care(args);
    const effects = effectsOf('care', { ...args, effects: [granted] }, r);
    expect(effects.map((e) => e.kind)).toEqual(['package_stored', 'approval_granted', 'meter_adjusted']);
    expect(effects[2]).toMatchObject({ deltaMills: '-250', reason: args.reason, officers: ['unit-support', 'unit-so1'] });
  });
});
