import { IMPB_BAR_HEIGHT_IN, IMPB_MAX_MODULE_IN, IMPB_MIN_MODULE_IN } from '../../constants.js';
import { gs1128Bars } from '../barcode-gs1.js';
import { impbElementString, spacedTrackingNumber, type Impb } from '../impb.js';
import { MAX_ADDRESS_LINES } from './fields.js';
import { fit, heightOf, pt, textElements, LINE, type Element, type Line } from './lines.js';
import type { TextMetrics } from './text.js';
import { LabelError, type LabelInput } from './types.js';

// The carrier parts of the 4x6 label, laid out as USPS's Parcel Labeling Guide (v2.0, section 3.1) has
// them: the service banner between heavy rules under the postage area, the return address, the delivery
// address, and at the foot the IMpb segment ("USPS TRACKING #", the barcode, its number in groups of 4).

/** Heavy rules around the banner and the IMpb segment, inches. */
const HEAVY = 0.04;
/** Clear space between the IMpb bars and anything above or below them, inches. */
const BAR_CLEAR = 0.125;
/** A GS1-128 symbol needs a quiet zone of 10 modules either side (ISO/IEC 15417). */
const QUIET_MODULES = 10;
/** Nothing is printed closer than this to the label's edge (test/unit/labels/margins.test.ts checks 0.15). */
const EDGE = 0.16;

export interface Block {
  readonly elements: Element[];
  /** The y just below the block (for blocks laid out downwards) or its top (the IMpb segment, laid out upwards). */
  readonly edge: number;
}

export function hasCarrierParts(input: LabelInput): boolean {
  return Boolean(input.impb || input.serviceBanner || (input.returnLines ?? []).length > 0);
}

const snapDown = (v: number, dpi: number) => Math.floor(v * dpi + 1e-9) / dpi;
const snap = (v: number, dpi: number) => Math.round(v * dpi) / dpi;

/** The banner text, centred between two heavy rules, from `top`. */
export function bannerBlock(m: TextMetrics, text: string, widthIn: number, top: number, dpi: number): Block {
  const x0 = 0.2;
  const w = widthIn - 0.4;
  const line = fit(m, { text, sizePt: 18, bold: true, minPt: 10 }, w - 0.1);
  const rule = (y: number): Element => ({ type: 'box', x: x0, y: snap(y, dpi), w, h: HEAVY });
  const textTop = top + HEAVY + 0.06;
  const [t] = textElements([line], x0 + Math.max(0, (w - m.width(line.text, line.sizePt, true)) / 2), textTop);
  const bottom = textTop + heightOf([line]) + 0.04;
  return { elements: [rule(top), ...(t ? [t] : []), rule(bottom)], edge: bottom + HEAVY };
}

/** The return address in small type from `top`, each line shrunk (then cut) to the width. */
export function returnBlock(m: TextMetrics, lines: readonly string[], widthIn: number, top: number): Block {
  const fitted: Line[] = lines.slice(0, MAX_ADDRESS_LINES).map((text) => fit(m, { text, sizePt: 8, bold: false, minPt: 6 }, widthIn - 0.5));
  return { elements: textElements(fitted, 0.25, top), edge: top + heightOf(fitted) };
}

/** The largest whole-dot module in USPS's range whose symbol and quiet zones fit the label's width. */
function impbModule(modulesWide: number, widthIn: number, dpi: number): number {
  // The quiet zones are blank, so they may lie in the label's unprinted edge.
  const fits = (x: number) => modulesWide * x + 2 * Math.max(EDGE, QUIET_MODULES * x) <= widthIn;
  const least = Math.ceil(IMPB_MIN_MODULE_IN * dpi - 1e-9) / dpi;
  if (!fits(least)) throw new LabelError(`the IMpb (${modulesWide} modules) does not fit a ${widthIn} inch label at ${dpi} dpi`);
  let x = least;
  while (x + 1 / dpi <= snapDown(IMPB_MAX_MODULE_IN, dpi) + 1e-9 && fits(x + 1 / dpi)) x += 1 / dpi;
  return x;
}

/** The IMpb segment, laid out upwards from `bottom`: heavy rule, heading, bars, tracking number, heavy rule. */
export function impbSegment(m: TextMetrics, impb: Impb, widthIn: number, bottom: number, dpi: number): Block {
  const bars = gs1128Bars(impbElementString(impb));
  const moduleIn = impbModule(bars.modulesWide, widthIn, dpi);
  const heading: Line = { text: 'USPS TRACKING #', sizePt: 10, bold: true, minPt: 10 };
  const number: Line = { text: spacedTrackingNumber(impb.trackingNumber), sizePt: 11, bold: true, minPt: 11 };
  const centred = (l: Line) => (widthIn - m.width(l.text, l.sizePt, l.bold)) / 2;
  const lowRule = snap(bottom - HEAVY, dpi);
  const numberTop = lowRule - 0.06 - pt(number.sizePt) * LINE;
  const barsTop = snap(numberTop - BAR_CLEAR - IMPB_BAR_HEIGHT_IN, dpi);
  const headingTop = barsTop - BAR_CLEAR - pt(heading.sizePt) * LINE;
  const topRule = snap(headingTop - 0.06 - HEAVY, dpi);
  const symbolW = bars.modulesWide * moduleIn;
  const elements: Element[] = [
    { type: 'box', x: 0.2, y: topRule, w: widthIn - 0.4, h: HEAVY },
    ...textElements([heading], centred(heading), headingTop),
    { type: 'linear', x: snap((widthIn - symbolW) / 2, dpi), y: barsTop, moduleIn, heightIn: IMPB_BAR_HEIGHT_IN, bars, impb },
    ...textElements([number], centred(number), numberTop),
    { type: 'box', x: 0.2, y: lowRule, w: widthIn - 0.4, h: HEAVY },
  ];
  return { elements, edge: topRule };
}

/**
 * The banner (or a plain rule), the return address and the IMpb segment of a 4x6 label whose indicium
 * ends at `indicumBottom`; pushes their elements and answers the region left for the delivery address.
 */
export function carrierParts(
  m: TextMetrics,
  input: LabelInput,
  size: { widthIn: number; heightIn: number },
  indiciumBottom: number,
  dpi: number,
  out: Element[],
) {
  let y = snap(indiciumBottom + 0.12, dpi);
  if (input.serviceBanner) {
    const banner = bannerBlock(m, input.serviceBanner, size.widthIn, y, dpi);
    out.push(...banner.elements);
    y = banner.edge + 0.1;
  } else {
    out.push({ type: 'box', x: 0.2, y, w: size.widthIn - 0.4, h: Math.max(2 / dpi, 0.02) });
    y += 0.15;
  }
  if ((input.returnLines ?? []).length > 0) {
    const from = returnBlock(m, input.returnLines!, size.widthIn, y);
    out.push(...from.elements);
    y = from.edge + 0.15;
  }
  let bottom = size.heightIn - 0.2;
  if (input.impb) {
    const foot = impbSegment(m, input.impb, size.widthIn, bottom, dpi);
    out.push(...foot.elements);
    bottom = foot.edge - 0.1;
  }
  return { x: 0.25, y, w: size.widthIn - 0.5, h: bottom - y };
}
