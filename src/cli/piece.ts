import { ProfileError } from '../sdk/index.js';

// A mail piece as the command line gives it: ounces and inches, each to a tenth.

const TENTHS = /^\d{1,4}(\.\d)?$/;

export function parseWeightOz(raw: string): number {
  if (!TENTHS.test(raw) || Number(raw) <= 0)
    throw new ProfileError('invalid_request', `--weight-oz must be ounces above zero, to a tenth (e.g. 12.5), not "${raw}"`);
  return Number(raw);
}

/** "12x8x6" or "12.5x8x6" (inches), as [length, width, height]. */
export function parseDimsIn(raw: string | undefined): [number, number, number] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.toLowerCase().split('x');
  if (parts.length !== 3 || !parts.every((p) => TENTHS.test(p) && Number(p) > 0))
    throw new ProfileError('invalid_dimensions', `--dims is length x width x height in inches, e.g. 12x8x6, not "${raw}"`);
  return parts.map(Number) as [number, number, number];
}

/** The same dimensions as the module takes them: tenths of an inch, "LxWxH". */
export function dimsTenthIn(dims: readonly [number, number, number]): string {
  return dims.map((d) => Math.round(d * 10)).join('x');
}
