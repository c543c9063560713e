import type { Symbology } from '../barcode.js';
import type { Impb } from '../impb.js';

export type { Symbology };
export type Stock = 'label-4x6' | 'envelope-10' | 'letter';
export type LabelFormat = 'pdf' | 'png' | 'zpl';
export type LabelKind = 'postage' | 'ticket' | 'coupon' | 'voucher' | 'gift';

/** What a label shows. Everything but `itemBytes` is printed as text; the barcode carries `itemBytes` exactly. */
export interface LabelInput {
  readonly itemBytes: Buffer;
  readonly kind: LabelKind;
  readonly valueMills: bigint;
  /** YYYY-MM-DD */
  readonly date: string;
  readonly meterId: string;
  readonly itemId: string;
  readonly originZip?: string;
  /** Destination ZIP (5), ZIP+4 (9) or delivery point (11 digits); shown when there is no address block. */
  readonly destination?: string;
  /** Postage destination address block, at most 6 lines. */
  readonly addressLines?: readonly string[];
  /** Non-postage items: event or offer text. */
  readonly title?: string;
  /** The sender's address block, at most 6 lines (label-4x6 only; other stocks leave it out). */
  readonly returnLines?: readonly string[];
  /** The service banner across the label, e.g. "PRIORITY MAIL" (label-4x6 only; see mailClassLabel). */
  readonly serviceBanner?: string;
  /** The Intelligent Mail package barcode and its tracking number (label-4x6 only; see impbFor). */
  readonly impb?: Impb;
  /** Test mode: the item is a test item. Also read from the item bytes' flag, so a caller cannot leave the marking off. */
  readonly test?: boolean;
}

export interface RenderOptions {
  readonly stock: Stock;
  readonly format: LabelFormat;
  readonly symbology?: Symbology;
  /** PNG and ZPL only: printer resolution in dots per inch (PNG default 300, ZPL default 203; ZPL accepts 203, 300, 600). */
  readonly dpi?: number;
}

/** A label that cannot be made: unsupported stock or format, bad input, an item too large for the stock. */
export class LabelError extends Error {
  override readonly name = 'LabelError';
}
