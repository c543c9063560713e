import type { AddressQuery, AddressVerification } from './schemas.js';

/**
 * Address verification as a port. The built-in matcher (`verifyAddress` over the `zipcodes` ZIP table)
 * is the default; a licensed CASS or AMS vendor replaces it with an adapter that maps its answer onto
 * AddressVerification (see docs/ARCHITECTURE.md, "Address matching"). An adapter that cannot reach
 * its vendor throws VaultError('address_service_unavailable').
 */
export interface AddressVerifier {
  verify(query: AddressQuery): Promise<AddressVerification>;
}
