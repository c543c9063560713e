import { cityKey } from './city.js';
import { formatStreet, parseDeliveryLine, type DeliveryLine } from './delivery-line.js';
import { splitLine } from './free-text.js';
import type { AddressIssue, AddressQuery, StandardAddress } from './schemas.js';
import { parseSecondary } from './secondary.js';
import { stateCode } from './states.js';
import { words } from './text.js';
import { parseZip, type ParsedZip } from './zip.js';
import type { ZipTable } from './zip-table.js';

/** An address query read and standardized, before any lookup: what the matcher works from. */
export interface ParsedAddress {
  readonly standardized: StandardAddress;
  readonly delivery: DeliveryLine | null;
  readonly cityKey: string;
  readonly zip: ParsedZip | null;
  /** The ZIP field as written, standardized ('' when none). */
  readonly zipText: string;
  readonly issues: readonly AddressIssue[];
}

const issue = (code: AddressIssue['code'], field: AddressIssue['field'], detail: string): AddressIssue => ({ code, field, detail });

/** The query's fields: from `line`, or as given. */
function fieldsOf(query: AddressQuery, table: ZipTable): Required<Omit<AddressQuery, 'line'>> {
  if (query.line !== undefined) return { ...splitLine(query.line, table), secondary: '' };
  return { street: query.street ?? '', secondary: query.secondary ?? '', city: query.city ?? '', state: query.state ?? '', zip: query.zip ?? '' };
}

function streetIssues(delivery: DeliveryLine | null, missingRange: boolean): AddressIssue[] {
  if (!delivery) return [issue('street_missing', 'street', 'no delivery line (street, PO Box or route) was given')];
  const out: AddressIssue[] = [];
  if (delivery.kind === 'street' && delivery.primary === '') out.push(issue('primary_number_missing', 'street', 'the street line has no house number'));
  if (missingRange) out.push(issue('secondary_range_missing', 'secondary', 'a unit designator (APT, STE, …) has no number after it'));
  return out;
}

function lastLineIssues(city: string, stateText: string, state: string, zipText: string, zip: ParsedZip | null): AddressIssue[] {
  const out: AddressIssue[] = [];
  if (!city) out.push(issue('city_missing', 'city', 'no city was given'));
  if (!stateText) out.push(issue('state_missing', 'state', 'no state was given'));
  else if (!state) out.push(issue('state_unknown', 'state', `"${stateText}" is not a US state or possession (Publication 28, Appendix B)`));
  if (!zipText) out.push(issue('zip_missing', 'zip', 'no ZIP Code was given'));
  else if (!zip) out.push(issue('zip_malformed', 'zip', `"${zipText}" is not a ZIP Code (12345) or ZIP+4 (12345-6789)`));
  return out;
}

/** Reads and standardizes an address query (Publication 28), listing what is missing or malformed. */
export function parseAddress(query: AddressQuery, table: ZipTable): ParsedAddress {
  const fields = fieldsOf(query, table);
  const streetWords = words(fields.street);
  const delivery = streetWords.length > 0 ? parseDeliveryLine(streetWords) : null;
  const secondary = parseSecondary(words(fields.secondary));
  const units = [...(delivery?.units ?? []), ...secondary.units];
  const city = words(fields.city).join(' ');
  const stateText = words(fields.state).join(' ');
  const state = stateCode(stateText) ?? '';
  const zipText = words(fields.zip).join(' ');
  const zip = parseZip(zipText);
  const standardized: StandardAddress = {
    street: delivery ? formatStreet(delivery) : '',
    ...(units.length > 0 && { secondary: units.join(' ') }),
    city,
    state,
    zip5: zip?.zip5 ?? '',
    ...(zip?.zip4 && { zip4: zip.zip4 }),
  };
  const issues = [
    ...streetIssues(delivery, (delivery?.missingRange ?? false) || secondary.missingRange),
    ...lastLineIssues(city, stateText, state, zipText, zip),
  ];
  return { standardized, delivery, cityKey: cityKey(city), zip, zipText, issues };
}
