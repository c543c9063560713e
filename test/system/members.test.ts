import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { MAX_FAILED_LOGINS } from '../../src/constants.js';
import { listMembers, MeterClient, type Invitation } from '../../src/sdk/index.js';
import { fundAs, get, letter, post, rawCommand, refusalOf } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 14 item 1: several users per account, with roles, against the real processes. The owner
// invites by a MAC'd command; the member accepts with the code sealed to a module; each member's
// commands are MAC'd with its own key and checked by the module against its role.

const PW = 'correct horse battery';
const MEMBER_PW = 'a member password';
const SCHEMAS = ['postal', 'membership', 'provider', 'commerce', 'support', 'staging'];

describe('several users per account', () => {
  let sys: TestSystem;
  let db: pg.Client;
  let ann: MeterClient;
  let bob: MeterClient;
  let vic: MeterClient;
  let bobInvite: Invitation;

  const counts = async () =>
    (
      await db.query<{ log: number; items: number; members: number }>(
        `SELECT (SELECT count(*)::int FROM postal.txlog WHERE type <> 'provision') AS log, (SELECT count(*)::int FROM postal.items) AS items,
                (SELECT count(*)::int FROM membership.account_members) AS members`,
      )
    ).rows[0]!;
  /** Tables and log records that hold `text` anywhere. */
  const holders = async (text: string) => {
    const found: string[] = [];
    const tables = await db.query<{ name: string }>(
      "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = ANY($1::text[])",
      [SCHEMAS],
    );
    for (const { name } of tables.rows) {
      const hits = await db.query(`SELECT 1 FROM ${name} t WHERE row_to_json(t)::text LIKE $1 LIMIT 1`, [`%${text}%`]);
      if (hits.rowCount) found.push(name);
    }
    const log = await db.query<{ header: Buffer; body: Buffer }>('SELECT header, body FROM postal.txlog');
    if (log.rows.some((r) => r.header.includes(text) || r.body.includes(text))) found.push('postal.txlog');
    return found;
  };

  beforeAll(async () => {
    sys = await startSystem();
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    db = await sys.ownerDb();
    ann = await MeterClient.register(diskProfiles, sys.url, 'ann', PW);
    expect((await fundAs(sys.url, sys.officer, 'ann', 100_000n)).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  it('invites by a MAC-signed command; a mailed code is in the outbox only, a handed-over one nowhere', async () => {
    bobInvite = await ann.inviteMember({ member: 'bob', role: 'shipper', email: 'bob@example.com', mail: true });
    expect(bobInvite).toMatchObject({ login: 'ann+bob', role: 'shipper', mailed: true });
    const mail = await db.query<{ to_address: string; kind: string; text_body: string }>(
      "SELECT to_address, kind, text_body FROM support.mail_outbox WHERE kind = 'member_invitation'",
    );
    expect(mail.rows).toHaveLength(1);
    expect(mail.rows[0]).toMatchObject({ to_address: 'bob@example.com', kind: 'member_invitation' });
    expect(mail.rows[0]!.text_body).toContain(`--user ann+bob --invite-code ${bobInvite.code}`);
    expect(await holders(bobInvite.code)).toEqual(['support.mail_outbox']);
    const vicInvite = await ann.inviteMember({ member: 'vic', role: 'viewer' });
    expect(vicInvite.mailed).toBe(false);
    expect(await holders(vicInvite.code)).toEqual([]);
    vic = await MeterClient.register(diskProfiles, sys.url, 'ann+vic', MEMBER_PW, { inviteCode: vicInvite.code });
    expect(vic.meterId).toBe(ann.meterId);
  });

  it('accepts with the right code only; a wrong one is refused inside the module and changes nothing', async () => {
    const before = await counts();
    expect(await refusalOf(MeterClient.register(diskProfiles, sys.url, 'ann+bob', MEMBER_PW, { inviteCode: 'x'.repeat(43) }))).toEqual({
      code: 'invitation_code_wrong',
      status: 403,
    });
    // The failed attempt left a local profile behind nowhere, and the slot is still open.
    expect((await db.query("SELECT status FROM membership.account_members WHERE member = 'bob'")).rows[0].status).toBe('invited');
    expect((await counts()).members).toBe(before.members);
    expect(await refusalOf(MeterClient.register(diskProfiles, sys.url, 'ann+nobody', MEMBER_PW, { inviteCode: bobInvite.code }))).toEqual({
      code: 'invitation_unknown',
      status: 404,
    });
    bob = await MeterClient.register(diskProfiles, sys.url, 'ann+bob', MEMBER_PW, { inviteCode: bobInvite.code });
    const listed = await listMembers(ann);
    expect(listed.map((m) => [m.login, m.role, m.status])).toEqual([
      ['ann+bob', 'shipper', 'active'],
      ['ann+vic', 'viewer', 'active'],
    ]);
  });

  it("a shipper prints on the account's balance; the owner goes on from the registers the member moved", async () => {
    const item = await bob.print(letter(730n));
    expect(item.amountMills).toBe(730n);
    expect((await bob.balance()).drMills).toBe(100_000n - 730n);
    // Ann's client last saw 100,000: the module's MAC'd refusal carries the registers, and the SDK goes on.
    await ann.print(letter(500n));
    expect(await ann.balance()).toMatchObject({ arMills: 1_230n, drMills: 100_000n - 1_230n });
    // A shipper refunds a label of the account.
    await bob.refund(item.itemId);
    expect((await bob.balance()).drMills).toBe(100_000n - 500n);
  });

  it('a viewer reads but never prints; no member funds or manages the account', async () => {
    const before = await counts();
    expect((await vic.balance()).drMills).toBe(100_000n - 500n);
    expect((await get(sys.url, '/v1/items', vic.sessionHeaders())).status).toBe(200);
    expect((await get(sys.url, `/v1/meters/${vic.meterId}/transactions`, vic.sessionHeaders())).status).toBe(200);
    expect(await refusalOf(vic.print(letter(730n)))).toEqual({ code: 'member_role', status: 403 });
    expect(await refusalOf(bob.withdraw())).toEqual({ code: 'member_role', status: 403 });
    expect(await refusalOf(bob.createApiKey({ scopes: ['print'] }))).toEqual({ code: 'member_role', status: 403 });
    expect(await refusalOf(bob.inviteMember({ member: 'eve', role: 'shipper' }))).toEqual({ code: 'member_role', status: 403 });
    for (const path of ['/v1/members', '/v1/bank-accounts', '/v1/api-keys', '/v1/profile', '/v1/plan']) {
      const res = await get(sys.url, path, bob.sessionHeaders());
      expect({ path, status: res.status, code: res.json.code }).toEqual({ path, status: 403, code: 'member_role' });
    }
    expect((await counts()).items).toBe(before.items);
    // Refused signed requests spent their challenges; the members' next commands still work.
    expect((await vic.balance()).drMills).toBe(100_000n - 500n);
    expect((await bob.balance()).drMills).toBe(100_000n - 500n);
  });

  it("the server cannot speak for a member: the owner's signed request on a member's session is bad_mac", async () => {
    const before = await counts();
    // Ann's MAC'd print, sent with Bob's session: the server names Bob, the module checks Bob's key.
    const res = await rawCommand(sys.url, ann, 'print', { amountMills: '730' }, () => {}, { authorization: `Bearer ${bob.sessionToken}` });
    expect({ status: res.status, code: res.json.code }).toEqual({ status: 401, code: 'bad_mac' });
    expect(await counts()).toEqual(before);
    // A viewer's signed print, made by the viewer's own client, is refused by role even sent raw.
    const raw = await rawCommand(sys.url, vic, 'print', { amountMills: '730' });
    expect({ status: raw.status, code: raw.json.code }).toEqual({ status: 403, code: 'member_role' });
  });

  it('locks out a member after too many failed logins; the owner and the other members go on', async () => {
    await MeterClient.logout(diskProfiles, 'ann+vic');
    // The local profile opens with the member's password; the wrong one goes to the module.
    const profile = await diskProfiles.unlockWithPassword('ann+vic', MEMBER_PW);
    const probe = MeterClient.fromApiKey(diskProfiles, profile, 'x');
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
      expect((await refusalOf(probe.authenticate('not the password'))).code).toBe('invalid_credentials');
    }
    expect(await refusalOf(MeterClient.login(diskProfiles, 'ann+vic', MEMBER_PW))).toEqual({ code: 'meter_locked', status: 423 });
    expect((await db.query("SELECT status FROM membership.account_members WHERE member = 'vic'")).rows[0].status).toBe('locked');
    expect((await db.query('SELECT status FROM postal.meters WHERE meter_id = $1', [ann.meterId])).rows[0].status).toBe('active');
    ann = await MeterClient.login(diskProfiles, 'ann', PW);
    expect((await bob.balance()).drMills).toBe(100_000n - 500n);
  });

  it('removes a member: its session ends at once, its login is unknown, and the name can be invited again', async () => {
    await ann.removeMember('bob');
    const res = await get(sys.url, `/v1/items`, bob.sessionHeaders());
    expect({ status: res.status, code: res.json.code }).toEqual({ status: 401, code: 'unauthorized' });
    expect(await refusalOf(MeterClient.login(diskProfiles, 'ann+bob', MEMBER_PW))).toEqual({ code: 'invalid_credentials', status: 401 });
    expect((await listMembers(ann)).find((m) => m.member === 'bob')).toMatchObject({ status: 'removed', removedAt: expect.any(String) });
    const again = await ann.inviteMember({ member: 'bob', role: 'viewer' });
    expect((await listMembers(ann)).find((m) => m.member === 'bob')).toMatchObject({ status: 'invited', role: 'viewer', removedAt: null });
    expect(again.login).toBe('ann+bob');
  });

  it("refuses a customer user name with '+' and a bad invitation request, changing nothing", async () => {
    const before = await counts();
    const begin = await post(sys.url, '/v1/registrations', { user: 'carl+x', clientNonce: '00'.repeat(32) });
    expect({ status: begin.status, code: begin.json.code }).toEqual({ status: 404, code: 'invitation_unknown' });
    const bad = await post(sys.url, '/v1/registrations', { user: 'a+b+c', clientNonce: '00'.repeat(32) });
    expect(bad.status).toBe(400);
    expect(await counts()).toEqual(before);
  });
});
