import { ADDRESS_ACCEPT_SCORE } from '../constants.js';
import { cityKey } from './city.js';
import { suggest } from './match.js';
import { parseAddress, type ParsedAddress } from './parse.js';
import type { AddressIssue, AddressQuery, AddressSuggestion, AddressVerification, IssueCode } from './schemas.js';
import * as S from './scores.js';
import type { ZipTable } from './zip-table.js';

/** Issues that leave an address undeliverable whatever its last line: such an address is never `verified`. */
const BLOCKING: ReadonlySet<IssueCode> = new Set(['street_missing', 'primary_number_missing']);

/** What the dataset says about the last line given. */
function lookupIssues(p: ParsedAddress, table: ZipTable): AddressIssue[] {
  const { city, state } = p.standardized;
  if (p.zip) {
    const place = table.place(p.zip.zip5);
    if (!place) return [{ code: 'zip_unknown', field: 'zip', detail: `ZIP Code ${p.zip.zip5} is not in the dataset (${table.source})` }];
    const out: AddressIssue[] = [];
    if (city && cityKey(place.city) !== p.cityKey)
      out.push({ code: 'city_mismatch', field: 'city', detail: `ZIP Code ${place.zip5} is ${place.city}, not ${city}` });
    if (state && place.state !== state)
      out.push({ code: 'state_mismatch', field: 'state', detail: `ZIP Code ${place.zip5} is in ${place.state}, not ${state}` });
    return out;
  }
  if (city && state && table.zipsOf(p.cityKey, state).length === 0)
    return [{ code: 'city_unknown', field: 'city', detail: `no city ${city} in ${state} (${table.source})` }];
  return [];
}

/** The words of the query as written, to tell an exact match (already standard) from a standardized one. */
function asWritten(q: AddressQuery): string {
  const text = q.line ?? [q.street, q.secondary, q.city, q.state, q.zip].filter((f) => f).join(' ');
  return text.replace(/,/g, ' ').trim().split(/\s+/).join(' ');
}

/** The top suggestion, promoted to `exact` when the query already was its Publication 28 form. */
function withExact(suggestions: AddressSuggestion[], q: AddressQuery): AddressSuggestion[] {
  const [top, ...rest] = suggestions;
  if (top?.match !== 'standardized') return suggestions;
  const a = top.address;
  const standard = [a.street, a.secondary, a.city, a.state, a.zip4 ? `${a.zip5}-${a.zip4}` : a.zip5].filter((f) => f).join(' ');
  return standard === asWritten(q) ? [{ ...top, match: 'exact', score: S.EXACT }, ...rest] : suggestions;
}

/**
 * The built-in address matcher: standardizes the query (Publication 28), checks its city, state and
 * ZIP against the ZIP table, and ranks the possible addresses by type of match.
 */
export function verifyAddress(query: AddressQuery, table: ZipTable): AddressVerification {
  const parsed = parseAddress(query, table);
  const suggestions = withExact(suggest(parsed, table), query);
  const issues = [...parsed.issues, ...lookupIssues(parsed, table)];
  const top = suggestions[0];
  const blocked = issues.some((i) => BLOCKING.has(i.code));
  const status = blocked || !top ? 'unverified' : top.score >= ADDRESS_ACCEPT_SCORE ? 'verified' : 'suggested';
  return { status, standardized: parsed.standardized, suggestions, issues, source: `builtin:${table.source}` };
}
