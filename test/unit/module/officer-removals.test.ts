import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useOfficerRemovals } from '../../../src/module/officer-check.js';
import { OfficerDesk } from '../../../src/module/officer-desk.js';
import { OfficerRemovals } from '../../../src/module/officer-removals.js';
import { Clock, dualControl, makeEngine, officerFund, registeredMeter, rejectsWith, securityOfficerSigned, signedBy, T0 } from '../helpers/engine.js';

// Issue 11 item 1: a module keeps the officers two security officers removed, on its own disk, and
// refuses their signatures from the removal on, whatever the statement's own date says.

async function setUp() {
  const clock = new Clock(T0);
  const made = await makeEngine(clock);
  const file = join(await mkdtemp(join(tmpdir(), 'vm-removals-')), 'module.ring.officer-removals.json');
  const logs: string[] = [];
  const store = await OfficerRemovals.load(file, made.crypto.caCertPem, (l) => logs.push(l));
  const desk = new OfficerDesk(made.crypto, clock.now);
  const meter = await registeredMeter(made.engine, clock.now());
  return { ...made, clock, file, logs, store, desk, meter };
}

describe('officer removals in the module', () => {
  afterEach(() => useOfficerRemovals(() => undefined));

  it("refuses a removed officer's signatures from the removal on, and keeps the removal across a restart", async () => {
    const { engine, clock, file, store, desk, meter, crypto } = await setUp();
    const signedBefore = officerFund(meter.pkg, '1000'); // dated before the removal: still refused after it
    await meter.fund(1000n);
    clock.advance(1000);
    const r = await store.remove(desk, 'unit-operator', dualControl('remove_officer', { user: 'unit-operator' }), clock.now());
    expect(r).toMatchObject({ user: 'unit-operator', removed: true, authorizedBy: ['unit-so1', 'unit-so2'] });
    await rejectsWith(() => engine.fund(officerFund(meter.pkg, '1000')), 'officer_revoked');
    await rejectsWith(() => engine.fund(signedBefore), 'officer_revoked');
    // A restart: the module loads the removal from its disk.
    useOfficerRemovals(() => undefined);
    const reloaded = await OfficerRemovals.load(file, crypto.caCertPem, () => {});
    expect(reloaded.list().map((o) => o.user)).toEqual(['unit-operator']);
    await rejectsWith(() => engine.fund(officerFund(meter.pkg, '1000')), 'officer_revoked');
    // Security officers still act: an unlock on one's signature passes the officer check (and finds nothing locked).
    await rejectsWith(() => engine.unlock({ pkg: meter.pkg, ...securityOfficerSigned('unlock_meter', { meterId: meter.meterId }) }), 'invalid_request');
  });

  it('needs two different security officers, once; removing again changes nothing', async () => {
    const { clock, store, desk } = await setUp();
    const one = signedBy('remove_officer', { user: 'unit-operator' }, ['unit-so1']);
    await rejectsWith(store.remove(desk, 'unit-operator', one, clock.now()), 'officer_signature_invalid');
    const bySupport = signedBy('remove_officer', { user: 'unit-operator' }, ['unit-so1', 'unit-support']);
    await rejectsWith(store.remove(desk, 'unit-operator', bySupport, clock.now()), 'officer_signature_invalid');
    const other = dualControl('remove_officer', { user: 'someone-else' });
    await rejectsWith(store.remove(desk, 'unit-operator', other, clock.now()), 'officer_signature_invalid');
    const both = dualControl('remove_officer', { user: 'unit-operator' });
    expect((await store.remove(desk, 'unit-operator', both, clock.now())).removed).toBe(true);
    await rejectsWith(store.remove(desk, 'unit-operator', both, clock.now()), 'officer_statement_spent');
    const again = await store.remove(desk, 'unit-operator', dualControl('remove_officer', { user: 'unit-operator' }), clock.now());
    expect(again.removed).toBe(false);
    expect(store.list()).toHaveLength(1);
  });

  it('keeps a removal whose statement no longer checks, and says so loudly', async () => {
    const { clock, file, store, desk, crypto } = await setUp();
    await store.remove(desk, 'unit-operator', dualControl('remove_officer', { user: 'unit-operator' }), clock.now());
    const stored = JSON.parse(await readFile(file, 'utf8')) as { authorization: { signatures: { signature: string }[] } }[];
    stored[0]!.authorization.signatures[1]!.signature = Buffer.alloc(64).toString('base64');
    await writeFile(file, JSON.stringify(stored));
    const logs: string[] = [];
    const reloaded = await OfficerRemovals.load(file, crypto.caCertPem, (l) => logs.push(l));
    expect(reloaded.list().map((o) => o.user)).toEqual(['unit-operator']);
    expect(logs.join('\n')).toMatch(/ALARM: the removal of officer unit-operator does not check/);
  });
});
