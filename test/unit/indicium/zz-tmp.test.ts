import fc from 'fast-check';
import { it } from 'vitest';
import { dataMatrixPng, encodeItem, encodeSignedBytes } from '../../../src/indicium/index.js';
import { itemDataArb } from '../helpers/items.js';
it('find', async () => {
  const samples = fc.sample(fc.tuple(itemDataArb, fc.uint8Array({ minLength: 64, maxLength: 64 })), 4000);
  let fails = 0;
  for (const [d, sig] of samples) {
    try { await dataMatrixPng(encodeItem(encodeSignedBytes(d), Buffer.from(sig)), 2); } catch { fails++; }
  }
  console.log('fails', fails);
}, 600000);
