import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, prefixed } from '../../../src/protocol/index.js';

describe('canonicalBytes layout', () => {
  it('is u16 domain | (u16 name | u32 value)* with names sorted', () => {
    const bytes = canonicalBytes('d', { b: 'xy', a: '' });
    expect(bytes.toString('hex')).toBe(
      [
        '0001',
        '64', // domain "d"
        '0001',
        '61',
        '00000000', // a = ""
        '0001',
        '62',
        '00000002',
        '7879', // b = "xy"
      ].join(''),
    );
  });

  it('encodes values as UTF-8', () => {
    const bytes = canonicalBytes('', { k: 'é€' });
    expect(bytes.subarray(2 + 2 + 1)).toEqual(Buffer.from([0, 0, 0, 5, 0xc3, 0xa9, 0xe2, 0x82, 0xac]));
  });

  it('refuses a field name longer than 65535 bytes', () => {
    expect(() => canonicalBytes('d', { ['n'.repeat(0x10000)]: 'v' })).toThrow();
    expect(() => canonicalBytes('d', { ['n'.repeat(0xffff)]: 'v' })).not.toThrow();
  });

  it('refuses strings with lone surrogates, which UTF-8 cannot represent', () => {
    expect(() => canonicalBytes('d', { a: '\ud800' })).toThrow();
    expect(() => canonicalBytes('d', { ['\udc00']: 'v' })).toThrow();
    expect(() => canonicalBytes('\ud800x', {})).toThrow();
    expect(() => canonicalBytes('d', { a: '😀' })).not.toThrow();
  });
});

const fieldMap = fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 8 }), { maxKeys: 5 });
const binaryFieldMap = fc.dictionary(fc.string({ unit: 'binary', maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 6 }), { maxKeys: 4 });

function reversed(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(fields).reverse()) out[k] = fields[k]!;
  return out;
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

describe('canonicalBytes properties', () => {
  it('is deterministic and independent of key insertion order', () => {
    fc.assert(
      fc.property(fc.string(), fieldMap, (domain, fields) => {
        expect(canonicalBytes(domain, fields)).toEqual(canonicalBytes(domain, fields));
        expect(canonicalBytes(domain, reversed(fields))).toEqual(canonicalBytes(domain, fields));
      }),
    );
  });

  it('gives different bytes for different (domain, fields)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 4 }), fieldMap, fc.string({ maxLength: 4 }), fieldMap, (d1, f1, d2, f2) => {
        fc.pre(d1 !== d2 || !sameMap(f1, f2));
        expect(canonicalBytes(d1, f1).equals(canonicalBytes(d2, f2))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('has no ambiguity from shifting bytes between names and values', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), fc.nat(20), (name, value, cut) => {
        const joined = name + value;
        const at = Math.min(cut, joined.length);
        const other = { [joined.slice(0, at)]: joined.slice(at) };
        fc.pre(!sameMap({ [name]: value }, other));
        expect(canonicalBytes('d', { [name]: value }).equals(canonicalBytes('d', other))).toBe(false);
      }),
    );
  });

  it('is injective or refuses, for any UTF-16 input including lone surrogates', () => {
    const bytesOrNull = (d: string, f: Record<string, string>) => {
      try {
        return canonicalBytes(d, f);
      } catch {
        return null;
      }
    };
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 3 }),
        binaryFieldMap,
        fc.string({ unit: 'binary', maxLength: 3 }),
        binaryFieldMap,
        (d1, f1, d2, f2) => {
          fc.pre(d1 !== d2 || !sameMap(f1, f2));
          const a = bytesOrNull(d1, f1);
          const b = bytesOrNull(d2, f2);
          if (a && b) expect(a.equals(b)).toBe(false);
        },
      ),
      { numRuns: 3000 },
    );
    // The concrete collision this guards against: both would encode as EF BF BD.
    expect(bytesOrNull('d', { a: '\ud800' })).toBeNull();
  });
});

describe('prefixed', () => {
  it('prefixes every name with "<prefix>."', () => {
    expect(prefixed('param', { amountMills: '5', 'x.y': 'z' })).toEqual({ 'param.amountMills': '5', 'param.x.y': 'z' });
    expect(prefixed('p', {})).toEqual({});
  });
});
