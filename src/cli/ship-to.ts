import type { LabelAddress } from '../address/index.js';
import { ProfileError } from '../sdk/index.js';

// The destination address of a print, from the command line: checked by the server (its
// address-check setting) and printed, standardized, on the label.

export interface ShipToOpts {
  shipToName?: string;
  shipToCompany?: string;
  shipToStreet?: string;
  shipToSecondary?: string;
  shipToCity?: string;
  shipToState?: string;
}

/** The address, when --ship-to-street is given; its ZIP is the signed destination's, so the two cannot differ. */
export function shipToOf(o: ShipToOpts, destination: string): LabelAddress | undefined {
  if (o.shipToStreet === undefined) return undefined;
  if (!o.shipToName || !o.shipToCity || !o.shipToState)
    throw new ProfileError('invalid_request', '--ship-to-street needs --ship-to-name, --ship-to-city and --ship-to-state (the ZIP is --to)');
  const zip4 = destination.length >= 9 ? destination.slice(5, 9) : undefined;
  return {
    name: o.shipToName,
    ...(o.shipToCompany ? { company: o.shipToCompany } : {}),
    street: o.shipToStreet,
    ...(o.shipToSecondary ? { secondary: o.shipToSecondary } : {}),
    city: o.shipToCity,
    state: o.shipToState,
    zip5: destination.slice(0, 5),
    ...(zip4 ? { zip4 } : {}),
  };
}

/** The label's address block: name, company, delivery line, last line (Publication 28). */
export function addressLinesOf(a: LabelAddress): string[] {
  const last = `${a.city} ${a.state} ${a.zip5}${a.zip4 ? `-${a.zip4}` : ''}`;
  return [a.name, ...(a.company ? [a.company] : []), [a.street, a.secondary].filter(Boolean).join(' '), last];
}
