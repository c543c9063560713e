import fc from 'fast-check';
import { it } from 'vitest';
import { dataMatrixPng, encodeItem, encodeSignedBytes } from '../../../src/indicium/index.js';
import { itemDataArb } from '../helpers/items.js';
it('find', async () => {
  const samples = fc.sample(fc.tuple(itemDataArb, fc.uint8Array({ minLength: 64, maxLength: 64 })), 3000);
  let fails = 0;
  for (const [d, sig] of samples) {
    const item = encodeItem(encodeSignedBytes(d), Buffer.from(sig));
    try { await dataMatrixPng(item, 2); } catch (e) { fails++; if (fails < 4) console.log(item.length, (e as Error).message, item.toString('hex')); }
  }
  console.log('fails', fails);
}, 600000);
