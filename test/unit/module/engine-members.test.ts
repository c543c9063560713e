import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { INVITATION_TTL_MS, MAX_ACCOUNT_MEMBERS, MAX_FAILED_LOGINS } from '../../../src/constants.js';
import { effectsOf } from '../../../src/ledger/index.js';
import { decodePackage, encodePackage } from '../../../src/meter/index.js';
import type { CommandResult, MeterEngine, SealedRef } from '../../../src/module/index.js';
import { sealRegistration, verifyResponseMac } from '../../../src/module/protocol-crypto.js';
import { Clock, makeEngine, PASSWORD, registeredMeter, rejectsWith, T0, TestClient, toResponse } from '../helpers/engine.js';

// Several users per account (issue 14 item 1), in the module: each member's credentials live in its
// slot of the package, the module checks a member's MAC with the member's key, and refuses what the
// role does not allow. The server names the member; it cannot make the module take its word.

const MEMBER_PW = 'member password long';

/** A member's client: its own MAC key, its own challenges; every command names the member. */
class MemberClient extends TestClient {
  constructor(
    owner: TestClient,
    readonly name: string,
    macKey: Buffer,
  ) {
    super(owner.engine, owner.meterId, macKey, owner.provisioned);
  }

  override async requestLoginChallenge(): Promise<CommandResult> {
    return this.accept(await this.engine.challenge({ pkg: this.pkg, clientNonce: randomBytes(32).toString('hex'), member: this.name }));
  }

  override send(op: string, params: Record<string, string> = {}, extra = {}): Promise<CommandResult> {
    return super.send(op, params, { member: this.name, ...extra });
  }
}

function inviteParams(member: string, role: string, code: string, nowMs: number) {
  const codeHash = createHash('sha256').update(code).digest('hex');
  return { member, role, codeHash, email: `${member}@example.com`, expiresAt: new Date(nowMs + INVITATION_TTL_MS - 1000).toISOString() };
}

/** Accept an invitation as a member's client would; throws what the module refuses. */
async function accept(engine: MeterEngine, pkg: SealedRef, meterId: string, member: string, code: string, macKey = randomBytes(32)) {
  const nonce = randomBytes(32);
  const begun = await engine.registerBegin({ pkg, clientNonce: nonce.toString('hex'), member });
  const envelope = sealRegistration(
    meterId,
    nonce,
    Buffer.from(begun.ephemeralPublicKey, 'hex'),
    { macKey, password: MEMBER_PW, invitation: { member, code } },
    randomBytes,
  );
  const done = await engine.registerComplete({
    pkg: begun.package,
    clientPublicKey: envelope.clientPublicKey.toString('hex'),
    sealedSecrets: envelope.sealed.toString('base64'),
    member,
  });
  return { done, macKey, begun };
}

async function accountWith(role: 'shipper' | 'viewer', clock = new Clock(T0)) {
  const { engine } = await makeEngine(clock);
  const owner = await registeredMeter(engine, clock.now());
  await owner.fund(100_000n);
  const code = randomBytes(32).toString('base64url');
  const invited = await owner.send('member_invite', inviteParams('bob', role, code, clock.now()));
  expect(invited.response.status).toBe('ok');
  const { done, macKey } = await accept(engine, owner.pkg, owner.meterId, 'bob', code);
  const bob = new MemberClient(owner, 'bob', macKey);
  bob.accept(done);
  owner.pkg = bob.pkg;
  return { engine, owner, bob, code, clock };
}

/** Keep both clients on the newest package, as the database would. */
function share(from: TestClient, ...to: TestClient[]) {
  for (const c of to) c.pkg = from.pkg;
}

describe('members of an account, in the module', () => {
  it('invites: the slot holds the code only as its hash, and the answer carries what the ledger records', async () => {
    const { engine } = await makeEngine();
    const owner = await registeredMeter(engine, T0);
    const code = 'a-code-the-owner-drew-0123456789';
    const r = await owner.send('member_invite', inviteParams('bob', 'shipper', code, T0));
    expect(r.response.status).toBe('ok');
    expect(r.response.result).toMatchObject({ member: 'bob', role: 'shipper', email: 'bob@example.com' });
    const effects = effectsOf('command', { pkg: r.package }, { package: r.package, response: r.response });
    expect(effects.find((e) => e.kind === 'member_invited')).toMatchObject({ member: 'bob', role: 'shipper', email: 'bob@example.com' });
    expect(JSON.stringify(r)).not.toContain(code);
    const again = await owner.send('member_invite', inviteParams('bob', 'viewer', 'another-code-0123456789', T0));
    expect(again.response.status).toBe('member_exists');
  });

  it('refuses malformed invitations as invalid_request, and more than MAX_ACCOUNT_MEMBERS', async () => {
    const { engine } = await makeEngine();
    const owner = await registeredMeter(engine, T0);
    const good = inviteParams('bob', 'shipper', 'code-0123456789abcdef', T0);
    for (const bad of [
      { ...good, member: 'bob+x' },
      { ...good, role: 'owner' },
      { ...good, codeHash: 'ab' },
      { ...good, email: 'not an address' },
      { ...good, expiresAt: new Date(T0 + INVITATION_TTL_MS + 60_000).toISOString() },
      { ...good, expiresAt: new Date(T0 - 1000).toISOString() },
    ]) {
      expect((await owner.send('member_invite', bad)).response.status).toBe('invalid_request');
    }
    for (let i = 0; i < MAX_ACCOUNT_MEMBERS; i++) {
      expect((await owner.send('member_invite', { ...good, member: `m${i}` })).response.status).toBe('ok');
    }
    expect((await owner.send('member_invite', { ...good, member: 'one-too-many' })).response.status).toBe('too_many_members');
  });

  it('accepts with the code only: a wrong code, another member name, or a lapsed invitation is refused', async () => {
    const clock = new Clock(T0);
    const { engine } = await makeEngine(clock);
    const owner = await registeredMeter(engine, T0);
    const code = randomBytes(32).toString('base64url');
    await owner.send('member_invite', inviteParams('bob', 'shipper', code, T0));
    await owner.send('member_invite', inviteParams('vic', 'viewer', 'vic-code-0123456789abcdef', T0));
    await rejectsWith(accept(engine, owner.pkg, owner.meterId, 'bob', 'wrong-code-0123456789'), 'invitation_code_wrong');
    // Bob's code, sealed as if for Vic: the code is bound to its member.
    await rejectsWith(accept(engine, owner.pkg, owner.meterId, 'vic', code), 'invitation_code_wrong');
    await rejectsWith(accept(engine, owner.pkg, owner.meterId, 'nobody', code), 'invitation_unknown');
    clock.advance(INVITATION_TTL_MS);
    await rejectsWith(accept(engine, owner.pkg, owner.meterId, 'bob', code), 'invitation_expired');
  });

  it("answers the acceptance MAC'd with the member's new key, and an accepted invitation cannot be accepted again", async () => {
    const { engine, owner, bob, code } = await accountWith('shipper');
    const r = bob.last!;
    expect(r.response).toMatchObject({ op: 'register', status: 'ok', result: { member: 'bob', role: 'shipper', sandbox: 'false' } });
    expect(verifyResponseMac(owner.macKey, toResponse(r), Buffer.from(r.responseMac, 'hex'))).toBe(false);
    const effects = effectsOf('registerComplete', { pkg: r.package }, { package: r.package, response: r.response });
    expect(effects.map((e) => e.kind)).toEqual(['package_stored', 'member_joined']);
    await rejectsWith(accept(engine, bob.pkg, owner.meterId, 'bob', code), 'invitation_unknown');
  });

  it('a shipper prints on the shared registers; the owner, behind, is told stale_registers and goes on from the answer', async () => {
    const { owner, bob } = await accountWith('shipper');
    const printed = await bob.print(730n);
    expect(printed.response.status).toBe('ok');
    expect(bob.ar).toBe(730n);
    share(bob, owner);
    const stale = await owner.print(500n);
    expect(stale.response.status).toBe('stale_registers');
    owner.ar = BigInt(stale.response.arMills);
    owner.dr = BigInt(stale.response.drMills);
    expect((await owner.print(500n)).response.status).toBe('ok');
    expect(owner.ar).toBe(1230n);
  });

  it('refuses what the role does not allow (the challenge is spent), whatever the server asks', async () => {
    const { owner, bob } = await accountWith('viewer');
    for (const [op, params] of [
      ['print', {}],
      ['refund', { itemId: '0'.repeat(32) }],
      ['withdraw', {}],
      ['fund_request', { amountMills: '1000' }],
      ['member_invite', inviteParams('eve', 'shipper', 'code-0123456789abcdef', T0)],
      ['member_remove', { member: 'bob' }],
      ['api_key', {}],
    ] as const) {
      const r = op === 'print' ? await bob.print(730n) : await bob.send(op, params);
      expect({ op, status: r.response.status }).toEqual({ op, status: 'member_role' });
    }
    expect((await bob.send('balance')).response.status).toBe('ok');
    expect(bob.ar).toBe(0n);
    share(bob, owner);
    expect((await owner.send('balance')).response.status).toBe('ok');
  });

  it("checks a member's MAC with the member's key: the owner's MAC named as the member, or the member's unnamed, is bad_mac", async () => {
    const { engine, owner, bob } = await accountWith('shipper');
    share(bob, owner);
    // The server relays the owner's signed request as if it were Bob's.
    await rejectsWith(engine.command({ ...owner.build('balance'), member: 'bob' }), 'bad_mac');
    // Bob's signed request with the member dropped: checked with the owner's key.
    const { member: _dropped, ...unnamed } = bob.build('balance');
    await rejectsWith(engine.command(unnamed), 'bad_mac');
    await rejectsWith(engine.command({ ...bob.build('balance'), member: 'mallory' }), 'member_unknown');
  });

  it('locks out a member after too many failed logins, and only that member', async () => {
    const { owner, bob } = await accountWith('shipper');
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
      const r = await bob.login('wrong password here');
      expect(r.response.status).toBe('invalid_credentials');
      if (i === MAX_FAILED_LOGINS - 1) {
        expect(r.error?.extra).toMatchObject({ remainingAttempts: 0, member: 'bob' });
        const effects = effectsOf('command', { pkg: r.package }, { package: r.package, response: r.response, error: r.error });
        expect(effects.map((e) => e.kind)).toEqual(['package_stored', 'member_locked']);
      }
    }
    expect((await bob.login(MEMBER_PW)).response.status).toBe('meter_locked');
    share(bob, owner);
    expect((await owner.login(PASSWORD)).response.status).toBe('ok');
    expect((await decodedOf(owner)).state).toBe('operational');
  });

  it('removes a member: its slot and keys leave the package, and nothing it signs is taken after', async () => {
    const { engine, owner, bob } = await accountWith('shipper');
    share(bob, owner);
    const r = await owner.send('member_remove', { member: 'bob' });
    expect(r.response).toMatchObject({ status: 'ok', result: { member: 'bob' } });
    share(owner, bob);
    await rejectsWith(engine.command(bob.build('balance', {}, { member: 'bob' })), 'member_unknown');
    expect((await owner.send('member_remove', { member: 'bob' })).response.status).toBe('member_unknown');
  });

  it('keeps members through the package encoding; a format-4 package opens with none', async () => {
    const { owner } = await accountWith('viewer');
    const pkg = await decodedOf(owner);
    expect(pkg.members).toHaveLength(1);
    expect(decodePackage(encodePackage(pkg))).toEqual(pkg);
    const older = JSON.parse(encodePackage(pkg).toString('utf8')) as Record<string, unknown>;
    delete older.members;
    older.f = 4;
    expect(decodePackage(Buffer.from(JSON.stringify(older))).members).toEqual([]);
  });
});

/** The package a client holds, opened by the engine that sealed it. */
function decodedOf(c: TestClient) {
  return c.engine.open(c.pkg);
}
