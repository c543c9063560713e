import { describe, expect, it } from 'vitest';
import {
  LabelError,
  MAX_ADDRESS_LINES,
  STOCKS,
  formatValue,
  formatZip,
  renderLabel,
  type LabelInput,
  type RenderOptions,
} from '../../../src/indicium/labels/index.js';
import * as indicium from '../../../src/indicium/index.js';
import { randomPayload, realItem } from './fixtures.js';

const item = realItem();

describe('stocks', () => {
  it('are a 4x6 thermal label (PDF, PNG, ZPL), a #10 envelope and a US Letter sheet (PDF, PNG)', () => {
    expect(STOCKS).toEqual({
      'label-4x6': { widthIn: 4, heightIn: 6, formats: ['pdf', 'png', 'zpl'] },
      'envelope-10': { widthIn: 9.5, heightIn: 4.125, formats: ['pdf', 'png'] },
      letter: { widthIn: 8.5, heightIn: 11, formats: ['pdf', 'png'] },
    });
    expect(Object.isFrozen(STOCKS)).toBe(true);
  });

  it('are exported from src/indicium with the renderer and the barcode helpers', () => {
    expect(indicium.renderLabel).toBe(renderLabel);
    expect(indicium.STOCKS).toBe(STOCKS);
    expect(indicium.LabelError).toBe(LabelError);
    for (const name of ['dataMatrixPng', 'pdf417Png', 'barcodePng', 'barcodeSvg'] as const) expect(typeof indicium[name]).toBe('function');
  });
});

describe('LabelError', () => {
  const bad: Array<[string, Partial<LabelInput>, Partial<RenderOptions>]> = [
    ['envelope-10 as ZPL', {}, { stock: 'envelope-10', format: 'zpl' }],
    ['letter as ZPL', {}, { stock: 'letter', format: 'zpl' }],
    ['an unknown stock', {}, { stock: 'a4' as never }],
    ['an unknown format', {}, { format: 'jpeg' as never }],
    ['an unknown symbology', {}, { symbology: 'qrcode' as never }],
    [`${MAX_ADDRESS_LINES + 1} address lines`, { addressLines: Array.from({ length: MAX_ADDRESS_LINES + 1 }, (_, i) => `LINE ${i}`) }, {}],
    ['no item bytes', { itemBytes: Buffer.alloc(0) }, {}],
    ['a date that is not YYYY-MM-DD', { date: '14/03/2026' }, {}],
    ['a date that does not exist', { date: '2026-02-30' }, {}],
    ['a negative value', { valueMills: -1n }, {}],
    ['an unknown kind', { kind: 'stamp' as never }, {}],
    ['a ZPL printer resolution that does not exist', {}, { format: 'zpl', dpi: 250 }],
    ['a PNG resolution out of range', {}, { format: 'png', dpi: 2400 }],
    ['a resolution for a PDF', {}, { format: 'pdf', dpi: 300 }],
    ['an item too large for a Data Matrix', { itemBytes: randomPayload(1600, 1) }, {}],
    ['an item too large for a PDF417 symbol', { itemBytes: randomPayload(1200, 2) }, { symbology: 'pdf417' }],
    ['an item too large for one ZPL field', { itemBytes: Buffer.alloc(1100, 0xff) }, { format: 'zpl' }],
  ];
  it.each(bad)('is thrown for %s', async (_, change, opts) => {
    const err = await renderLabel({ ...item, ...change }, { stock: 'label-4x6', format: 'pdf', ...opts }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabelError);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('LabelError');
  });

  it('names the formats a stock does support', async () => {
    await expect(renderLabel(item, { stock: 'envelope-10', format: 'zpl' })).rejects.toThrow(
      'stock envelope-10 cannot be printed as zpl (it can be: pdf, png)',
    );
  });

  it('is not thrown for the largest value, long text fields, or non-Latin text', async () => {
    const odd = { ...item, valueMills: 2n ** 64n - 1n, title: 'x'.repeat(500), addressLines: ['東京都千代田区', 'y'.repeat(200)] };
    for (const stock of ['label-4x6', 'envelope-10', 'letter'] as const) {
      for (const symbology of ['datamatrix', 'pdf417'] as const)
        await expect(renderLabel(odd, { stock, format: 'pdf', symbology })).resolves.toBeInstanceOf(Buffer);
    }
  });

  it('is not thrown for exactly 6 address lines, or none', async () => {
    const six = Array.from({ length: 6 }, (_, i) => `ADDRESS LINE ${i + 1}`);
    for (const stock of ['label-4x6', 'envelope-10', 'letter'] as const) {
      await expect(renderLabel({ ...item, addressLines: six }, { stock, format: 'pdf' })).resolves.toBeInstanceOf(Buffer);
      await expect(renderLabel({ ...item, addressLines: undefined, destination: undefined }, { stock, format: 'pdf' })).resolves.toBeInstanceOf(Buffer);
    }
  });
});

describe('human-readable fields', () => {
  it.each([
    [730n, '$0.73'],
    [735n, '$0.735'],
    [0n, '$0.00'],
    [1n, '$0.001'],
    [1_000n, '$1.00'],
    [1_234_567_890n, '$1,234,567.89'],
    [2n ** 64n - 1n, '$18,446,744,073,709,551.615'],
  ])('value %s mills is %s', (mills, text) => {
    expect(formatValue(mills)).toBe(text);
  });

  it.each([
    ['20260', '20260'],
    ['100011234', '10001-1234'],
    ['10001123456', '10001-1234-56'],
  ])('ZIP %s is %s', (zip, text) => {
    expect(formatZip(zip)).toBe(text);
  });
});
