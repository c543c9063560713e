import { Type, type Static, type TUnsafe } from '@sinclair/typebox';
import {
  MAX_ADDRESS_CITY_LENGTH,
  MAX_ADDRESS_FIELD_LENGTH,
  MAX_ADDRESS_LINE_LENGTH,
  MAX_ADDRESS_STATE_LENGTH,
  MAX_ADDRESS_SUGGESTIONS,
  MAX_ADDRESS_ZIP_LENGTH,
} from '../constants.js';

// The wire shapes of address matching, shared by the route, the SDK, the CLI and print.

/** Printable text of one line: no control characters (a label prints each field on one line). */
const line = (maxLength: number, description?: string) =>
  Type.String({ maxLength, pattern: '^[^\\x00-\\x1f\\x7f]*$', ...(description ? { description } : {}) });

/** An address to verify: either one free-text `line`, or its fields. */
export const AddressQuery = Type.Object(
  {
    line: Type.Optional(line(MAX_ADDRESS_LINE_LENGTH, 'the whole address on one line: "123 Main St Apt 4, New York, NY 10001"')),
    street: Type.Optional(line(MAX_ADDRESS_FIELD_LENGTH, 'delivery line: "123 N Main St", "PO Box 12"')),
    secondary: Type.Optional(line(MAX_ADDRESS_FIELD_LENGTH, 'apartment, suite, floor: "Apt 4B"')),
    city: Type.Optional(line(MAX_ADDRESS_CITY_LENGTH)),
    state: Type.Optional(line(MAX_ADDRESS_STATE_LENGTH, 'two-letter code or full name')),
    zip: Type.Optional(line(MAX_ADDRESS_ZIP_LENGTH, '"12345" or "12345-6789"')),
  },
  { additionalProperties: false },
);
export type AddressQuery = Static<typeof AddressQuery>;

/** An address in USPS Publication 28 form: upper case, abbreviated, no punctuation. */
export const StandardAddress = Type.Object(
  {
    street: Type.String({ description: 'delivery line without its secondary units: "123 N MAIN ST"' }),
    secondary: Type.Optional(Type.String({ description: '"APT 4B", "STE 500 FL 3"' })),
    city: Type.String(),
    state: Type.String({ description: 'two-letter code; empty when not known' }),
    zip5: Type.String({ description: 'five digits; empty when not known' }),
    zip4: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
  },
  { additionalProperties: false },
);
export type StandardAddress = Static<typeof StandardAddress>;

/** How a suggestion differs from the address as given: the patent's "type of match". */
export const MATCH_TYPES = ['exact', 'standardized', 'state_corrected', 'city_corrected', 'zip_corrected', 'zip_from_city', 'city_state_from_zip'] as const;
export type MatchType = (typeof MATCH_TYPES)[number];

export const ISSUE_CODES = [
  'street_missing',
  'primary_number_missing',
  'secondary_range_missing',
  'city_missing',
  'state_missing',
  'state_unknown',
  'zip_missing',
  'zip_malformed',
  'zip_unknown',
  'city_mismatch',
  'state_mismatch',
  'city_unknown',
] as const;
export type IssueCode = (typeof ISSUE_CODES)[number];

/** One of a fixed list of strings: a union of literals (typed as the union of the strings, which TypeBox's mapping loses). */
const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnsafe<T[number]>;

export const AddressIssue = Type.Object(
  {
    code: literals(ISSUE_CODES),
    field: literals(['street', 'secondary', 'city', 'state', 'zip'] as const),
    detail: Type.String(),
  },
  { additionalProperties: false },
);
export type AddressIssue = Static<typeof AddressIssue>;

export const AddressSuggestion = Type.Object(
  {
    match: literals(MATCH_TYPES),
    score: Type.Integer({ minimum: 0, maximum: 100, description: '100 is certain; the check before a print takes 90 and above without asking' }),
    address: StandardAddress,
    changed: Type.Array(literals(['city', 'state', 'zip5', 'zip4'] as const), { description: 'fields that differ from `standardized`' }),
  },
  { additionalProperties: false },
);
export type AddressSuggestion = Static<typeof AddressSuggestion>;

export const AddressVerification = Type.Object(
  {
    status: literals(['verified', 'suggested', 'unverified'] as const),
    standardized: StandardAddress,
    suggestions: Type.Array(AddressSuggestion, { maxItems: MAX_ADDRESS_SUGGESTIONS, description: 'best first' }),
    issues: Type.Array(AddressIssue),
    source: Type.String({ description: 'the matcher and its dataset, e.g. "builtin:zipcodes@8.0.0"' }),
  },
  { additionalProperties: false },
);
export type AddressVerification = Static<typeof AddressVerification>;

/** A label's address (`to` or `from` of a print): Publication 28 fields, as the customer gives them. */
export const LabelAddress = Type.Object(
  {
    name: line(MAX_ADDRESS_FIELD_LENGTH),
    company: Type.Optional(line(MAX_ADDRESS_FIELD_LENGTH)),
    street: Type.String({ minLength: 1, maxLength: MAX_ADDRESS_FIELD_LENGTH, pattern: '^[^\\x00-\\x1f\\x7f]*$' }),
    secondary: Type.Optional(line(MAX_ADDRESS_FIELD_LENGTH)),
    city: Type.String({ minLength: 1, maxLength: MAX_ADDRESS_CITY_LENGTH, pattern: '^[^\\x00-\\x1f\\x7f]*$' }),
    state: Type.String({ pattern: '^[A-Za-z]{2}$' }),
    zip5: Type.String({ pattern: '^[0-9]{5}$' }),
    zip4: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
  },
  { additionalProperties: false },
);
export type LabelAddress = Static<typeof LabelAddress>;
