import { createRequire } from 'node:module';
import { verifyAddress, ZipIndex, type AddressQuery, type AddressVerification, type AddressVerifier, type ZipPlace, type ZipTable } from '../address/index.js';

/** The rows of the `zipcodes` package (8.0.0) this service reads: US and Canadian codes in one table. */
interface ZipcodesRow {
  readonly zip: string;
  readonly city: string;
  readonly state: string;
  readonly country: string;
}
interface ZipcodesPackage {
  readonly codes: Readonly<Record<string, ZipcodesRow>>;
}

const ZIPCODES_VERSION = '8.0.0';
let zipcodes: ZipTable | undefined;

/** The US rows of a `zipcodes` table (Canadian codes and short keys are left out: the matcher is for US mail). */
export function usRows(codes: Readonly<Record<string, ZipcodesRow>>): ZipPlace[] {
  return Object.values(codes)
    .filter((c) => c.country === 'US' && /^\d{5}$/.test(c.zip))
    .map((c) => ({ zip5: c.zip, city: c.city, state: c.state }));
}

/**
 * The `zipcodes` package's table, loaded on first use and kept: loading it takes most of a second,
 * so a server that never checks an address never pays for it.
 */
export function zipcodesTable(): ZipTable {
  if (!zipcodes) {
    const pkg = createRequire(import.meta.url)('zipcodes') as ZipcodesPackage;
    zipcodes = new ZipIndex(`zipcodes@${ZIPCODES_VERSION}`, usRows(pkg.codes));
  }
  return zipcodes;
}

/** The default AddressVerifier: the built-in matcher over a ZIP table (the `zipcodes` package unless one is given). */
export class BuiltInAddressVerifier implements AddressVerifier {
  constructor(private readonly table: () => ZipTable = zipcodesTable) {}

  async verify(query: AddressQuery): Promise<AddressVerification> {
    return verifyAddress(query, this.table());
  }
}
