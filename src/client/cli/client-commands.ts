import { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { dataMatrixPng, MAX_ADDRESS_LINES, STOCKS, type ItemKind, type LabelFormat, type Stock, type Symbology } from '../../indicium/index.js';
import { labelFor, testLabel, type PrinterChoice } from '../labels.js';
import { barcodesIn } from '../scan.js';
import { MAX_ITEM_VALUE_MILLS } from '../../constants.js';
import { formatMills, parseDollarsToMills } from '../../money.js';
import { MeterClient } from '../meter-client.js';
import { Profile, ProfileError } from '../profile.js';
import { DEFAULT_SERVER, emit } from './output.js';
import { action } from './run.js';

interface Common {
  user: string;
  password?: string;
  server?: string;
  json?: boolean;
}

/** An open session for the user: the saved one, else a login with --password / VAULTMETER_PASSWORD. */
async function session(o: Common): Promise<MeterClient> {
  const password = o.password ?? process.env.VAULTMETER_PASSWORD;
  const resumed = password ? null : await MeterClient.resume(o.user);
  const client = resumed ?? (password ? await MeterClient.login(o.user, password) : null);
  if (!client) throw new ProfileError('no_session', `no open session for ${o.user}: run \`vaultmeter client login --user ${o.user}\``);
  if (o.server) client.useServer(o.server);
  return client;
}

function withCommon(cmd: Command): Command {
  return cmd
    .requiredOption('--user <user>', 'customer user name')
    .option('--password <password>', 'password (else VAULTMETER_PASSWORD, else the open session)')
    .option('--server <url>', "server URL (default: the profile's server)")
    .option('--json', 'print one JSON object');
}

const registers = (b: { arMills: bigint; drMills: bigint; controlTotalMills: bigint }) => ({
  arMills: b.arMills.toString(),
  drMills: b.drMills.toString(),
  controlTotalMills: b.controlTotalMills.toString(),
});
const describe = (b: { arMills: bigint; drMills: bigint; controlTotalMills: bigint }) =>
  `available (dr) $${formatMills(b.drMills)}, printed (ar) $${formatMills(b.arMills)}, control total $${formatMills(b.controlTotalMills)}`;

/** Where an item goes: its bytes and barcode, or a label on a stock. */
function withOutput(cmd: Command): Command {
  return cmd
    .requiredOption('--out <file>', 'output file: the item bytes (and FILE.png, its Data Matrix), or with --format the label (and FILE.item, the item bytes)')
    .option('--format <format>', 'print a label: pdf, png or zpl')
    .option('--stock <stock>', 'label stock: label-4x6, envelope-10 or letter', 'label-4x6')
    .option('--symbology <symbology>', 'barcode: datamatrix or pdf417', 'datamatrix');
}

interface OutputOpts {
  out: string;
  format?: string;
  stock: string;
  symbology: string;
  address?: string[];
}

/** Checked before anything is debited: a label that cannot be made must not cost money. */
function printerChoice(o: OutputOpts): PrinterChoice | null {
  if (!o.format) return null;
  if (!['pdf', 'png', 'zpl'].includes(o.format)) throw new ProfileError('invalid_request', '--format must be pdf, png or zpl');
  if (!Object.hasOwn(STOCKS, o.stock)) throw new ProfileError('invalid_request', `--stock must be one of ${Object.keys(STOCKS).join(', ')}`);
  const stock = o.stock as Stock;
  if (!(STOCKS[stock].formats as readonly string[]).includes(o.format)) throw new ProfileError('invalid_request', `stock ${stock} prints as ${STOCKS[stock].formats.join(', ')}, not ${o.format}`);
  if (!['datamatrix', 'pdf417'].includes(o.symbology)) throw new ProfileError('invalid_request', '--symbology must be datamatrix or pdf417');
  if ((o.address?.length ?? 0) > MAX_ADDRESS_LINES) throw new ProfileError('invalid_request', `at most ${MAX_ADDRESS_LINES} --address lines`);
  return { stock, format: o.format as LabelFormat, symbology: o.symbology as Symbology };
}

/** The item bytes and its barcode PNG, or the label and the item bytes beside it. */
async function writeOutputs(o: OutputOpts, printer: PrinterChoice | null, itemBytes: Buffer): Promise<Record<string, string>> {
  if (!printer) {
    const png = `${o.out}.png`;
    await writeFile(o.out, itemBytes);
    await writeFile(png, await dataMatrixPng(itemBytes));
    return { file: o.out, png };
  }
  const itemFile = `${o.out}.item`;
  await writeFile(itemFile, itemBytes);
  await writeFile(o.out, await labelFor(itemBytes, printer, o.address ?? []));
  return { file: o.out, label: o.out, itemFile, format: printer.format, stock: printer.stock };
}

/** The kind's elements from the command line; the module checks them again. */
function issueElements(o: { kind: string; event?: string; seat: string; validFrom: string; validTo?: string; offer?: string; expiry?: string }): Record<string, string> {
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

function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export function clientCommands(program: Command): void {
  const client = program.command('client').description('customer commands: register, log in, check the balance, print items');

  client
    .command('register')
    .description('register as a customer: a module proves itself, and your MAC key and password are sealed to it')
    .requiredOption('--user <user>', 'user name to register')
    .option('--password <password>', 'password, 8 to 256 characters (else VAULTMETER_PASSWORD)')
    .option('--server <url>', 'server URL', DEFAULT_SERVER)
    .option('--ca <file>', 'pin this CA certificate instead of trusting the one the server serves on first use')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: Common & { ca?: string }) => {
        const password = o.password ?? process.env.VAULTMETER_PASSWORD;
        if (!password) throw new ProfileError('invalid_password', 'give --password or set VAULTMETER_PASSWORD');
        const caCertPem = o.ca ? await readFile(o.ca, 'utf8') : undefined;
        const c = await MeterClient.register(o.server ?? DEFAULT_SERVER, o.user, password, { caCertPem });
        emit(o.json === true, { user: o.user, meterId: c.meterId, server: c.server }, () => `Registered ${o.user} with meter ${c.meterId}`);
      }),
    );

  withCommon(client.command('login').description('open a session (the module checks the password; 5 failures lock the meter)'))
    .option('--accept-registers', 'accept registers lower than this client recorded (only after an investigation)')
    .action(
      action(async (o: Common & { acceptRegisters?: boolean }) => {
        const password = o.password ?? process.env.VAULTMETER_PASSWORD;
        if (!password) throw new ProfileError('invalid_password', 'give --password or set VAULTMETER_PASSWORD');
        const c = await MeterClient.login(o.user, password, { acceptRegisters: o.acceptRegisters });
        emit(o.json === true, { user: o.user, meterId: c.meterId }, () => `Logged in as ${o.user}`);
      }),
    );

  withCommon(client.command('balance').description("show the meter's registers, as the module reports them")).action(
    action(async (o: Common) => {
      const b = await (await session(o)).balance();
      emit(o.json === true, registers(b), () => describe(b));
    }),
  );

  withOutput(withCommon(client.command('print').description('print a postage item: debit the meter and get the signed item and its barcode')))
    .requiredOption('--amount <dollars>', 'postage value in dollars, e.g. 0.73')
    .requiredOption('--from <zip>', 'origin ZIP (5 digits)')
    .requiredOption('--to <zip>', 'destination ZIP, ZIP+4 or delivery point (digits)')
    .option('--address <line>', 'destination address line for the label (repeat, at most 6)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--date <yyyy-mm-dd>', 'mailing date (UTC)', todayUtc())
    .option('--rate <category>', 'rate category', 'FCM-LETTER')
    .option('--weight-oz <ounces>', 'weight in ounces (tenths)', '1.0')
    .action(
      action(async (o: Common & OutputOpts & { amount: string; from: string; to: string; date: string; rate: string; weightOz: string }) => {
        const printer = printerChoice(o);
        const amountMills = parseDollarsToMills(o.amount, MAX_ITEM_VALUE_MILLS);
        const weight = Number(o.weightOz);
        if (!Number.isFinite(weight) || weight <= 0) throw new ProfileError('invalid_request', '--weight-oz must be a positive number');
        const item = await (await session(o)).print({
          amountMills,
          originZip: o.from,
          destination: o.to.replace(/-/g, ''),
          date: o.date,
          rateCategory: o.rate,
          weightTenthOz: Math.round(weight * 10),
        });
        const files = await writeOutputs(o, printer, item.itemBytes);
        emit(
          o.json === true,
          { itemId: item.itemId, itemSerial: item.itemSerial.toString(), amountMills: item.amountMills.toString(), ...registers(item), ...files },
          () => `Printed item ${item.itemId} for $${formatMills(item.amountMills)} -> ${o.out}; ${describe(item)}`,
        );
      }),
    );

  withOutput(withCommon(client.command('issue').description('issue a ticket, coupon, voucher or gift certificate from the meter')))
    .requiredOption('--kind <kind>', 'ticket, coupon, voucher or gift')
    .requiredOption('--amount <dollars>', 'value in dollars')
    .option('--event <text>', 'ticket: the event')
    .option('--seat <text>', 'ticket: seat or zone', '')
    .option('--valid-from <yyyy-mm-dd>', 'ticket: first valid day', todayUtc())
    .option('--valid-to <yyyy-mm-dd>', 'ticket: last valid day')
    .option('--offer <text>', 'coupon or voucher: what is offered')
    .option('--expiry <yyyy-mm-dd>', 'coupon, voucher or gift: last valid day')
    .action(
      action(async (o: Common & OutputOpts & { kind: string; amount: string; event?: string; seat: string; validFrom: string; validTo?: string; offer?: string; expiry?: string }) => {
        const elements = issueElements(o);
        const amountMills = parseDollarsToMills(o.amount, MAX_ITEM_VALUE_MILLS);
        const printer = printerChoice(o);
        const item = await (await session(o)).issue(o.kind as ItemKind, amountMills, elements);
        const files = await writeOutputs(o, printer, item.itemBytes);
        emit(
          o.json === true,
          { itemId: item.itemId, kind: o.kind, itemSerial: item.itemSerial.toString(), amountMills: item.amountMills.toString(), ...registers(item), ...files },
          () => `Issued ${o.kind} ${item.itemId} for $${formatMills(item.amountMills)} -> ${o.out}; ${describe(item)}`,
        );
      }),
    );

  withCommon(client.command('refund').description('credit back an unused item (once, within the refund window)'))
    .requiredOption('--item <itemId>', 'the item id printed by `client print`')
    .action(
      action(async (o: Common & { item: string }) => {
        const r = await (await session(o)).refund(o.item);
        emit(o.json === true, { itemId: o.item, refundedMills: r.refundedMills.toString(), ...registers(r) }, () => `Refunded $${formatMills(r.refundedMills)}; ${describe(r)}`);
      }),
    );

  withCommon(client.command('withdraw').description('withdraw the meter from service (it prints no more)')).action(
    action(async (o: Common) => {
      const r = await (await session(o)).withdraw();
      emit(o.json === true, { withdrawn: true, ...registers(r) }, () => `Meter withdrawn; ${describe(r)}`);
    }),
  );

  withCommon(client.command('password').description('change the password (none of the last 5 may be reused)'))
    .requiredOption('--new-password <password>', 'the new password')
    .action(
      action(async (o: Common & { newPassword: string }) => {
        const old = o.password ?? process.env.VAULTMETER_PASSWORD;
        if (!old) throw new ProfileError('invalid_password', 'give the current password with --password');
        const c = await session({ ...o, password: undefined });
        await c.changePassword(old, o.newPassword);
        await c.rewrapProfile(o.newPassword);
        emit(o.json === true, { changed: true }, () => 'Password changed');
      }),
    );

  const printer = client.command('printer').description('printer profiles (the patent\'s printer configuration service)');
  printer
    .command('test')
    .description('print a test label for a stock/format/symbology and record, in your profile, whether its barcode reads back')
    .requiredOption('--user <user>', 'customer user name')
    .requiredOption('--format <format>', 'pdf, png or zpl')
    .option('--stock <stock>', 'label-4x6, envelope-10 or letter', 'label-4x6')
    .option('--symbology <symbology>', 'datamatrix or pdf417', 'datamatrix')
    .requiredOption('--out <file>', 'where to write the test label')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: OutputOpts & { user: string; json?: boolean }) => {
        const choice = printerChoice(o)!;
        const opened = await Profile.unlockWithSession(o.user);
        if (!opened) throw new ProfileError('no_session', `no open session for ${o.user}: run \`vaultmeter client login --user ${o.user}\``);
        const { label, payload } = await testLabel(choice);
        await writeFile(o.out, label);
        // A PNG or PDF is read back here; a ZPL file can only be checked on the printer itself.
        const decoded = choice.format !== 'zpl' && (await barcodesIn(o.out).catch(() => [])).some((b) => b.equals(payload));
        const record = { ...choice, testedAt: new Date().toISOString(), barcodeDecoded: decoded };
        await opened.profile.recordPrinter(record);
        emit(o.json === true, { printer: record, file: o.out }, () => `Test label written to ${o.out}; barcode ${decoded ? 'reads back' : choice.format === 'zpl' ? 'to be checked on the printer' : 'did NOT read back'}`);
      }),
    );
  printer
    .command('list')
    .description('the printer profiles recorded by test prints')
    .requiredOption('--user <user>', 'customer user name')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: { user: string; json?: boolean }) => {
        const opened = await Profile.unlockWithSession(o.user);
        if (!opened) throw new ProfileError('no_session', `no open session for ${o.user}`);
        const printers = opened.profile.printers;
        emit(o.json === true, { printers }, () => printers.map((p) => `${p.stock} ${p.format} ${p.symbology}: tested ${p.testedAt}, barcode ${p.barcodeDecoded ? 'ok' : 'unchecked'}`).join('\n') || 'no printer profiles yet');
      }),
    );

  client
    .command('logout')
    .description('end the saved session')
    .requiredOption('--user <user>', 'customer user name')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: { user: string; json?: boolean }) => {
        await MeterClient.logout(o.user);
        emit(o.json === true, { loggedOut: true }, () => `Logged out ${o.user}`);
      }),
    );
}
