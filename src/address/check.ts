import { fail, VaultError } from '../errors.js';
import type { AddressVerifier } from './port.js';
import type { AddressIssue, AddressSuggestion, AddressVerification, LabelAddress, StandardAddress } from './schemas.js';

/**
 * What print does with a destination the matcher cannot verify (VAULTMETER_ADDRESS_CHECK): refuse it
 * (`address_unverified`), print it with warnings (the default), or not check at all.
 */
export const ADDRESS_CHECK_MODES = ['refuse', 'warn', 'off'] as const;
export type AddressCheckMode = (typeof ADDRESS_CHECK_MODES)[number];
export const DEFAULT_ADDRESS_CHECK_MODE: AddressCheckMode = 'warn';

export interface AddressWarning {
  /** An issue code of the verification, `address_unverified`, or `address_check_failed` (the verifier failed; warn mode only). */
  readonly code: AddressIssue['code'] | 'address_unverified' | 'address_check_failed';
  readonly detail: string;
}

/** The destination to print: standardized, with what the check found. */
export interface DestinationCheck {
  readonly address: LabelAddress;
  /** The verifier's answer (null with mode `off`, or when the verifier failed in `warn` mode). */
  readonly verification: AddressVerification | null;
  /** The suggestion taken without asking (score ≥ ADDRESS_ACCEPT_SCORE), or null. */
  readonly accepted: AddressSuggestion | null;
  readonly warnings: readonly AddressWarning[];
}

/** The label address as a query (name and company are not part of matching). */
function queryOf(a: LabelAddress) {
  return { street: a.street, city: a.city, state: a.state, zip: a.zip4 ? `${a.zip5}-${a.zip4}` : a.zip5, ...(a.secondary && { secondary: a.secondary }) };
}

/** The label address with its address fields from a standardized one; what the standard form lacks stays as given. */
function labelOf(a: LabelAddress, s: StandardAddress): LabelAddress {
  const zip5 = /^\d{5}$/.test(s.zip5) ? s.zip5 : a.zip5;
  const zip4 = zip5 === s.zip5 ? s.zip4 : a.zip4;
  return {
    name: a.name.trim(),
    ...(a.company?.trim() && { company: a.company.trim() }),
    street: s.street || a.street,
    ...(s.secondary && { secondary: s.secondary }),
    city: s.city || a.city,
    state: /^[A-Z]{2}$/.test(s.state) ? s.state : a.state.toUpperCase(),
    zip5,
    ...(zip4 && { zip4 }),
  };
}

const unverified = (v: AddressVerification): string =>
  v.suggestions.length > 0
    ? `the address is not verified; best suggestion (${v.suggestions[0]!.match}, score ${v.suggestions[0]!.score}): ${oneLine(v.suggestions[0]!.address)}`
    : 'the address is not verified and the matcher has no suggestion';

export function oneLine(s: StandardAddress): string {
  return [s.street, s.secondary, s.city, s.state, s.zip4 ? `${s.zip5}-${s.zip4}` : s.zip5].filter((f) => f).join(' ');
}

/** The verifier failed: in `refuse` mode that refuses the print, in `warn` mode it prints as given. */
function verifierFailed(e: unknown, address: LabelAddress, mode: AddressCheckMode): DestinationCheck {
  if (mode === 'refuse') throw e instanceof VaultError ? e : new VaultError('address_service_unavailable', `the address verifier failed: ${String(e)}`);
  const detail = `the address was not checked: ${e instanceof Error ? e.message : String(e)}`;
  return { address, verification: null, accepted: null, warnings: [{ code: 'address_check_failed', detail }] };
}

/**
 * The check print runs on a destination (the patent's AMS before each print). `off`: the address as
 * given. Otherwise the verifier's top suggestion is taken when it scores ADDRESS_ACCEPT_SCORE or more
 * and the address is deliverable; else `refuse` fails with `address_unverified` (its problem carries
 * `issues` and `suggestions`), and `warn` prints the address in Publication 28 form with warnings.
 */
export async function checkDestination(verifier: AddressVerifier, address: LabelAddress, mode: AddressCheckMode): Promise<DestinationCheck> {
  if (mode === 'off') return { address, verification: null, accepted: null, warnings: [] };
  let v: AddressVerification;
  try {
    v = await verifier.verify(queryOf(address));
  } catch (e) {
    return verifierFailed(e, address, mode);
  }
  const issues: AddressWarning[] = v.issues.map((i) => ({ code: i.code, detail: i.detail }));
  const top = v.suggestions[0];
  if (v.status === 'verified' && top) return { address: labelOf(address, top.address), verification: v, accepted: top, warnings: issues };
  if (mode === 'refuse') fail('address_unverified', unverified(v), { issues: v.issues, suggestions: v.suggestions });
  return {
    address: labelOf(address, v.standardized),
    verification: v,
    accepted: null,
    warnings: [...issues, { code: 'address_unverified', detail: unverified(v) }],
  };
}

/** The mode named by a setting ('' or undefined: the default); anything else is a configuration error. */
export function addressCheckMode(raw: string | undefined): AddressCheckMode {
  if (raw === undefined || raw === '') return DEFAULT_ADDRESS_CHECK_MODE;
  const mode = ADDRESS_CHECK_MODES.find((m) => m === raw);
  if (!mode) throw new Error(`VAULTMETER_ADDRESS_CHECK must be one of ${ADDRESS_CHECK_MODES.join(', ')}`);
  return mode;
}
