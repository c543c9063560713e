import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, MeterClient } from '../../src/sdk/index.js';
import { macRequest } from '../../src/module/protocol-crypto.js';
import { Profile, diskProfiles } from '../../src/cli/index.js';
import { startSystem, type TestSystem } from './harness.js';
import { officerHeaders, post, printParams, rawCommand, fundAs } from './api-client.js';

const PW = 'correct horse battery';
const today = () => new Date().toISOString().slice(0, 10);

// Every unhappy path answers with a clear problem code and leaves the registers as they were.
describe('unhappy paths', () => {
  let sys: TestSystem;
  let url: string;
  let alice: MeterClient;
  let bob: MeterClient;

  const fund = (user: string, amountMills: string) => fundAs(url, sys.officer, user, amountMills);
  /** The registers as the module reports them, through a fresh login. */
  const registersOf = async (user: string) => {
    const c = await MeterClient.login(diskProfiles, user, PW);
    const b = await c.balance();
    return { ar: b.arMills, dr: b.drMills, ct: b.controlTotalMills };
  };
  const expectApiError = async (p: Promise<unknown>, code: string) => {
    const e = await p.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(code);
    return e as ApiError;
  };

  beforeAll(async () => {
    sys = await startSystem();
    url = sys.url;
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    alice = await MeterClient.register(diskProfiles, url, 'alice', PW);
    bob = await MeterClient.register(diskProfiles, url, 'bob', PW);
    expect((await fund('alice', '20000')).status).toBe(200);
    expect((await fund('bob', '20000')).status).toBe(200);
    await alice.balance();
    await bob.balance();
  });
  afterAll(async () => sys?.stop());

  it('refuses a replayed request (the challenge is good once)', async () => {
    const c = await MeterClient.login(diskProfiles, 'alice', PW);
    const before = await registersOf('alice');
    const again = await MeterClient.login(diskProfiles, 'alice', PW);
    const { body } = await again.buildRequest('print', printParams('500'));
    const headers = { authorization: `Bearer ${again.sessionToken}` };
    const first = await post(url, `/v1/meters/${again.meterId}/print`, body, headers);
    expect(first.status).toBe(200);
    const replay = await post(url, `/v1/meters/${again.meterId}/print`, body, headers);
    expect(replay.status).toBe(409);
    expect(replay.json.code).toBe('challenge_mismatch');
    expect(replay.headers.get('content-type')).toContain('application/problem+json');
    const after = await registersOf('alice');
    expect(after.ar).toBe(before.ar + 500n); // debited once, not twice
    expect(c.meterId).toBe(again.meterId);
  });

  it('refuses a request altered after its MAC', async () => {
    const c = await MeterClient.login(diskProfiles, 'alice', PW);
    const before = await registersOf('alice');
    const c2 = await MeterClient.login(diskProfiles, 'alice', PW);
    const r = await rawCommand(url, c2, 'print', printParams('730'), (b) => (b.params.amountMills = '1'));
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('bad_mac');
    const r2 = await rawCommand(url, c2, 'balance', {}, (b) => (b.drMills = '999999'));
    expect(r2.json.code).toBe('bad_mac');
    expect(await registersOf('alice')).toEqual(before);
    expect(c.meterId).toBeTruthy();
  });

  it("refuses a stale view of the registers, with the module's MAC'd answer", async () => {
    const before = await registersOf('alice');
    const c = await MeterClient.login(diskProfiles, 'alice', PW);
    const profile = await Profile.unlockWithPassword('alice', PW);
    const s = profile.state;
    const request = {
      op: 'balance',
      meterId: c.meterId,
      challenge: Buffer.from(s.challenge, 'hex'),
      arMills: BigInt(s.arMills) - 1n,
      drMills: BigInt(s.drMills) + 1n,
      params: {},
    };
    const mac = macRequest(Buffer.from(s.macKey, 'base64'), request);
    const body = { challenge: s.challenge, arMills: request.arMills.toString(), drMills: request.drMills.toString(), params: {}, mac: mac.toString('hex') };
    const r = await post(url, `/v1/meters/${c.meterId}/balance`, body, { authorization: `Bearer ${c.sessionToken}` });
    expect(r.status).toBe(409);
    expect(r.json.code).toBe('stale_registers');
    expect(r.json.responseMac).toMatch(/^[0-9a-f]{64}$/);
    expect(await registersOf('alice')).toEqual(before);
  });

  it('refuses a print beyond the funds', async () => {
    const before = await registersOf('alice');
    const c = await MeterClient.login(diskProfiles, 'alice', PW);
    await expectApiError(c.print({ ...printRequest(), amountMills: before.dr + 1n }), 'insufficient_funds');
    expect(await registersOf('alice')).toEqual(before);
  });

  it('refuses zero, negative, sub-mill, huge and non-numeric amounts', async () => {
    const before = await registersOf('alice');
    const cases: [string, string][] = [
      ['0', 'invalid_amount'],
      ['-5', 'invalid_amount'],
      ['1.5', 'invalid_amount'],
      ['0.0001', 'invalid_amount'],
      ['99999999999', 'amount_too_large'],
      ['abc', 'invalid_amount'],
      ['', 'invalid_amount'],
    ];
    for (const [amount, code] of cases) {
      const c = await MeterClient.login(diskProfiles, 'alice', PW);
      const r = await rawCommand(url, c, 'print', printParams(amount));
      expect(r.json.code, amount).toBe(code);
      expect(r.status, amount).toBeGreaterThanOrEqual(400);
      const f = await fund('alice', amount);
      expect(f.json.code, `fund ${amount}`).toMatch(/invalid_amount|amount_too_large|invalid_request/);
    }
    const notString = await post(url, '/v1/admin/fund', { user: 'alice', amountMills: 5 }, officerHeaders(sys.officer));
    expect(notString.json.code).toBe('invalid_request');
    expect(await registersOf('alice')).toEqual(before);
  });

  it('lets nobody spoil a logged-in client by asking for login challenges', async () => {
    const c = await MeterClient.login(diskProfiles, 'alice', PW);
    for (let i = 0; i < 3; i++) {
      const r = await post(url, '/v1/sessions/challenge', { user: 'alice', clientNonce: 'ab'.repeat(32) });
      expect(r.status).toBe(200);
    }
    await c.balance(); // its command challenge is untouched
  });

  it('refuses an oversized body', async () => {
    const r = await post(url, '/v1/registrations', JSON.stringify({ user: 'x', clientNonce: 'a'.repeat(200_000) }));
    expect(r.status).toBe(413);
    expect(r.json.code).toBe('body_too_large');
  });

  it("refuses a request for another customer's meter", async () => {
    const a = await MeterClient.login(diskProfiles, 'alice', PW);
    const b = await MeterClient.login(diskProfiles, 'bob', PW);
    const { body } = await b.buildRequest('balance', {});
    const r = await post(url, `/v1/meters/${b.meterId}/balance`, body, { authorization: `Bearer ${a.sessionToken}` });
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('forbidden');
    const none = await post(url, `/v1/meters/${b.meterId}/balance`, body);
    expect(none.status).toBe(401);
    expect(none.json.code).toBe('unauthorized');
  });

  describe('stored package attacks (played with owner access to the database)', () => {
    const row = async (meterId: string) => {
      const db = await sys.ownerDb();
      try {
        return (await db.query('SELECT package, package_version FROM postal.meters WHERE meter_id = $1', [meterId])).rows[0] as {
          package: Buffer;
          package_version: string;
        };
      } finally {
        await db.end();
      }
    };
    const setRow = async (meterId: string, pkg: Buffer, version: string) => {
      const db = await sys.ownerDb();
      try {
        await db.query('UPDATE postal.meters SET package = $2, package_version = $3 WHERE meter_id = $1', [meterId, pkg, version]);
      } finally {
        await db.end();
      }
    };

    it('refuses a package with a flipped byte', async () => {
      const before = await registersOf('alice');
      const c = await MeterClient.login(diskProfiles, 'alice', PW);
      const good = await row(c.meterId);
      const bad = Buffer.from(good.package);
      bad[Math.floor(bad.length / 2)]! ^= 0x01;
      await setRow(c.meterId, bad, good.package_version);
      await expectApiError(c.balance(), 'package_tampered');
      await setRow(c.meterId, good.package, good.package_version);
      expect(await c.balance()).toMatchObject({ arMills: before.ar, drMills: before.dr });
    });

    it('refuses a package copied from another meter', async () => {
      const c = await MeterClient.login(diskProfiles, 'alice', PW);
      const good = await row(c.meterId);
      const other = await row(bob.meterId);
      // Under alice's own version, so no log shows it stale: the seal (bound to the meter id) refuses it.
      await setRow(c.meterId, other.package, good.package_version);
      await expectApiError(c.balance(), 'package_tampered');
      await setRow(c.meterId, good.package, good.package_version);
      await c.balance();
    });

    it('refuses a package rolled back to an older version of itself', async () => {
      const c = await MeterClient.login(diskProfiles, 'alice', PW);
      const old = await row(c.meterId);
      const printed = await c.print(printRequest());
      const current = await row(c.meterId);
      // Only the bytes rolled back: the version in the seal no longer matches.
      await setRow(c.meterId, old.package, current.package_version);
      await expectApiError(c.balance(), 'package_tampered');
      // The whole row rolled back: the log shows a later version, so it never reaches a module; it is
      // rolled forward from the meter's own records, and the command goes through on the true package.
      await setRow(c.meterId, old.package, old.package_version);
      const after = await c.balance();
      expect([after.arMills, after.drMills]).toEqual([printed.arMills, printed.drMills]);
      expect(BigInt((await row(c.meterId)).package_version)).toBeGreaterThan(BigInt(current.package_version));
      await MeterClient.login(diskProfiles, 'alice', PW);
    });

    it('refuses a second refund in the module even after the database forgot the first (refunded_at reset)', async () => {
      const c = await MeterClient.login(diskProfiles, 'alice', PW);
      const item = await c.print(printRequest());
      await c.refund(item.itemId);
      const before = await registersOf('alice');
      const db = await sys.ownerDb();
      try {
        const reset = await db.query('UPDATE postal.items SET refunded_at = NULL WHERE item_id = $1', [item.itemId]);
        expect(reset.rowCount).toBe(1);
      } finally {
        await db.end();
      }
      const again = await MeterClient.login(diskProfiles, 'alice', PW);
      await expectApiError(again.refund(item.itemId), 'already_refunded');
      expect(await registersOf('alice')).toEqual(before);
    });
  });

  it('returns the first answer and the same item for a retried Idempotency-Key', async () => {
    const before = await registersOf('alice');
    const c = await MeterClient.login(diskProfiles, 'alice', PW);
    const headers = { 'idempotency-key': 'retry-test-1' };
    const { body } = await c.buildRequest('print', printParams('100'));
    const auth = { authorization: `Bearer ${c.sessionToken}`, ...headers };
    const first = await post(url, `/v1/meters/${c.meterId}/print`, body, auth);
    const second = await post(url, `/v1/meters/${c.meterId}/print`, body, auth);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.json.item.itemId).toBe(first.json.item.itemId);
    expect(second.headers.get('idempotency-replayed')).toBe('true');
    const other = await post(url, `/v1/meters/${c.meterId}/print`, { ...body, arMills: '1' }, auth);
    expect(other.status).toBe(422);
    expect(other.json.code).toBe('idempotency_key_reused');
    expect((await registersOf('alice')).ar).toBe(before.ar + 100n);
  });

  it('refunds an unused item once', async () => {
    const c = await MeterClient.login(diskProfiles, 'alice', PW);
    const item = await c.print(printRequest());
    const r = await c.refund(item.itemId);
    expect(r.refundedMills).toBe(730n);
    expect(r.drMills).toBe(item.drMills + 730n);
    expect(r.arMills + r.drMills).toBe(r.controlTotalMills);
    await expectApiError(c.refund(item.itemId), 'already_refunded');
    await expectApiError(c.refund('0'.repeat(32)), 'not_found');
  });

  it('refuses a password from the repetition list', async () => {
    const c = await MeterClient.login(diskProfiles, 'bob', PW);
    await expectApiError(c.changePassword(PW, PW), 'password_reused');
    await expectApiError(c.changePassword('wrong password', 'another good one'), 'invalid_credentials');
    await expectApiError(c.changePassword(PW, 'short'), 'invalid_password');
  });

  it('counts failed logins in the package, ends the session, and locks the meter after 5', async () => {
    // The attacker holds an unlocked client (the MAC key) but not the password: only the module can say no.
    const carol = await MeterClient.register(diskProfiles, url, 'carol', PW);
    const token = carol.sessionToken;
    for (let i = 1; i <= 5; i++) {
      const e = await expectApiError(carol.authenticate(`wrong password ${i}`), 'invalid_credentials');
      expect(e.body.remainingAttempts).toBe(5 - i);
    }
    const ended = await post(url, `/v1/meters/${carol.meterId}/balance`, (await carol.buildRequest('balance', {})).body, { authorization: `Bearer ${token}` });
    expect(ended.json.code).toBe('unauthorized');
    await expectApiError(MeterClient.login(diskProfiles, 'carol', PW), 'meter_locked');
  });

  it('refuses prints from a withdrawn meter', async () => {
    const c = await MeterClient.login(diskProfiles, 'bob', PW);
    await c.withdraw();
    await expectApiError(c.print(printRequest()), 'meter_withdrawn');
  });
});

function printRequest() {
  return { amountMills: 730n, originZip: '90807', destination: '10001', date: today(), rateCategory: 'FCM-LETTER', weightTenthOz: 10 };
}
