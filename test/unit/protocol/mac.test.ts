import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestBytes, responseBytes, type CommandRequest, type CommandResponse } from '../../../src/protocol/index.js';
import { macRequest, macResponse, verifyRequestMac, verifyResponseMac } from '../../../src/module/protocol-crypto.js';

const key = Buffer.alloc(32, 0x11);

const request: CommandRequest = {
  op: 'print',
  meterId: '0f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f',
  challenge: Buffer.alloc(32, 0xab),
  arMills: 1_000n,
  drMills: 9_000n,
  params: { amountMills: '730', originZip: '20260', destination: '10001' },
};

const response: CommandResponse = {
  op: 'print',
  meterId: request.meterId,
  requestMac: Buffer.alloc(32, 0xcd),
  status: 'ok',
  arMills: 1_730n,
  drMills: 8_270n,
  controlTotalMills: 10_000n,
  nextChallenge: Buffer.alloc(32, 0xef),
  result: { itemId: 'ab'.repeat(16), itemSerial: '4' },
};

function flipBit(b: Buffer, bit: number): Buffer {
  const c = Buffer.from(b);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

function flipChar(s: string, at: number): string {
  const i = at % Math.max(1, s.length);
  if (s.length === 0) return 'x';
  return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ 1) + s.slice(i + 1);
}

/** Every way to change one field of a request by a single bit or character. */
function requestMutations(r: CommandRequest, n: number): CommandRequest[] {
  const out: CommandRequest[] = [
    { ...r, op: flipChar(r.op, n) },
    { ...r, meterId: flipChar(r.meterId, n) },
    { ...r, challenge: flipBit(r.challenge, n % 256) },
    { ...r, arMills: r.arMills ^ BigInt(1 << (n % 20)) },
    { ...r, drMills: r.drMills ^ BigInt(1 << (n % 20)) },
    { ...r, params: { ...r.params, extra: '' } },
  ];
  for (const k of Object.keys(r.params)) {
    out.push({ ...r, params: { ...r.params, [k]: flipChar(r.params[k]!, n) } });
    const { [k]: v, ...rest } = r.params;
    out.push({ ...r, params: { ...rest, [flipChar(k, n)]: v! } });
    out.push({ ...r, params: rest });
  }
  return out;
}

function responseMutations(r: CommandResponse, n: number): CommandResponse[] {
  const out: CommandResponse[] = [
    { ...r, op: flipChar(r.op, n) },
    { ...r, meterId: flipChar(r.meterId, n) },
    { ...r, requestMac: flipBit(r.requestMac, n % 256) },
    { ...r, status: flipChar(r.status, n) },
    { ...r, arMills: r.arMills ^ BigInt(1 << (n % 20)) },
    { ...r, drMills: r.drMills ^ BigInt(1 << (n % 20)) },
    { ...r, controlTotalMills: r.controlTotalMills ^ BigInt(1 << (n % 20)) },
    { ...r, nextChallenge: flipBit(r.nextChallenge, n % 256) },
    { ...r, result: { ...r.result, extra: '' } },
  ];
  for (const k of Object.keys(r.result)) out.push({ ...r, result: { ...r.result, [k]: flipChar(r.result[k]!, n) } });
  return out;
}

describe('request MAC', () => {
  it('verifies for the signed request and key', () => {
    const mac = macRequest(key, request);
    expect(mac).toHaveLength(32);
    expect(verifyRequestMac(key, request, mac)).toBe(true);
  });

  it('fails with another key, a truncated MAC or any flipped MAC bit', () => {
    const mac = macRequest(key, request);
    expect(verifyRequestMac(randomBytes(32), request, mac)).toBe(false);
    expect(verifyRequestMac(key, request, mac.subarray(0, 31))).toBe(false);
    expect(verifyRequestMac(key, request, Buffer.alloc(0))).toBe(false);
    for (let bit = 0; bit < 256; bit++) expect(verifyRequestMac(key, request, flipBit(mac, bit))).toBe(false);
  });

  it('fails for any single-bit change in any field', () => {
    const mac = macRequest(key, request);
    fc.assert(
      fc.property(fc.nat(1000), (n) => {
        for (const m of requestMutations(request, n)) expect(verifyRequestMac(key, m, mac)).toBe(false);
      }),
    );
  });

  it('cannot be confused with a response MAC over the same data', () => {
    expect(requestBytes(request).subarray(0, 30).toString('latin1')).toContain('vaultmeter/request/v1');
    expect(responseBytes(response).subarray(0, 30).toString('latin1')).toContain('vaultmeter/response/v1');
  });

  it('keeps params apart from envelope fields', () => {
    // A parameter named like an envelope field must not be able to stand in for it.
    const a = { ...request, params: { op: 'balance' } };
    const b = { ...request, op: 'balance', params: {} };
    expect(macRequest(key, a).equals(macRequest(key, b))).toBe(false);
  });
});

describe('response MAC', () => {
  it('verifies for the signed response and key', () => {
    expect(verifyResponseMac(key, response, macResponse(key, response))).toBe(true);
  });

  it('fails with another key or any flipped MAC bit', () => {
    const mac = macResponse(key, response);
    expect(verifyResponseMac(randomBytes(32), response, mac)).toBe(false);
    for (let bit = 0; bit < 256; bit++) expect(verifyResponseMac(key, response, flipBit(mac, bit))).toBe(false);
  });

  it('fails for any single-bit change in any field', () => {
    const mac = macResponse(key, response);
    fc.assert(
      fc.property(fc.nat(1000), (n) => {
        for (const m of responseMutations(response, n)) expect(verifyResponseMac(key, m, mac)).toBe(false);
      }),
    );
  });
});

describe('MACs over text with no canonical form', () => {
  it('verification returns false, never throws, for a lone surrogate anywhere', () => {
    const mac = macRequest(key, request);
    expect(verifyRequestMac(key, { ...request, params: { x: '\ud800' } }, mac)).toBe(false);
    expect(verifyRequestMac(key, { ...request, op: 'print\udfff' }, mac)).toBe(false);
    expect(verifyResponseMac(key, { ...response, result: { ['\ud800']: '' } }, macResponse(key, response))).toBe(false);
    // Nobody can compute such a MAC in the first place.
    expect(() => macRequest(key, { ...request, params: { x: '\ud800' } })).toThrow();
  });
});
