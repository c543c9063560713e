import type { LabelFormat, Stock } from './types.js';

export interface StockSpec {
  readonly widthIn: number;
  readonly heightIn: number;
  readonly formats: readonly LabelFormat[];
}

/** The media a label can be printed on. ZPL is for thermal label printers, so only the 4x6 label has it. */
export const STOCKS: Readonly<Record<Stock, StockSpec>> = Object.freeze({
  'label-4x6': Object.freeze({ widthIn: 4, heightIn: 6, formats: Object.freeze(['pdf', 'png', 'zpl'] as const) }),
  'envelope-10': Object.freeze({ widthIn: 9.5, heightIn: 4.125, formats: Object.freeze(['pdf', 'png'] as const) }),
  letter: Object.freeze({ widthIn: 8.5, heightIn: 11, formats: Object.freeze(['pdf', 'png'] as const) }),
});
