import type { AddressQuery, AddressVerification } from '../address/index.js';
import { callApi, type HttpOptions } from './http.js';

/**
 * Asks a server to verify an address (POST /v1/addresses/verify): the address in Publication 28 form
 * and the ranked suggestions. Public: no session needed.
 */
export function verifyAddressAt(server: string, query: AddressQuery, opts: HttpOptions = {}): Promise<AddressVerification> {
  return callApi<AddressVerification>(server, 'POST', '/v1/addresses/verify', query, opts);
}
