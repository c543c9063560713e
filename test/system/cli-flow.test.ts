import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startSystem, type TestSystem } from './harness.js';

// The flow, driven only through the CLI: start (with development init), register, fund, print, verify.
describe('CLI end to end', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startSystem();
  });
  afterAll(async () => sys?.stop());

  it('registers, funds, prints and verifies an item that openssl accepts', async () => {
    const s = ['--server', sys.url];
    const reg = await sys.cli(['client', 'register', ...s, '--user', 'alice', '--password', 'correct horse battery', '--json']);
    expect(reg.code, reg.stderr).toBe(0);
    expect(reg.json.meterId).toMatch(/^[0-9a-f-]{36}$/);

    const officer = ['--officer', sys.officer.user, '--officer-password', sys.officer.password, '--officer-key', sys.officer.keyFile];
    const fund = await sys.cli(['admin', 'fund', ...s, '--user', 'alice', '--amount', '20.00', ...officer, '--json']);
    expect(fund.code, fund.stderr).toBe(0);
    expect(fund.json.drMills).toBe('20000');

    const bal = await sys.cli(['client', 'balance', '--user', 'alice', '--json']);
    expect(bal.json).toEqual({ arMills: '0', drMills: '20000', controlTotalMills: '20000' });

    const out = join(sys.dir, 'item.bin');
    const pr = await sys.cli(['client', 'print', '--user', 'alice', '--amount', '0.73', '--from', '90807', '--to', '10001', '--out', out, '--json']);
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.json).toMatchObject({ amountMills: '730', arMills: '730', drMills: '19270', file: out });
    expect(pr.json.itemId).toMatch(/^[0-9a-f]{32}$/);
    expect((await stat(`${out}.png`)).size).toBeGreaterThan(100);

    const after = await sys.cli(['client', 'balance', '--user', 'alice', '--json']);
    expect(after.json).toEqual({ arMills: '730', drMills: '19270', controlTotalMills: '20000' });

    const v = await sys.cli(['verify', out, ...s, '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.json).toMatchObject({ valid: true, meterId: reg.json.meterId, amountMills: '730' });

    // Anyone can check the signature with stock tools.
    await writeFile(join(sys.dir, 'data.bin'), Buffer.from(v.json.signedDataHex, 'hex'));
    await writeFile(join(sys.dir, 'sig.der'), Buffer.from(v.json.signatureDerHex, 'hex'));
    await writeFile(join(sys.dir, 'cert.pem'), v.json.certificatePem);
    const pub = execFileSync('openssl', ['x509', '-in', join(sys.dir, 'cert.pem'), '-pubkey', '-noout']);
    await writeFile(join(sys.dir, 'pub.pem'), pub);
    const ok = execFileSync('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      join(sys.dir, 'pub.pem'),
      '-signature',
      join(sys.dir, 'sig.der'),
      join(sys.dir, 'data.bin'),
    ]);
    expect(ok.toString()).toContain('Verified OK');
    const chain = execFileSync('openssl', ['verify', '-CAfile', join(sys.env.VAULTMETER_HOME!, 'certs', 'ca.pem'), join(sys.dir, 'cert.pem')]);
    expect(chain.toString()).toContain('OK');

    // A flipped byte in the item fails verification with a reason.
    const bytes = await readFile(out);
    bytes[bytes.length - 70]! ^= 0x01;
    await writeFile(join(sys.dir, 'bad.bin'), bytes);
    const bad = await sys.cli(['verify', join(sys.dir, 'bad.bin'), ...s, '--json']);
    expect(bad.code).toBe(3);
    expect(bad.json.valid).toBe(false);
    expect(bad.json.reasons.join(' ')).toMatch(/signature/);
  });

  it('refuses bad CLI amounts before anything is sent', async () => {
    for (const amount of ['0', '-1', '0.0001', '1e3', 'abc', '99999999999999']) {
      const r = await sys.cli([
        'client',
        'print',
        '--user',
        'alice',
        '--amount',
        amount,
        '--from',
        '90807',
        '--to',
        '10001',
        '--out',
        join(sys.dir, 'x.bin'),
        '--json',
      ]);
      expect(r.code, amount).toBe(1);
      expect(['invalid_amount', 'amount_too_large']).toContain(r.json.error.code);
    }
    const bal = await sys.cli(['client', 'balance', '--user', 'alice', '--json']);
    expect(bal.json).toEqual({ arMills: '730', drMills: '19270', controlTotalMills: '20000' });
  });

  it('serves OpenAPI and answers unknown routes with problem JSON', async () => {
    const api = await (await fetch(`${sys.url}/openapi.json`)).json();
    expect(api.openapi).toMatch(/^3\./);
    expect(Object.keys(api.paths)).toContain('/v1/meters/{meterId}/{op}');
    const res = await fetch(`${sys.url}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await res.json()).code).toBe('not_found');
  });
});

describe('CLI help', () => {
  const commands = [
    [],
    ['init'],
    ['start'],
    ['module'],
    ['serve'],
    ['verify'],
    ['client'],
    ['client', 'register'],
    ['client', 'login'],
    ['client', 'balance'],
    ['client', 'print'],
    ['client', 'refund'],
    ['client', 'withdraw'],
    ['client', 'password'],
    ['client', 'logout'],
    ['admin'],
    ['admin', 'fund'],
    ['admin', 'audit'],
    ['admin', 'revoke'],
    ['admin', 'unlock'],
    ['admin', 'modules'],
    ['admin', 'modules', 'reinstate'],
    ['admin', 'halt', 'clear'],
    ['admin', 'approve'],
    ['admin', 'approvals'],
    ['admin', 'events'],
    ['admin', 'officers', 'add'],
    ['staging'],
    ['staging', 'run'],
    ['reports'],
    ['reports', 'postage'],
    ['reports', 'revenue'],
  ];
  it.each(commands.map((c) => [c.join(' ') || '(root)', c]))('%s --help', async (_name, args) => {
    const r = await runCli([...(args as string[]), '--help'], process.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: vaultmeter/);
  });
});
