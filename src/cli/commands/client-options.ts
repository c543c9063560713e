import { diskProfiles } from '../profile.js';
import { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { dataMatrixPng, MAX_ADDRESS_LINES, STOCKS, type LabelFormat, type Stock, type Symbology } from '../../indicium/index.js';
import { labelFor, mailerIdFromEnv, type PrinterChoice } from '../labels.js';
import { formatMills } from '../../money.js';
import { MeterClient, ProfileError } from '../../sdk/index.js';

export interface Common {
  user: string;
  password?: string;
  apiKey?: string;
  server?: string;
  json?: boolean;
}

/**
 * An open session for the user: the saved one, else a login with --password / VAULTMETER_PASSWORD.
 * With an API key (--api-key / VAULTMETER_API_KEY) there is no login: the key stands in for the
 * session, and the local profile (the MAC key) is opened with the saved session's key or the password.
 */
export async function session(o: Common): Promise<MeterClient> {
  const apiKey = o.apiKey ?? process.env.VAULTMETER_API_KEY;
  if (apiKey) return withApiKey(o, apiKey);
  const password = o.password ?? process.env.VAULTMETER_PASSWORD;
  const resumed = password ? null : await MeterClient.resume(diskProfiles, o.user);
  const client = resumed ?? (password ? await MeterClient.login(diskProfiles, o.user, password, { server: o.server }) : null);
  if (!client) throw new ProfileError('no_session', `no open session for ${o.user}: run \`vaultmeter client login --user ${o.user}\``);
  if (o.server) client.useServer(o.server);
  return client;
}

/** An integrator's client: the key in place of a session; the password, if given, only opens the local profile. */
async function withApiKey(o: Common, apiKey: string): Promise<MeterClient> {
  const password = o.password ?? process.env.VAULTMETER_PASSWORD;
  const profile = password ? await diskProfiles.unlockWithPassword(o.user, password) : (await diskProfiles.unlockWithSession(o.user))?.profile;
  if (!profile)
    throw new ProfileError(
      'no_session',
      `an API key still needs the local profile of ${o.user} (its MAC key): give --password or VAULTMETER_PASSWORD to open it`,
    );
  return MeterClient.fromApiKey(diskProfiles, profile, apiKey, o.server ? { server: o.server } : {});
}

export function withCommon(cmd: Command): Command {
  return cmd
    .requiredOption('--user <user>', 'customer user name')
    .option('--password <password>', 'password (else VAULTMETER_PASSWORD, else the open session)')
    .option('--api-key <key>', 'an API key in place of a session (else VAULTMETER_API_KEY); the password then only opens the local profile')
    .option('--server <url>', "server URL (default: the profile's server)")
    .option('--json', 'print one JSON object');
}

export const registers = (b: { arMills: bigint; drMills: bigint; controlTotalMills: bigint }) => ({
  arMills: b.arMills.toString(),
  drMills: b.drMills.toString(),
  controlTotalMills: b.controlTotalMills.toString(),
});
export const describe = (b: { arMills: bigint; drMills: bigint; controlTotalMills: bigint }) =>
  `available (dr) $${formatMills(b.drMills)}, printed (ar) $${formatMills(b.arMills)}, control total $${formatMills(b.controlTotalMills)}`;

const OUT_HELP = 'output file: the item bytes (and FILE.png, its Data Matrix), or with --format the label (and FILE.item, the item bytes)';

/** Where an item goes: its bytes and barcode, or a label on a stock. */
export function withOutput(cmd: Command, outRequired = true): Command {
  return (outRequired ? cmd.requiredOption('--out <file>', OUT_HELP) : cmd.option('--out <file>', OUT_HELP))
    .option('--format <format>', 'print a label: pdf, png or zpl')
    .option('--stock <stock>', 'label stock: label-4x6, envelope-10 or letter', 'label-4x6')
    .option('--symbology <symbology>', 'barcode: datamatrix or pdf417', 'datamatrix');
}

export interface OutputOpts {
  out: string;
  format?: string;
  stock: string;
  symbology: string;
  address?: string[];
  /** The sender's address lines for a 4×6 label's return address block. */
  returnAddress?: string[];
}

/** Checked before anything is debited: a label that cannot be made must not cost money. */
export function printerChoice(o: OutputOpts): PrinterChoice | null {
  if (!o.format) return null;
  if (!['pdf', 'png', 'zpl'].includes(o.format)) throw new ProfileError('invalid_request', '--format must be pdf, png or zpl');
  if (!Object.hasOwn(STOCKS, o.stock)) throw new ProfileError('invalid_request', `--stock must be one of ${Object.keys(STOCKS).join(', ')}`);
  const stock = o.stock as Stock;
  if (!(STOCKS[stock].formats as readonly string[]).includes(o.format))
    throw new ProfileError('invalid_request', `stock ${stock} prints as ${STOCKS[stock].formats.join(', ')}, not ${o.format}`);
  if (!['datamatrix', 'pdf417'].includes(o.symbology)) throw new ProfileError('invalid_request', '--symbology must be datamatrix or pdf417');
  if ((o.address?.length ?? 0) > MAX_ADDRESS_LINES) throw new ProfileError('invalid_request', `at most ${MAX_ADDRESS_LINES} --address lines`);
  if ((o.returnAddress?.length ?? 0) > MAX_ADDRESS_LINES) throw new ProfileError('invalid_request', `at most ${MAX_ADDRESS_LINES} --return-address lines`);
  mailerIdFromEnv(); // a malformed VAULTMETER_MAILER_ID fails here, before anything is debited
  return { stock, format: o.format as LabelFormat, symbology: o.symbology as Symbology };
}

/** The files an item goes to, in the order they are written. */
export function outputPaths(out: string, printer: PrinterChoice | null): string[] {
  return printer ? [`${out}.item`, out] : [out, `${out}.png`];
}

/** The item bytes and its barcode PNG, or the label and the item bytes beside it. */
export async function writeOutputs(o: OutputOpts, printer: PrinterChoice | null, itemBytes: Buffer): Promise<Record<string, string>> {
  const [first, second] = outputPaths(o.out, printer) as [string, string];
  if (!printer) {
    await writeFile(first, itemBytes);
    await writeFile(second, await dataMatrixPng(itemBytes));
    return { file: o.out, png: second };
  }
  const itemFile = first;
  await writeFile(itemFile, itemBytes);
  await writeFile(o.out, await labelFor(itemBytes, printer, o.address ?? [], { returnLines: o.returnAddress ?? [] }));
  return { file: o.out, label: o.out, itemFile, format: printer.format, stock: printer.stock };
}

/** The kind's elements from the command line; the module checks them again. */
export function issueElements(o: {
  kind: string;
  event?: string;
  seat: string;
  validFrom: string;
  validTo?: string;
  offer?: string;
  expiry?: string;
}): Record<string, string> {
  const need = (v: string | undefined, flag: string): string => {
    if (!v) throw new ProfileError('invalid_request', `--kind ${o.kind} needs ${flag}`);
    return v;
  };
  switch (o.kind) {
    case 'ticket':
      return { event: need(o.event, '--event'), seat: o.seat, validFrom: o.validFrom, validTo: need(o.validTo ?? o.validFrom, '--valid-to') };
    case 'coupon':
    case 'voucher':
      return { offer: need(o.offer, '--offer'), expiry: need(o.expiry, '--expiry') };
    case 'gift':
      return { expiry: need(o.expiry, '--expiry') };
    default:
      throw new ProfileError('invalid_request', '--kind must be ticket, coupon, voucher or gift (use `client print` for postage)');
  }
}

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}
