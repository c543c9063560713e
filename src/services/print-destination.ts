import { checkDestination, type AddressWarning, type LabelAddress } from '../address/index.js';
import { VaultError } from '../errors.js';
import type { ServiceContext } from './context.js';

// The patent's AMS "each time the user attempts to print": a print that names its destination
// address has it checked (VAULTMETER_ADDRESS_CHECK: refuse, warn or off) before the module signs.
// The item carries the ZIP the client signed, so an address that resolves to another ZIP is
// refused (or warned about), never silently printed under the wrong one.

export type Destination = { readonly refuse: VaultError } | { readonly address: LabelAddress; readonly warnings: readonly AddressWarning[] };

function zipOf(input: { readonly params: Readonly<Record<string, string>> }): string {
  return (input.params.destination ?? '').slice(0, 5);
}

export async function checkPrintDestination(
  ctx: ServiceContext,
  input: { readonly params: Readonly<Record<string, string>> },
  shipTo: LabelAddress,
): Promise<Destination> {
  let address: LabelAddress;
  let warnings: readonly AddressWarning[];
  try {
    ({ address, warnings } = await checkDestination(ctx.addresses, shipTo, ctx.addressCheck));
  } catch (e) {
    if (e instanceof VaultError && e.code === 'address_unverified') return { refuse: e };
    throw e;
  }
  const signed = zipOf(input);
  if (address.zip5 === signed) return { address, warnings };
  const detail = `the address is in ZIP ${address.zip5}, the signed destination is ${signed}`;
  if (ctx.addressCheck === 'refuse') return { refuse: new VaultError('address_unverified', detail) };
  return { address, warnings: [...warnings, { code: 'address_unverified', detail }] };
}
