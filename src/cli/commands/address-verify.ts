import { Command } from 'commander';
import { oneLine, type AddressQuery, type AddressVerification } from '../../address/index.js';
import { fail } from '../../errors.js';
import { verifyAddressAt } from '../../sdk/index.js';
import { BuiltInAddressVerifier } from '../../services/index.js';
import { DEFAULT_SERVER, emit } from '../output.js';
import { action } from '../run.js';

interface AddressOpts {
  server: string;
  street?: string;
  secondary?: string;
  city?: string;
  state?: string;
  zip?: string;
  offline?: boolean;
  json?: boolean;
}

/** The query: the free-text words, or the field options; never both. */
function queryOf(line: string[], o: AddressOpts): AddressQuery {
  const fields = { street: o.street, secondary: o.secondary, city: o.city, state: o.state, zip: o.zip };
  const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  if (line.length > 0 && Object.keys(given).length > 0)
    fail('invalid_request', 'give the address as one line or as --street/--secondary/--city/--state/--zip, not both');
  if (line.length > 0) return { line: line.join(' ') };
  if (Object.keys(given).length === 0) fail('invalid_request', 'give an address: one line, or --street with --city/--state/--zip');
  return given;
}

/** The verification as lines: the verdict, the standardized address, the issues, the ranked suggestions. */
export function describeVerification(v: AddressVerification): string {
  const lines = [`${v.status.toUpperCase()} (${v.source})`, `standardized: ${oneLine(v.standardized) || '(nothing to standardize)'}`];
  for (const i of v.issues) lines.push(`  ${i.code}: ${i.detail}`);
  if (v.suggestions.length === 0) lines.push('no suggestions');
  else lines.push('suggestions, best first:');
  v.suggestions.forEach((s, i) => lines.push(`  ${i + 1}. [${String(s.score).padStart(3)}] ${s.match.padEnd(19)} ${oneLine(s.address)}`));
  return lines.join('\n');
}

export function addressVerify(address: Command): void {
  address
    .command('verify')
    .description('standardize an address (USPS Publication 28) and list the addresses it may be, best first; exit status 3 unless verified')
    .argument('[line...]', 'the whole address as one line: "123 Main St Apt 4, New York, NY 10001"')
    .option('--street <text>', 'delivery line: "123 N Main St", "PO Box 12"')
    .option('--secondary <text>', 'apartment, suite, floor: "Apt 4B"')
    .option('--city <text>', 'city')
    .option('--state <text>', 'state: two-letter code or full name')
    .option('--zip <text>', 'ZIP Code: "12345" or "12345-6789"')
    .option('--server <url>', 'the installation to ask', DEFAULT_SERVER)
    .option('--offline', "use this machine's built-in matcher (the zipcodes dataset) instead of a server")
    .option('--json', 'print one JSON object')
    .action(
      action(async (line: string[], o: AddressOpts) => {
        const query = queryOf(line, o);
        const v = o.offline ? await new BuiltInAddressVerifier().verify(query) : await verifyAddressAt(o.server, query);
        emit(o.json === true, v, () => describeVerification(v));
        if (v.status !== 'verified') process.exit(3);
      }),
    );
}
