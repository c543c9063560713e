import { pdf417Geometry, type Symbology } from '../barcode.js';
import { ITEM_MAGIC, TEST_ITEM_FLAG } from '../format.js';
import { MAX_ADDRESS_LINES, formatValue, formatZip, kindTitle } from './fields.js';
import { STOCKS } from './stocks.js';
import type { TextMetrics } from './text.js';
import { carrierParts, hasCarrierParts } from './carrier.js';
import { fit, heightOf, textElements, wrap, type Element, type Layout, type Line, type Region } from './lines.js';
import { LabelError, type LabelInput, type Stock } from './types.js';

export type { Element, Layout } from './lines.js';

/** Where things go on each stock. The indicium sits top right on mail pieces, as a meter stamp does. */
const REGIONS: Readonly<Record<Stock, { indicium: Region & { align: 'left' | 'right' }; body: Region; bodyPt: number; heading: boolean }>> = {
  // 4x6 thermal label: indicium on top, a rule, then the address (or title) block.
  'label-4x6': { indicium: { x: 0.2, y: 0.2, w: 3.6, h: 3.0, align: 'left' }, body: { x: 0.25, y: 0, w: 3.5, h: 0 }, bodyPt: 14, heading: true },
  // #10 envelope: indicium in the upper right corner, address block in the middle of the lower half.
  // (A tall indicium, such as a large PDF417, pushes the address block to the left: see layoutLabel.)
  'envelope-10': { indicium: { x: 5.55, y: 0.25, w: 3.7, h: 2.75, align: 'right' }, body: { x: 3.1, y: 2.45, w: 4.6, h: 1.45 }, bodyPt: 11, heading: false },
  // US Letter: indicium top right; address where a #10 window envelope shows it after a tri-fold.
  letter: { indicium: { x: 4.3, y: 0.5, w: 3.7, h: 2.5, align: 'right' }, body: { x: 1.0, y: 2.0, w: 3.2, h: 1.2 }, bodyPt: 10, heading: false },
};

const GAP = 0.15; // between barcode and text, inches
/** Test mode: what a test item's label says, above its indicium and its address block (and in place of a service banner). */
export const TEST_MARK = 'TEST ITEM — NOT POSTAGE';

/** The item's own test flag (its signed version byte), read without decoding the rest. */
export function isTestItemBytes(itemBytes: Uint8Array): boolean {
  return itemBytes.length > 2 && itemBytes[0] === ITEM_MAGIC[0] && itemBytes[1] === ITEM_MAGIC[1] && (itemBytes[2]! & TEST_ITEM_FLAG) !== 0;
}
const CARRIER_INDICIUM_H = 2.0; // the 4x6 indicium's height at most when the label has a banner, return address or IMpb
const MIN_MODULE_IN = 0.0095; // 10 mil: 3 dots at 300 dpi, 2 at 203
// Largest modules worth printing: beyond these the symbol only grows. 20 mil Data Matrix, 15 mil PDF417.
const MAX_MODULE_IN: Readonly<Record<Symbology, number>> = { datamatrix: 0.02, pdf417: 0.015 };

interface Shape {
  readonly columns?: number;
  readonly modulesWide: number;
  readonly modulesHigh: number;
}

/** The symbol shapes the item can take: one for Data Matrix, one per column count for PDF417. */
function shapesOf(symbology: Symbology, itemBytes: Uint8Array, dataMatrixModules: number): Shape[] {
  if (symbology === 'datamatrix') return [{ modulesWide: dataMatrixModules, modulesHigh: dataMatrixModules }];
  const shapes: Shape[] = [];
  for (let c = 1; c <= 30; c++) {
    const g = pdf417Geometry(itemBytes.length, c);
    if (g) shapes.push({ columns: c, modulesWide: g.modulesWide, modulesHigh: g.modulesHigh });
  }
  // Keep to symbols at most 3.5 times as wide as high (a long thin strip is hard to scan), when any is.
  const squat = shapes.filter((s) => s.modulesWide <= 3.5 * s.modulesHigh);
  return squat.length > 0 ? squat : shapes;
}

interface Placement {
  readonly elements: Element[];
  /** Left edge and height of the block. */
  readonly left: number;
  readonly height: number;
  readonly moduleIn: number;
}

/**
 * The indicium: barcode with the text beside it, or (when the barcode is too wide for that) the text
 * above it. Picks the arrangement and PDF417 column count that print the largest modules, then the
 * shortest block. Module sizes are whole device dots.
 */
function indicium(
  m: TextMetrics,
  region: Region & { align: 'left' | 'right' },
  lines: readonly Line[],
  symbology: Symbology,
  shapes: readonly Shape[],
  itemBytesLength: number,
  dpi: number,
): Placement {
  const snap = (v: number) => Math.floor(v * dpi + 1e-9) / dpi;
  const minModule = Math.ceil(MIN_MODULE_IN * dpi) / dpi;
  const maxModule = Math.max(minModule, snap(MAX_MODULE_IN[symbology]));
  const natural = Math.max(...lines.map((l) => m.width(l.text, l.sizePt, l.bold)));
  let best: (Placement & { score: [number, number] }) | undefined;
  for (const s of shapes) {
    for (const side of [true, false]) {
      const textW = side ? Math.min(natural, region.w - GAP - minModule * s.modulesWide) : region.w;
      if (textW <= 0.5) continue;
      const fitted = lines.map((l) => fit(m, l, textW));
      if (fitted.some((l) => l.cut)) continue; // the indicium text is printed whole or not at all
      const textH = heightOf(fitted);
      const moduleIn = Math.min(
        maxModule,
        snap(side ? (region.w - GAP - textW) / s.modulesWide : region.w / s.modulesWide),
        snap(side ? region.h / s.modulesHigh : (region.h - textH - GAP) / s.modulesHigh),
      );
      if (moduleIn < minModule || textH > region.h) continue;
      const bw = moduleIn * s.modulesWide;
      const bh = moduleIn * s.modulesHigh;
      const textUsed = Math.max(...fitted.map((l) => m.width(l.text, l.sizePt, l.bold)));
      const usedW = side ? bw + GAP + textUsed : Math.max(bw, textUsed);
      const height = side ? Math.max(bh, textH) : textH + GAP + bh;
      const score: [number, number] = [moduleIn, -height];
      if (best && (score[0] < best.score[0] || (score[0] === best.score[0] && score[1] <= best.score[1] + 1e-9))) continue;
      const x0 = region.align === 'right' ? region.x + region.w - Math.min(usedW, region.w) : region.x;
      const bx = Math.round(x0 * dpi) / dpi;
      const by = Math.round((side ? region.y : region.y + textH + GAP) * dpi) / dpi;
      const barcode: Element = {
        type: 'barcode',
        x: bx,
        y: by,
        moduleIn,
        symbology,
        modulesWide: s.modulesWide,
        modulesHigh: s.modulesHigh,
        ...(s.columns ? { columns: s.columns } : {}),
      };
      const text = textElements(fitted, side ? bx + bw + GAP : x0, region.y);
      best = { elements: [barcode, ...text], left: Math.min(x0, bx), height, moduleIn, score };
    }
  }
  if (shapes.length === 0) throw new LabelError(`the item (${itemBytesLength} bytes) is too large for one ${symbology} symbol`);
  if (!best) throw new LabelError(`the ${symbology} symbol of this item (${itemBytesLength} bytes) and its text do not fit this stock`);
  return best;
}

/** Title, then the address block (or destination ZIP), shrunk together if they do not fit the region. */
function body(m: TextMetrics, input: LabelInput, region: Region, basePt: number, heading: boolean, test: boolean): Element[] {
  const build = (k: number): Line[] => {
    const size = (p: number) => Math.max(6, Math.round(p * k * 2) / 2);
    const lines: Line[] = [];
    if (test) lines.push(fit(m, { text: TEST_MARK, sizePt: size(basePt + 3), bold: true, minPt: 6 }, region.w));
    if (input.title) lines.push(...wrap(m, { text: input.title, sizePt: size(basePt + 3), bold: true, minPt: size(basePt - 1) }, region.w, 3));
    const address = (input.addressLines ?? []).slice(0, MAX_ADDRESS_LINES);
    const dest = input.destination ? `ZIP ${formatZip(m.clean(input.destination))}` : '';
    if (address.length > 0 || dest) {
      if (lines.length > 0) lines.push({ text: '', sizePt: size(basePt) / 2, bold: false, minPt: 1 });
      if (heading) lines.push({ text: input.kind === 'postage' ? 'SHIP TO:' : 'TO:', sizePt: size(basePt - 4), bold: true, minPt: 6 });
      if (address.length > 0) {
        // One size for the whole block: the size its longest line needs (within limits).
        const sizePt = Math.min(...address.map((text) => fit(m, { text, sizePt: size(basePt), bold: false, minPt: size(basePt - 4) }, region.w).sizePt));
        lines.push(...address.map((text) => fit(m, { text, sizePt, bold: false, minPt: sizePt }, region.w)));
      } else lines.push(fit(m, { text: dest, sizePt: size(basePt + 4), bold: true, minPt: size(basePt) }, region.w));
    }
    return lines;
  };
  let lines = build(1);
  for (let k = 0.95; heightOf(lines) > region.h && k >= 0.5; k -= 0.05) lines = build(k);
  if (heightOf(lines) > region.h) throw new LabelError('the address and title do not fit this stock');
  return textElements(lines, region.x, region.y);
}

/**
 * Lays out a label. `dpi` is the grid that barcode modules and positions snap to (the printer's
 * resolution for PNG and ZPL; 300 for PDF). `dataMatrixModules` is the side of the item's Data Matrix.
 */
export function layoutLabel(m: TextMetrics, given: LabelInput, stock: Stock, symbology: Symbology, dpi: number, dataMatrixModules: number): Layout {
  const spec = STOCKS[stock];
  const r = REGIONS[stock];
  // A test item's label never looks like postage: marked above the indicium and the address, its
  // banner replaced by the marking, and no tracking barcode.
  const test = given.test === true || isTestItemBytes(given.itemBytes);
  const input: LabelInput = test ? { ...given, impb: undefined, serviceBanner: given.serviceBanner ? TEST_MARK : undefined } : given;
  const lines: Line[] = [
    ...(test ? [{ text: TEST_MARK, sizePt: 12, bold: true, minPt: 6 }] : []),
    { text: kindTitle(input.kind), sizePt: 10, bold: true, minPt: 7 },
    { text: formatValue(input.valueMills), sizePt: 22, bold: true, minPt: 12 },
    { text: input.date, sizePt: 9, bold: false, minPt: 7 },
    ...(input.originZip ? [{ text: `FROM ZIP ${formatZip(input.originZip)}`, sizePt: 9, bold: false, minPt: 7 }] : []),
    { text: `METER ${input.meterId}`, sizePt: 7, bold: false, minPt: 5 },
    { text: `ITEM ${input.itemId}`, sizePt: 7, bold: false, minPt: 5 },
  ];
  const carrier = stock === 'label-4x6' && hasCarrierParts(input);
  // With carrier parts below it, the indicium gets the top third of the label at most.
  const region = carrier ? { ...r.indicium, h: CARRIER_INDICIUM_H } : r.indicium;
  const ind = indicium(m, region, lines, symbology, shapesOf(symbology, input.itemBytes, dataMatrixModules), input.itemBytes.length, dpi);
  const elements: Element[] = [...ind.elements];
  let bodyRegion = r.body;
  if (carrier) {
    bodyRegion = carrierParts(m, input, spec, r.indicium.y + ind.height, dpi, elements);
  } else if (stock === 'label-4x6') {
    const ruleY = Math.round((r.indicium.y + ind.height + 0.15) * dpi) / dpi;
    elements.push({ type: 'box', x: 0.2, y: ruleY, w: spec.widthIn - 0.4, h: Math.max(2 / dpi, 0.02) });
    bodyRegion = { ...r.body, y: ruleY + 0.2, h: spec.heightIn - 0.2 - (ruleY + 0.2) };
  }
  if (stock === 'envelope-10' && r.indicium.y + ind.height > r.body.y - 0.1) {
    bodyRegion = { ...r.body, x: 0.6, w: Math.min(r.body.w, ind.left - 0.3 - 0.6) };
  }
  if (stock === 'letter') {
    // Fold marks for a #10 window envelope (letter folded in three).
    for (const y of [spec.heightIn / 3, (2 * spec.heightIn) / 3])
      elements.push({ type: 'box', x: 0.2, y: Math.round(y * dpi) / dpi, w: 0.25, h: Math.max(2 / dpi, 0.01) });
  }
  elements.push(...body(m, input, bodyRegion, r.bodyPt, r.heading, test));
  return { widthIn: spec.widthIn, heightIn: spec.heightIn, elements };
}
