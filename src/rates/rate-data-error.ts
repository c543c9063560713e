/** A rate table or zone file that does not follow its format; the message names the place. */
export class RateDataError extends Error {}

export function need(cond: boolean, message: string): asserts cond {
  if (!cond) throw new RateDataError(message);
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
