import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FAILED_LOGINS } from '../../src/constants.js';
import { diskProfiles } from '../../src/cli/index.js';
import { ModuleConnection } from '../../src/module/index.js';
import { moduleSockets } from '../../src/runtime/index.js';
import { MeterClient } from '../../src/sdk/index.js';
import { hashOfficerPassword } from '../../src/services/index.js';
import { approveAs, createOfficerAs, fundAs, get, officerHeaders, post, requestAs, signedAs } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 11's operator-side attacks, played with the API server's privileges (its module sockets)
// and as the database, against real module processes and PostgreSQL.
describe('the module is the only authority over value and officers', () => {
  let sys: TestSystem;
  let meterId: string;
  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '1' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    meterId = (await MeterClient.register(diskProfiles, sys.url, 'victor', 'correct horse battery')).meterId;
  }, 120_000);
  afterAll(async () => sys?.stop());

  /** The module socket, the stored package and the module's stored checkpoint: what the API server holds. */
  async function asTheServer() {
    const db = await sys.ownerDb();
    try {
      const socket = (await moduleSockets(sys.env.VAULTMETER_HOME!))[0]!;
      const m = new ModuleConnection(socket);
      const serial = (await m.call('info', {})).serial;
      const cp = (await db.query('SELECT checkpoint AS record, checkpoint_mac AS mac FROM postal.modules WHERE serial = $1', [serial])).rows[0];
      const checkpoint = cp.record ? { record: cp.record.toString('hex'), mac: cp.mac.toString('hex') } : null;
      const pkg = (await db.query('SELECT package, package_version FROM postal.meters WHERE meter_id = $1', [meterId])).rows[0];
      return { m, checkpoint, pkg: { meterId, version: String(pkg.package_version), sealed: pkg.package.toString('base64') } };
    } finally {
      await db.end();
    }
  }

  it('a fund op sent straight to a module socket, with no officer signature, creates no value', async () => {
    const { m, checkpoint, pkg } = await asTheServer();
    try {
      await expect(m.call('fund', { pkg, amountMills: '5000000', checkpoint, actor: 'officer' })).rejects.toMatchObject({ code: 'officer_signature_required' });
    } finally {
      m.close();
    }
  });

  it("an officer row inserted with the API server's database role (vaultmeter_app) logs in but cannot fund: only a CA-certified key signs", async () => {
    // The app role may INSERT into membership.officers (officer_created is applied with it): the attack needs no superuser.
    const app = await sys.appDb();
    try {
      await app.query("INSERT INTO membership.officers (username, password_hash, role) VALUES ('mallory', $1, 'security_officer')", [
        await hashOfficerPassword('pw'),
      ]);
    } finally {
      await app.end();
    }
    const mallory = { user: 'mallory', password: 'pw' };
    // The row is a login: mallory reads admin data as a security officer.
    expect((await get(sys.url, '/v1/admin/approvals', officerHeaders(mallory))).status).toBe(200);
    const refused = await post(sys.url, '/v1/admin/fund', { user: 'victor', amountMills: '5000000' }, officerHeaders(mallory));
    expect(refused.json.code).toBe('officer_signature_required');
    // With the real officer's statement, signed for the real officer, the module refuses mallory as the actor.
    const stolen = await signedAs(sys.officer, 'fund', { meterId, amountMills: '5000000' });
    const replayed = await post(sys.url, '/v1/admin/fund', { user: 'victor', amountMills: '5000000', authorization: stolen }, officerHeaders(mallory));
    expect(replayed.json.code).toBe('officer_signature_invalid');
    // No funding was logged for mallory.
    const db = await sys.ownerDb();
    try {
      expect((await db.query("SELECT count(*)::int AS n FROM support.operator_actions WHERE officer = 'mallory'")).rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('one security officer cannot certify an officer alone, even signing twice', async () => {
    const { answer } = await createOfficerAs(sys.url, [sys.officer, sys.officer], 'sock-puppet', 'security_officer');
    expect(answer.json.code).toBe('dual_control');
  });

  it('a real officer funds once; the same signed statement replayed creates nothing', async () => {
    const authorization = await signedAs(sys.officer, 'fund', { meterId, amountMills: '1000' });
    const body = { user: 'victor', amountMills: '1000', authorization };
    expect((await post(sys.url, '/v1/admin/fund', body, officerHeaders(sys.officer))).status).toBe(200);
    const again = await post(sys.url, '/v1/admin/fund', body, officerHeaders(sys.officer));
    expect(again.json.code).toBe('officer_statement_spent');
    expect((await fundAs(sys.url, sys.officer, 'victor', '1000')).status).toBe(200);
  });

  it('a reseed sent straight to a healthy module socket is refused without two security officers', async () => {
    const { m, checkpoint } = await asTheServer();
    try {
      await expect(m.call('reseed', { checkpoint })).rejects.toMatchObject({ code: 'officer_signature_required' });
    } finally {
      m.close();
    }
  });

  it('a halt is held by the modules: two UPDATEs by the app role do not clear it; two security officers do', async () => {
    const sockets = await moduleSockets(sys.env.VAULTMETER_HOME!);
    const modules = sockets.map((s) => new ModuleConnection(s));
    const victor = await MeterClient.login(diskProfiles, 'victor', 'correct horse battery');
    try {
      // What the server does when the inhibited modules reach the threshold.
      for (const m of modules) await m.call('halt', { reason: 'test: stale database suspected' });
      const app = await sys.appDb();
      try {
        await app.query('UPDATE postal.system_state SET halted = false, halted_at = NULL, halt_reason = NULL');
        await app.query("UPDATE postal.modules SET state = 'active', inhibited_at = NULL, inhibited_reason = NULL");
      } finally {
        await app.end();
      }
      await expect(victor.balance()).rejects.toMatchObject({ code: 'system_halted' });
      // One officer cannot clear it, even approving with their own signature again.
      const req = await requestAs(sys.url, sys.officer, 'clear_halt');
      expect((await approveAs(sys.url, sys.officer, req.json.approval.id)).json.code).toBe('dual_control');
      await expect(victor.balance()).rejects.toMatchObject({ code: 'system_halted' });
      expect((await approveAs(sys.url, sys.secondOfficer, req.json.approval.id)).status).toBe(200);
      for (const m of modules) expect((await m.call('info', {})).halted).toBeNull();
      expect((await victor.balance()).arMills).toBe(0n);
    } finally {
      for (const m of modules) m.close();
    }
  });

  it('a locked meter is unlocked by a security officer, signed and checked by the module, so its balance is not stranded', async () => {
    const ursula = await MeterClient.register(diskProfiles, sys.url, 'ursula', 'correct horse battery');
    // Wrong passwords that reach the module (the profile itself is already open).
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) await expect(ursula.authenticate('not the password')).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(ursula.authenticate('correct horse battery')).rejects.toMatchObject({ code: 'meter_locked' });
    const customer = await get(sys.url, '/v1/admin/customers/ursula', officerHeaders(sys.officer));
    const unlock = (authorization?: object) =>
      post(sys.url, '/v1/admin/unlock', { user: 'ursula', ...(authorization ? { authorization } : {}) }, officerHeaders(sys.officer));
    expect((await unlock()).json.code).toBe('officer_signature_required');
    const signed = await signedAs(sys.officer, 'unlock_meter', { meterId: String(customer.json.meterId) });
    expect((await unlock(signed)).json).toMatchObject({ state: 'operational' });
    expect((await unlock(signed)).json.code).toBe('officer_statement_spent');
    await ursula.authenticate('correct horse battery');
    expect((await ursula.balance()).arMills).toBe(0n);
  });
});
