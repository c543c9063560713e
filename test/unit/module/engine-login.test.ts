import { describe, expect, it } from 'vitest';
import { MAX_FAILED_LOGINS, PASSWORD_HISTORY_LENGTH } from '../../../src/constants.js';
import { makeEngine, PASSWORD, registeredMeter, rejectsWith, T0 } from '../helpers/engine.js';

async function meter() {
  const made = await makeEngine();
  const c = await registeredMeter(made.engine, T0);
  return { ...made, c };
}

describe('MeterEngine login', () => {
  it('accepts the registered password', async () => {
    const { c } = await meter();
    const r = await c.login(PASSWORD);
    expect(r.error).toBeUndefined();
    expect(r.response).toMatchObject({ op: 'login', status: 'ok', result: { state: 'operational' } });
    // The login response's challenge is the next command challenge.
    expect((await c.send('balance')).response.status).toBe('ok');
  });

  it('needs a login challenge: the command challenge does not do', async () => {
    const { engine, c } = await meter();
    c.loginChallenge = c.challenge;
    await rejectsWith(engine.command(c.build('login', { sealedPassword: c.sealed(PASSWORD, c.challenge) })), 'challenge_mismatch');
  });

  it('spends a login challenge once', async () => {
    const { engine, c } = await meter();
    await c.requestLoginChallenge();
    const args = c.build('login', { sealedPassword: c.sealed(PASSWORD, c.loginChallenge!) });
    c.accept(await engine.command(args));
    await rejectsWith(engine.command({ ...args, pkg: c.pkg }), 'challenge_mismatch');
  });

  it('refuses a password sealed under another challenge as invalid_request', async () => {
    const { c } = await meter();
    await c.requestLoginChallenge();
    const r = await c.send('login', { sealedPassword: c.sealed(PASSWORD, Buffer.alloc(32, 1)) });
    expect(r.error?.code).toBe('invalid_request');
  });

  it(`counts down failures and locks the meter after ${MAX_FAILED_LOGINS}`, async () => {
    const { c } = await meter();
    for (let i = 1; i <= MAX_FAILED_LOGINS; i++) {
      const r = await c.login('wrong password!');
      expect(r.error?.code).toBe('invalid_credentials');
      expect(r.error?.extra).toMatchObject({ remainingAttempts: MAX_FAILED_LOGINS - i });
    }
    // Locked: even the right password is refused, and so is every command.
    expect((await c.login(PASSWORD)).error?.code).toBe('meter_locked');
    expect((await c.send('balance')).error?.code).toBe('meter_locked');
    expect((await c.print(1n)).error?.code).toBe('meter_locked');
    const challenge = await c.requestLoginChallenge();
    expect(challenge.response.result).toEqual({ state: 'locked' });
  });

  it('a good login resets the failure count', async () => {
    const { c } = await meter();
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) expect((await c.login('wrong password!')).error?.code).toBe('invalid_credentials');
    expect((await c.login(PASSWORD)).response.status).toBe('ok');
    const r = await c.login('wrong password!');
    expect(r.error?.extra).toMatchObject({ remainingAttempts: MAX_FAILED_LOGINS - 1 });
  });
});

describe('MeterEngine password change', () => {
  it('changes the password; the old one stops working', async () => {
    const { c } = await meter();
    expect((await c.changePassword(PASSWORD, 'a brand new secret')).response.status).toBe('ok');
    expect((await c.login(PASSWORD)).error?.code).toBe('invalid_credentials');
    expect((await c.login('a brand new secret')).response.status).toBe('ok');
  });

  it('refuses a wrong current password, counting it as a failed login', async () => {
    const { c } = await meter();
    const r = await c.changePassword('not my password', 'a brand new secret');
    expect(r.error?.code).toBe('invalid_credentials');
    expect(r.error?.extra).toMatchObject({ remainingAttempts: MAX_FAILED_LOGINS - 1 });
    expect((await c.login(PASSWORD)).response.status).toBe('ok');
  });

  it('refuses a new password that breaks the rules', async () => {
    const { c } = await meter();
    expect((await c.changePassword(PASSWORD, 'short')).error?.code).toBe('invalid_password');
    expect((await c.changePassword(PASSWORD, 'x'.repeat(257))).error?.code).toBe('invalid_password');
  });

  it(`refuses the current password and the last ${PASSWORD_HISTORY_LENGTH} as password_reused`, async () => {
    const { c } = await meter();
    expect((await c.changePassword(PASSWORD, PASSWORD)).error?.code).toBe('password_reused');
    const passwords = [PASSWORD];
    for (let i = 1; i < PASSWORD_HISTORY_LENGTH; i++) {
      const next = `password number ${i}`;
      expect((await c.changePassword(passwords.at(-1)!, next)).response.status).toBe('ok');
      passwords.push(next);
    }
    // History now holds all five: every one of them is refused.
    const current = passwords.at(-1)!;
    for (const old of passwords) expect((await c.changePassword(current, old)).error?.code).toBe('password_reused');
    // One more change pushes the first out of the history: it may be used again.
    expect((await c.changePassword(current, 'password number 5')).response.status).toBe('ok');
    expect((await c.changePassword('password number 5', PASSWORD)).response.status).toBe('ok');
    expect((await c.login(PASSWORD)).response.status).toBe('ok');
  });

  it('refuses a change whose passwords were sealed under another challenge', async () => {
    const { c } = await meter();
    const wrong = Buffer.alloc(32, 7);
    const r = await c.send('password', { sealedOldPassword: c.sealed(PASSWORD, wrong), sealedNewPassword: c.sealed('a brand new secret', wrong) });
    expect(r.error?.code).toBe('invalid_request');
  });
});
