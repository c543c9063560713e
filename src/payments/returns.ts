// Reading a returns file from the ODFI: each returned entry is an entry detail record followed by one
// addenda record of type 99 (NACHA Operating Rules, Appendix Three, "Addenda Record for Automated
// Returns"): 1 '7' | 2-3 '99' | 4-6 return reason code (R01…) | 7-21 original entry trace number |
// 22-27 date of death | 28-35 original receiving DFI | 36-79 addenda information | 80-94 trace number.
// The file must first pass the validator; each return is then mapped back to our original trace number.

import { validateNachaFile, type NachaProblem } from './nacha-validate.js';

/** The common return reason codes (NACHA Operating Rules, Appendix Four). Others still parse, untitled. */
export const RETURN_REASONS: Readonly<Record<string, string>> = {
  R01: 'Insufficient funds',
  R02: 'Account closed',
  R03: 'No account / unable to locate account',
  R04: 'Invalid account number structure',
  R05: 'Unauthorized debit to consumer account using corporate SEC code',
  R06: "Returned per ODFI's request",
  R07: 'Authorization revoked by customer',
  R08: 'Payment stopped',
  R09: 'Uncollected funds',
  R10: 'Customer advises not authorized',
  R16: 'Account frozen',
  R20: 'Non-transaction account',
  R29: 'Corporate customer advises not authorized',
};

export interface AchReturn {
  readonly kind: 'returned';
  readonly originalTrace: string;
  readonly reason: string; // R01, R02, …
  readonly reasonTitle: string | undefined;
  readonly amountCents: bigint;
  readonly returnTrace: string;
  readonly line: number;
}

/** A return for a trace number we never sent: the caller refuses it (and tells an operator). */
export interface AchReturnUnknown {
  readonly kind: 'return_unknown_entry';
  readonly originalTrace: string;
  readonly reason: string;
  readonly amountCents: bigint;
  readonly line: number;
}

export type ReturnsReading =
  { readonly ok: true; readonly returns: readonly (AchReturn | AchReturnUnknown)[] } | { readonly ok: false; readonly problems: readonly NachaProblem[] };

/**
 * Read a returns file. `isOurs(trace)` says whether a trace number is one of the entries we originated
 * (a set lookup in the caller); a return for any other trace number comes back as `return_unknown_entry`.
 */
export function readReturnsFile(text: string, isOurs: (originalTrace: string) => boolean): ReturnsReading {
  const checked = validateNachaFile(text);
  if (!checked.ok) return checked;
  const problems: NachaProblem[] = [];
  const returns: (AchReturn | AchReturnUnknown)[] = [];
  for (const e of checked.entries) {
    const addenda = e.addenda.filter((a) => a.slice(1, 3) === '99');
    if (addenda.length !== 1 || e.addenda.length !== 1) {
      problems.push({ line: e.line, kind: 'record_order', message: 'a returned entry needs exactly one addenda record of type 99' });
      continue;
    }
    const a = addenda[0]!;
    const reason = a.slice(3, 6);
    const originalTrace = a.slice(6, 21);
    if (!/^R\d{2}$/.test(reason)) {
      problems.push({ line: e.line + 1, kind: 'field', message: `return reason ${JSON.stringify(reason)} is not R followed by two digits` });
      continue;
    }
    if (!/^\d{15}$/.test(originalTrace)) {
      problems.push({ line: e.line + 1, kind: 'field', message: 'original entry trace number is not 15 digits' });
      continue;
    }
    if (!isOurs(originalTrace)) {
      returns.push({ kind: 'return_unknown_entry', originalTrace, reason, amountCents: e.amountCents, line: e.line });
      continue;
    }
    returns.push({
      kind: 'returned',
      originalTrace,
      reason,
      reasonTitle: RETURN_REASONS[reason],
      amountCents: e.amountCents,
      returnTrace: e.traceNumber,
      line: e.line,
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, returns };
}
