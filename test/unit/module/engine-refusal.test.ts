import { describe, expect, it } from 'vitest';
import { makeEngine, registeredMeter, rejectsWith, T0 } from '../helpers/engine.js';

async function client() {
  const made = await makeEngine();
  const c = await registeredMeter(made.engine, T0);
  await c.fund(10_000n);
  return { ...made, c };
}

// A refusal the API server decided is carried out by the module: it checks the request as any
// command (MAC, challenge), refuses it with the server's code and spends the challenge.
describe('MeterEngine command with a server refusal', () => {
  it('refuses the command, rotates the challenge and leaves the registers alone', async () => {
    const { engine, c } = await client();
    const args = c.build('print', { amountMills: '700' }, { refusal: { code: 'idempotency_key_reused', message: 'the key was used' } });
    const r = c.accept(await engine.command(args));
    expect(r.error).toMatchObject({ code: 'idempotency_key_reused', message: 'the key was used' });
    expect(r.response).toMatchObject({ status: 'idempotency_key_reused', arMills: '0', drMills: '10000' });
    expect(r.item).toBeUndefined();
    // The same request, sent again without the refusal, is a replay.
    await rejectsWith(() => engine.command({ ...args, pkg: c.pkg, refusal: undefined }), 'challenge_mismatch');
  });

  it('spends nothing for a request whose MAC or challenge is wrong', async () => {
    const { engine, c } = await client();
    const args = c.build('balance', {}, { refusal: { code: 'forbidden', message: 'not yours' } });
    await rejectsWith(() => engine.command({ ...args, mac: '00'.repeat(32) }), 'bad_mac');
    await rejectsWith(() => engine.command({ ...args, challenge: '00'.repeat(32) }), 'bad_mac');
    expect((await c.send('balance')).response.status).toBe('ok');
  });

  it.each(['invalid_credentials', 'package_tampered', 'no_such_code'])('does not take %s from the server', async (code) => {
    const { engine, c } = await client();
    await rejectsWith(() => engine.command(c.build('balance', {}, { refusal: { code, message: 'x' } })), 'invalid_request');
    expect((await c.send('balance')).response.status).toBe('ok');
  });
});
