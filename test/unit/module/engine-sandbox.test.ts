import { describe, expect, it } from 'vitest';
import { MAX_SANDBOX_BALANCE_MILLS } from '../../../src/constants.js';
import { decodeItem, verifyItem } from '../../../src/indicium/index.js';
import { effectsOf } from '../../../src/ledger/index.js';
import { makeEngine, officerFund, registeredMeter, rejectsWith, T0 } from '../helpers/engine.js';

// Test mode (issue 14 item 1): the module alone decides a meter is a sandbox, at registration, from
// the client's sealed word; its items carry the test flag; it takes test value only.

async function sandboxMeter() {
  const made = await makeEngine();
  return { ...made, c: await registeredMeter(made.engine, T0, undefined, { sandbox: true }) };
}

describe('MeterEngine test mode', () => {
  it("registers a sandbox meter and says so in its MAC'd answer (a real meter says false)", async () => {
    const { engine, c } = await sandboxMeter();
    expect(c.last!.response.result).toEqual({ sandbox: 'true' });
    expect((await engine.open(c.pkg)).sandbox).toBe(true);
    const real = await registeredMeter(engine, T0);
    expect(real.last!.response.result).toEqual({ sandbox: 'false' });
    expect((await engine.open(real.pkg)).sandbox).toBe(false);
  });

  it('derives meter_sandboxed from a sandbox registration only', async () => {
    const { engine, c } = await sandboxMeter();
    const real = await registeredMeter(engine, T0);
    const args = { pkg: c.provisioned.package };
    expect(effectsOf('registerComplete', args, c.last!).map((e) => e.kind)).toEqual(['package_stored', 'customer_registered', 'meter_sandboxed']);
    expect(effectsOf('registerComplete', { pkg: real.provisioned.package }, real.last!).map((e) => e.kind)).toEqual(['package_stored', 'customer_registered']);
  });

  it('refuses a registration whose sealed request and begin disagree, either way round', async () => {
    const { engine } = await makeEngine();
    await rejectsWith(registeredMeter(engine, T0, undefined, { sandbox: true, sealedSandbox: false }), 'registration_mismatch');
    await rejectsWith(registeredMeter(engine, T0, undefined, { sandbox: false, sealedSandbox: true }), 'registration_mismatch');
  });

  it('test-funds a sandbox meter, up to the cap, and logs test_funded', async () => {
    const { c } = await sandboxMeter();
    const r = await c.send('test_fund', { amountMills: '250000' });
    expect(r.response).toMatchObject({ status: 'ok', arMills: '0', drMills: '250000', controlTotalMills: '250000', result: { amountMills: '250000' } });
    expect(effectsOf('command', { pkg: c.provisioned.package }, r).find((e) => e.kind === 'test_funded')).toEqual({
      kind: 'test_funded',
      meterId: c.meterId,
      amountMills: '250000',
    });
    const over = await c.send('test_fund', { amountMills: (MAX_SANDBOX_BALANCE_MILLS - 250_000n + 1n).toString() });
    expect(over.error?.code).toBe('sandbox_limit');
    expect(c.dr).toBe(250_000n);
    expect((await c.send('test_fund', { amountMills: (MAX_SANDBOX_BALANCE_MILLS - 250_000n).toString() })).response.drMills).toBe(
      MAX_SANDBOX_BALANCE_MILLS.toString(),
    );
  });

  it('refuses test_fund on a real meter (not_sandbox), spending the challenge and crediting nothing', async () => {
    const { engine } = await makeEngine();
    const c = await registeredMeter(engine, T0);
    const r = await c.send('test_fund', { amountMills: '1000' });
    expect(r.error?.code).toBe('not_sandbox');
    expect(r.response).toMatchObject({ status: 'not_sandbox', drMills: '0', controlTotalMills: '0' });
    expect(effectsOf('command', { pkg: c.provisioned.package }, r).map((e) => e.kind)).toEqual(['package_stored']);
  });

  it('refuses real value on a sandbox meter: an officer funding, an ACH request, a settlement', async () => {
    const { engine, c } = await sandboxMeter();
    await rejectsWith(engine.fund(officerFund(c.pkg, '5000')), 'sandbox_meter');
    const r = await c.send('fund_request', { amountMills: '5000', requestId: 'a'.repeat(32), bankAccountId: '0f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f' });
    expect(r.error?.code).toBe('sandbox_meter');
    await rejectsWith(engine.debit({ pkg: c.pkg, requestId: 'a'.repeat(32), action: 'settle' }), 'sandbox_meter');
  });

  it('prints test items: flagged inside the signed bytes, authentic, and never valid', async () => {
    const { engine, c } = await sandboxMeter();
    await c.send('test_fund', { amountMills: '10000' });
    const r = await c.print(730n);
    expect(r.response.result.test).toBe('true');
    const bytes = Buffer.from(r.item!, 'base64');
    expect(decodeItem(bytes).data.test).toBe(true);
    const info = engine.info();
    const cert = c.provisioned.certificatePem;
    const v = verifyItem(bytes, cert, info.caCertPem, new Date(T0));
    expect(v).toMatchObject({ valid: false, codes: ['test_item'], signatureValid: true, testItem: true });
    // Tampering the marker off (or on) breaks the signature: the test flag is signed.
    const stripped = Buffer.from(bytes);
    stripped[2] = stripped[2]! & 0x7f;
    expect(decodeItem(stripped).data.test).toBeUndefined();
    expect(verifyItem(stripped, cert, info.caCertPem, new Date(T0))).toMatchObject({
      valid: false,
      codes: ['bad_signature'],
      signatureValid: false,
      testItem: false,
    });
    // The refund stays in the sandbox: test value back to the sandbox meter.
    const refund = await c.send('refund', { itemId: r.response.result.itemId! }, { itemBytes: r.item! });
    expect(refund.response).toMatchObject({ status: 'ok', drMills: '10000' });
  });

  it('prints real items without the flag on a real meter', async () => {
    const { engine } = await makeEngine();
    const c = await registeredMeter(engine, T0);
    await c.fund(10_000n);
    const r = await c.print(730n);
    expect(r.response.result.test).toBeUndefined();
    const v = verifyItem(Buffer.from(r.item!, 'base64'), c.provisioned.certificatePem, engine.info().caCertPem, new Date(T0));
    expect(v).toMatchObject({ valid: true, codes: [], signatureValid: true, testItem: false });
  });
});
