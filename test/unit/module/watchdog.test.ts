import { describe, expect, it } from 'vitest';
import { Clock, DAY_MS, makeEngine, registeredMeter, T0, type TestClient } from '../helpers/engine.js';

// The watchdog: with auditIntervalDays set, a meter whose last device audit (or, never audited, its
// creation) is more than that long ago stops printing until an operator audits or funds it.

const INTERVAL = 90;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function meter(auditIntervalDays?: number) {
  const clock = new Clock();
  const { engine } = await makeEngine(clock, 30, auditIntervalDays);
  const c = await registeredMeter(engine, T0);
  return { engine, clock, c };
}

/** Print one item dated today by the clock. */
const print = (c: TestClient, clock: Clock, amount = 500n) => c.print(amount, { date: dateOf(clock.now()) });

/** `drMills`: the meter's true dr, which may include operator funding the client has not seen yet. */
async function expectOverdue(c: TestClient, clock: Clock, drMills = c.dr): Promise<void> {
  const before = { ar: c.ar, dr: drMills, version: BigInt(c.pkg.version), challenge: c.challenge };
  const r = await print(c, clock);
  expect(r.error?.code).toBe('audit_overdue');
  expect(r.error?.message).toMatch(/90 days/);
  expect(r.item).toBeUndefined();
  // An authenticated refusal: registers unchanged, but the package and the challenge rotate.
  expect(r.response).toMatchObject({ status: 'audit_overdue', arMills: before.ar.toString(), drMills: before.dr.toString() });
  expect(BigInt(c.pkg.version)).toBe(before.version + 1n);
  expect(c.challenge.equals(before.challenge)).toBe(false);
}

async function expectPrints(c: TestClient, clock: Clock, amount = 500n): Promise<void> {
  const ar = c.ar;
  const r = await print(c, clock, amount);
  expect(r.error).toBeUndefined();
  expect(r.item).toBeDefined();
  expect(BigInt(r.response.arMills)).toBe(ar + amount);
}

describe('the audit watchdog', () => {
  it('a meter funded (and so audited) prints up to the interval, and not a millisecond past it', async () => {
    const { c, clock } = await meter(INTERVAL);
    await c.fund(100_000n);
    await expectPrints(c, clock);
    clock.advance(INTERVAL * DAY_MS);
    await expectPrints(c, clock);
    clock.advance(1);
    await expectOverdue(c, clock);
    // Still overdue on the next attempt: the refusal is not an audit.
    clock.advance(60_000);
    await expectOverdue(c, clock);
  });

  it('a meter never audited counts from its creation', async () => {
    const { c, clock } = await meter(INTERVAL);
    // No funds: at the boundary the print gets as far as the registers; past it the watchdog answers first.
    clock.advance(INTERVAL * DAY_MS);
    expect((await print(c, clock)).error?.code).toBe('insufficient_funds');
    clock.advance(1);
    await expectOverdue(c, clock);
  });

  it('an operator fund resets the watchdog', async () => {
    const { c, clock } = await meter(INTERVAL);
    await c.fund(100_000n);
    clock.advance(INTERVAL * DAY_MS + 1);
    await expectOverdue(c, clock, 100_000n);
    await c.fund(1_000n);
    await expectPrints(c, clock);
    // And it runs again from the funding.
    clock.advance(INTERVAL * DAY_MS);
    await expectPrints(c, clock);
    clock.advance(1);
    await expectOverdue(c, clock);
  });

  it('an operator audit resets the watchdog', async () => {
    const { engine, c, clock } = await meter(INTERVAL);
    await c.fund(100_000n);
    clock.advance(200 * DAY_MS);
    await expectOverdue(c, clock, 100_000n);
    const a = await engine.audit({ pkg: c.pkg });
    expect(a.fields.auditedAt).toBe(new Date(clock.now()).toISOString());
    c.pkg = a.package;
    await expectPrints(c, clock);
  });

  it('only printing stops: other commands still run on an overdue meter', async () => {
    const { c, clock } = await meter(INTERVAL);
    await c.fund(100_000n);
    clock.advance(INTERVAL * DAY_MS + 1);
    expect((await c.send('balance')).error).toBeUndefined();
    expect((await c.login('correct horse battery')).error).toBeUndefined();
    await expectOverdue(c, clock);
  });

  it('follows the configured interval', async () => {
    const { c, clock } = await meter(7);
    await c.fund(100_000n);
    clock.advance(7 * DAY_MS);
    await expectPrints(c, clock);
    clock.advance(1);
    expect((await print(c, clock)).error?.code).toBe('audit_overdue');
  });

  it('without an interval, no watchdog applies', async () => {
    const { c, clock } = await meter();
    await c.fund(100_000n);
    for (const days of [INTERVAL + 1, 400, 1000]) {
      clock.ms = T0 + days * DAY_MS;
      await expectPrints(c, clock);
    }
  });
});
