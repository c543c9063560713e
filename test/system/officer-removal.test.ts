import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { ModuleConnection } from '../../src/module/index.js';
import { moduleSockets, newStatement } from '../../src/runtime/index.js';
import { MeterClient } from '../../src/sdk/index.js';
import { fundAs, get, newTestOfficer, officerHeaders, officerSignature, post, signedAs, type TestOfficer } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 11 item 1: removing an officer takes two security officers, and the removal is the
// modules' own: no row the API server or the database writes brings the officer's signatures back.

describe('removing an officer', () => {
  let sys: TestSystem;
  let meterId: string;
  let opal: TestOfficer;
  let carol: TestOfficer;

  /** Two officers' `remove_officer` statement for `user`, posted by the first. */
  async function removeAs(signers: readonly [TestOfficer, TestOfficer], user: string) {
    const statement = newStatement('remove_officer', { user });
    const signatures = [await officerSignature(signers[0], statement), await officerSignature(signers[1], statement)];
    return post(sys.url, `/v1/admin/officers/${user}/removal`, { authorization: { statement, signatures } }, officerHeaders(signers[0]));
  }
  const balance = async () => {
    const r = await get(sys.url, '/v1/admin/customers/victor', officerHeaders(sys.officer));
    return BigInt(String(r.json.meter.drMills));
  };

  beforeAll(async () => {
    sys = await startSystem();
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    meterId = (await MeterClient.register(diskProfiles, sys.url, 'victor', 'correct horse battery')).meterId;
    const signers = [sys.officer, sys.secondOfficer] as const;
    opal = await newTestOfficer(sys.url, signers, 'opal', 'operator', sys.dir);
    carol = await newTestOfficer(sys.url, signers, 'carol', 'security_officer', sys.dir);
  }, 120_000);
  afterAll(async () => sys?.stop());

  it('one security officer cannot remove another alone, even signing twice', async () => {
    const once = await signedAs(sys.officer, 'remove_officer', { user: 'opal' });
    const alone = await post(sys.url, '/v1/admin/officers/opal/removal', { authorization: once }, officerHeaders(sys.officer));
    expect(alone.json.code).toBe('officer_signature_invalid');
    const twice = await removeAs([sys.officer, sys.officer], 'opal');
    expect(twice.json.code).toBe('dual_control');
    expect((await fundAs(sys.url, opal, 'victor', '1000')).status).toBe(200);
  });

  it('two security officers remove an operator: every module refuses the name, and the logins end', async () => {
    const removed = await removeAs([sys.officer, sys.secondOfficer], 'opal');
    expect(removed.status, JSON.stringify(removed.json)).toBe(200);
    expect(removed.json.officer).toMatchObject({ user: 'opal', modules: 2 });
    const login = await get(sys.url, '/v1/admin/approvals', officerHeaders(opal));
    expect({ status: login.status, code: login.json.code }).toEqual({ status: 401, code: 'invalid_credentials' });
    // Opal's signature, carried by a security officer's login, is refused by the module.
    const before = await balance();
    const signed = await signedAs(opal, 'fund', { meterId, amountMills: '1000' });
    const carried = await post(sys.url, '/v1/admin/fund', { user: 'victor', amountMills: '1000', authorization: signed }, officerHeaders(sys.officer));
    expect({ status: carried.status, code: carried.json.code }).toEqual({ status: 403, code: 'officer_revoked' });
    expect(await balance()).toBe(before);
    // Every module holds the removal, asked directly.
    for (const socket of await moduleSockets(sys.env.VAULTMETER_HOME!)) {
      const m = new ModuleConnection(socket);
      try {
        expect((await m.call('removedOfficers', {})).officers.map((o) => o.user)).toEqual(['opal']);
      } finally {
        m.close();
      }
    }
  });

  it('the database cannot bring a removed officer back: a cleared removed_at gives a login, never a signature', async () => {
    const app = await sys.appDb();
    try {
      await app.query("UPDATE membership.officers SET removed_at = NULL WHERE username = 'opal'");
    } finally {
      await app.end();
    }
    expect((await get(sys.url, '/v1/admin/approvals', officerHeaders(opal))).status).toBe(200);
    const before = await balance();
    const again = await fundAs(sys.url, opal, 'victor', '1000');
    expect({ status: again.status, code: again.json.code }).toEqual({ status: 403, code: 'officer_revoked' });
    expect(await balance()).toBe(before);
  });

  it('a removal is run again safely, and the last two security officers are never removed', async () => {
    const repeat = await removeAs([sys.officer, sys.secondOfficer], 'opal');
    expect(repeat.status, JSON.stringify(repeat.json)).toBe(200);
    expect((await removeAs([sys.officer, sys.secondOfficer], 'carol')).status).toBe(200);
    const last = await removeAs([sys.officer, sys.secondOfficer], sys.secondOfficer.user);
    expect(last.json.code).toBe('dual_control');
    const nobody = await removeAs([sys.officer, sys.secondOfficer], 'nobody');
    expect(nobody.json.code).toBe('not_found');
    // A removed security officer's approval signature counts for nothing either.
    const statement = newStatement('remove_officer', { user: sys.secondOfficer.user });
    const withCarol = [await officerSignature(sys.officer, statement), await officerSignature(carol, statement)];
    const m = new ModuleConnection((await moduleSockets(sys.env.VAULTMETER_HOME!))[0]!);
    try {
      await expect(m.call('removeOfficer', { user: sys.secondOfficer.user, authorization: { statement, signatures: withCarol } })).rejects.toMatchObject({
        code: 'officer_revoked',
      });
    } finally {
      m.close();
    }
  });
});
