import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate, newCertSerialHex } from '../../../src/module/certificates.js';
import { checkOfficerAuthorization } from '../../../src/module/officer-check.js';
import { officerStatementBytes, officerSubject } from '../../../src/protocol/index.js';
import { MAX_FAILED_LOGINS } from '../../../src/constants.js';
import { DAY_MS, dualControl, makeEngine, officerFund, PASSWORD, registeredMeter, rejectsWith, securityOfficerSigned, T0 } from '../helpers/engine.js';
import { GuardHarness } from '../helpers/guard.js';

// The module is the only authority: whoever holds the API server's socket (or the database) can
// send the module anything, and nothing but a CA-certified officer key signing exactly the act counts.

async function meter() {
  const made = await makeEngine();
  const c = await registeredMeter(made.engine, T0);
  return { ...made, c };
}

describe('funding needs an officer signature over exactly this funding, checked in the module', () => {
  it('refuses a funding with no signature, as anyone with the module socket could send it', async () => {
    const { engine, c } = await meter();
    await rejectsWith(() => engine.fund({ pkg: c.pkg, amountMills: '5000000', actor: 'officer' }), 'officer_signature_required');
  });

  it('refuses a statement for another amount, another meter, or signed by another officer than the actor', async () => {
    const { engine, c } = await meter();
    const signed = officerFund(c.pkg, '100');
    await rejectsWith(() => engine.fund({ ...signed, amountMills: '5000000' }), 'officer_signature_invalid');
    const other = await registeredMeter(engine, T0);
    await rejectsWith(() => engine.fund({ ...signed, pkg: other.pkg }), 'officer_signature_invalid');
    await rejectsWith(() => engine.fund({ ...signed, actor: 'someone-else' }), 'officer_signature_invalid');
  });

  it('refuses a replayed statement: the nonce is spent in the sealed package, on any module', async () => {
    const { engine, c } = await meter();
    const signed = officerFund(c.pkg, '100');
    const first = await engine.fund(signed);
    await rejectsWith(() => engine.fund({ ...signed, pkg: first.package }), 'officer_statement_spent');
    // A second module (another engine on the same domain keys) sees the same package, so the same refusal.
    const { engine: second } = await makeEngine();
    await rejectsWith(() => second.fund({ ...signed, pkg: first.package }), 'officer_statement_spent');
  });

  it('refuses a statement older than its limit, or a tampered signature', async () => {
    const { engine, c, clock } = await meter();
    const signed = officerFund(c.pkg, '100');
    clock.advance(5 * 60_000 + 1);
    await rejectsWith(() => engine.fund(signed), 'officer_statement_spent');
    const fresh = officerFund(c.pkg, '100');
    const sig = Buffer.from(fresh.authorization.signatures[0]!.signature, 'base64');
    sig[5]! ^= 1;
    const tampered = {
      ...fresh,
      authorization: { ...fresh.authorization, signatures: [{ ...fresh.authorization.signatures[0]!, signature: sig.toString('base64') }] },
    };
    await rejectsWith(() => engine.fund(tampered), 'officer_signature_invalid');
  });

  it('refuses an officer certificate from any CA but the installation one (a minted officer)', async () => {
    const { engine, c, clock } = await meter();
    const rogue = await createAuthority('Rogue', new Date(T0 - DAY_MS));
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certificatePem = await issueCertificate(rogue, {
      subject: officerSubject('officer', 'security_officer'),
      publicSpki: keys.publicKey.export({ type: 'spki', format: 'der' }),
      serialHex: newCertSerialHex(),
      notBefore: new Date(T0 - DAY_MS),
      notAfter: new Date(T0 + DAY_MS),
    });
    const statement = {
      act: 'fund' as const,
      params: { meterId: c.meterId, amountMills: '5000000' },
      nonce: randomBytes(16).toString('hex'),
      timeMs: clock.ms,
    };
    const signature = sign('sha256', officerStatementBytes(statement), { key: keys.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
    const forged = { pkg: c.pkg, amountMills: '5000000', actor: 'officer', authorization: { statement, signatures: [{ certificatePem, signature }] } };
    await rejectsWith(() => engine.fund(forged), 'officer_signature_invalid');
    expect((await engine.registersOf(c.pkg)).drMills).toBe(0n);
  });

  it('refuses an officer certificate once it has expired, though the module accepted (and remembered) it before', async () => {
    const ca = await createAuthority('Expiry', new Date(T0 - DAY_MS));
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certificatePem = await issueCertificate(ca, {
      subject: officerSubject('officer', 'security_officer'),
      publicSpki: keys.publicKey.export({ type: 'spki', format: 'der' }),
      serialHex: newCertSerialHex(),
      notBefore: new Date(T0 - DAY_MS),
      notAfter: new Date(T0 + DAY_MS),
    });
    const check = (nowMs: number) => {
      const statement = { act: 'fund' as const, params: { meterId: 'm', amountMills: '1' }, nonce: randomBytes(16).toString('hex'), timeMs: nowMs };
      const signature = sign('sha256', officerStatementBytes(statement), { key: keys.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
      const wanted = { act: 'fund' as const, params: statement.params, roles: ['security_officer' as const], signers: 1 as const, nowMs };
      return checkOfficerAuthorization(ca.certPem, { statement, signatures: [{ certificatePem, signature }] }, wanted);
    };
    expect(check(T0).officers[0]!.user).toBe('officer');
    expect(check(T0 + 1000).officers[0]!.user).toBe('officer');
    await rejectsWith(() => check(T0 + 2 * DAY_MS), 'officer_signature_invalid');
  });
});

describe('re-seeding a module takes two security officers', () => {
  let h: GuardHarness;
  afterEach(() => h?.cleanup());

  it('refuses a reseed of a module with history without, or with one officer signing twice', async () => {
    h = await GuardHarness.create();
    const c = await registeredMeter(h.engine, T0);
    await h.call('fund', officerFund(c.pkg, '100'));
    const head = h.ring.headWire();
    await rejectsWith(h.guard.dispatch('reseed', { checkpoint: null }), 'officer_signature_required');
    const both = dualControl('reinstate_module', { module: h.ring.serial });
    const once = { statement: both.statement, signatures: [both.signatures[0]!, both.signatures[0]!] };
    await rejectsWith(h.guard.dispatch('reseed', { checkpoint: null, authorization: once }), 'dual_control');
    const elsewhere = dualControl('reinstate_module', { module: 'VM-OTHER' });
    await rejectsWith(h.guard.dispatch('reseed', { checkpoint: null, authorization: elsewhere }), 'officer_signature_invalid');
    expect(h.ring.headWire()).toEqual(head);
    // Properly authorized, once: a replay of the same statement is refused.
    await h.guard.dispatch('reseed', { checkpoint: head, log: undefined, authorization: both }).catch(() => undefined);
    await rejectsWith(h.guard.dispatch('reseed', { checkpoint: head, authorization: both }), 'officer_statement_spent');
  });
});

describe('unlocking and revoking a meter take a security officer, checked in the module', () => {
  async function lockedMeter() {
    const m = await meter();
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) await m.c.login('wrong password!');
    expect((await m.c.login(PASSWORD)).error?.code).toBe('meter_locked');
    return m;
  }

  it('unlocks a locked meter on a security officer statement, once; refuses none, an operator, or a replay', async () => {
    const { engine, c } = await lockedMeter();
    await rejectsWith(() => engine.unlock({ pkg: c.pkg, actor: 'unit-so1' }), 'officer_signature_required');
    const byOperator = officerFund(c.pkg, '1');
    const operatorStatement = {
      ...byOperator.authorization,
      statement: { ...byOperator.authorization.statement, act: 'unlock_meter' as const, params: { meterId: c.meterId } },
    };
    await rejectsWith(() => engine.unlock({ pkg: c.pkg, actor: 'unit-operator', authorization: operatorStatement }), 'officer_signature_invalid');
    const signed = securityOfficerSigned('unlock_meter', { meterId: c.meterId });
    const r = await engine.unlock({ pkg: c.pkg, ...signed });
    expect(r.state).toBe('operational');
    c.pkg = r.package;
    expect((await c.login(PASSWORD)).error).toBeUndefined();
    await rejectsWith(() => engine.unlock({ pkg: c.pkg, ...signed }), 'officer_statement_spent');
  });

  it('a revoked meter runs no command, and cannot be unlocked', async () => {
    const { engine, c } = await meter();
    const r = await engine.revoke({ pkg: c.pkg, reason: 'lost', ...securityOfficerSigned('revoke_meter', { meterId: c.meterId, reason: 'lost' }) });
    expect(r.state).toBe('revoked');
    c.pkg = r.package;
    expect((await c.send('balance')).error?.code).toBe('meter_revoked');
    await rejectsWith(() => engine.unlock({ pkg: c.pkg, ...securityOfficerSigned('unlock_meter', { meterId: c.meterId }) }), 'invalid_request');
    await rejectsWith(
      () => engine.revoke({ pkg: c.pkg, reason: 'other', ...securityOfficerSigned('revoke_meter', { meterId: c.meterId, reason: 'lost' }) }),
      'officer_signature_invalid',
    );
  });
});
