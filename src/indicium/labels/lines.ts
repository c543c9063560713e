import type { Symbology } from '../barcode.js';
import type { LinearBars } from '../barcode-gs1.js';
import type { Impb } from '../impb.js';
import type { TextMetrics } from './text.js';

// The positioned elements a layout is made of, and the text lines every part of a layout is built from.

/**
 * A label as positioned elements, in inches from the top left (y downwards). The PDF, SVG/PNG and ZPL
 * writers only draw what this decides, so the three outputs look alike.
 */
export type Element =
  /** One line of text; `y` is its baseline. Text is already cleaned and fitted to its width. */
  | { readonly type: 'text'; readonly x: number; readonly y: number; readonly sizePt: number; readonly bold: boolean; readonly text: string }
  /** A filled black rectangle (rules and borders). */
  | { readonly type: 'box'; readonly x: number; readonly y: number; readonly w: number; readonly h: number }
  /** The item barcode with its top left at (x, y): `moduleIn` inches per module, modulesWide x modulesHigh modules. */
  | {
      readonly type: 'barcode';
      readonly x: number;
      readonly y: number;
      readonly moduleIn: number;
      readonly symbology: Symbology;
      /** PDF417 data columns. */
      readonly columns?: number;
      readonly modulesWide: number;
      readonly modulesHigh: number;
    }
  /** A linear (GS1-128) symbol, the IMpb: its bars, `moduleIn` inches per module, `heightIn` high; `impb` is what it carries. */
  | {
      readonly type: 'linear';
      readonly x: number;
      readonly y: number;
      readonly moduleIn: number;
      readonly heightIn: number;
      readonly bars: LinearBars;
      readonly impb: Impb;
    };

export interface Layout {
  readonly widthIn: number;
  readonly heightIn: number;
  readonly elements: readonly Element[];
}

export interface Region {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export const LINE = 1.2; // line height, in font sizes
export const ASCENT = 0.78; // top of the line to the baseline, in font sizes
export interface Line {
  readonly text: string;
  readonly sizePt: number;
  readonly bold: boolean;
  /** Smallest size the text may shrink to before it is cut short. */
  readonly minPt: number;
  /** Set by fit() when the text had to be cut short. */
  readonly cut?: boolean;
}

export const pt = (sizePt: number) => sizePt / 72;

/** Shrinks a line to `width` inches, then cuts it short with "...". */
export function fit(m: TextMetrics, line: Line, width: number): Line {
  const text = m.clean(line.text);
  let sizePt = line.sizePt;
  while (sizePt > line.minPt && m.width(text, sizePt, line.bold) > width) sizePt = Math.max(line.minPt, sizePt - 0.5);
  if (m.width(text, sizePt, line.bold) <= width) return { ...line, text, sizePt, cut: false };
  let cut = text;
  while (cut.length > 0 && m.width(`${cut}...`, sizePt, line.bold) > width) cut = cut.slice(0, -1);
  return { ...line, text: `${cut.trimEnd()}...`, sizePt, cut: true };
}

/** Greedy word wrap into at most `maxLines` lines of `width` inches. */
export function wrap(m: TextMetrics, line: Line, width: number, maxLines: number): Line[] {
  const words = m.clean(line.text).split(' ').filter(Boolean);
  for (let sizePt = line.sizePt; ; sizePt = Math.max(line.minPt, sizePt - 1)) {
    const lines: string[] = [];
    for (const word of words) {
      const last = lines.length > 0 ? lines[lines.length - 1]! : undefined;
      if (last !== undefined && m.width(`${last} ${word}`, sizePt, line.bold) <= width) lines[lines.length - 1] = `${last} ${word}`;
      else lines.push(word);
    }
    const fits = lines.length <= maxLines && lines.every((l) => m.width(l, sizePt, line.bold) <= width);
    if (fits || sizePt === line.minPt) {
      const kept = lines.slice(0, maxLines);
      if (lines.length > maxLines) kept[maxLines - 1] = `${kept[maxLines - 1]!} ${lines.slice(maxLines).join(' ')}`;
      return kept.map((text) => fit(m, { ...line, text, sizePt, minPt: sizePt }, width));
    }
  }
}

export const heightOf = (lines: readonly Line[]) => lines.reduce((h, l) => h + pt(l.sizePt) * LINE, 0);

export function textElements(lines: readonly Line[], x: number, top: number): Element[] {
  const out: Element[] = [];
  let y = top;
  for (const l of lines) {
    if (l.text !== '') out.push({ type: 'text', x, y: y + pt(l.sizePt) * ASCENT, sizePt: l.sizePt, bold: l.bold, text: l.text });
    y += pt(l.sizePt) * LINE;
  }
  return out;
}

export type LinearElement = Extract<Element, { type: 'linear' }>;

/** The bars of a linear symbol as boxes, in inches: what the PDF and SVG writers draw (ZPL has the printer encode it). */
export function linearBoxes(el: LinearElement): Array<{ x: number; y: number; w: number; h: number }> {
  return el.bars.bars.map((b) => ({ x: el.x + b.x * el.moduleIn, y: el.y, w: b.w * el.moduleIn, h: el.heightIn }));
}
