import bwipjs from 'bwip-js';

/** A linear symbol as its dark bars: offsets and widths in modules, from the left edge of the symbol (no quiet zone). */
export interface LinearBars {
  readonly bars: ReadonlyArray<{ readonly x: number; readonly w: number }>;
  readonly modulesWide: number;
}

/**
 * A GS1-128 symbol of an element string with AIs in parentheses ("(420)20176(92)...") as bars. bwip-js
 * (BWIPP `gs1-128`) checks the AIs, starts with FNC1 and puts an FNC1 after each variable-length element
 * that is followed by another; `raw` gives the symbol as alternating bar/space widths (`sbs`), bar first.
 */
export function gs1128Bars(elementString: string): LinearBars {
  const [symbol] = bwipjs.raw({ bcid: 'gs1-128', text: elementString } as Parameters<typeof bwipjs.raw>[0]) as Array<{ sbs?: number[] }>;
  if (!symbol?.sbs || symbol.sbs.length % 2 !== 1) throw new Error('unexpected GS1-128 geometry from bwip-js');
  const bars: Array<{ x: number; w: number }> = [];
  let x = 0;
  symbol.sbs.forEach((w, i) => {
    if (i % 2 === 0) bars.push({ x, w });
    x += w;
  });
  return { bars, modulesWide: x };
}
