import {
  decodeItem,
  impbFor,
  LabelError,
  mailClassLabel,
  mailerIdFrom,
  renderLabel,
  type ItemData,
  type LabelFormat,
  type LabelInput,
  type PostageElements,
  type Stock,
  type Symbology,
} from '../indicium/index.js';
import { itemIdOf } from '../crypto/index.js';
import { ProfileError } from '../sdk/index.js';

export interface PrinterChoice {
  readonly stock: Stock;
  readonly format: LabelFormat;
  readonly symbology: Symbology;
}

function titleOf(d: ItemData): string | undefined {
  switch (d.kind) {
    case 'ticket':
      return d.ticket.seat ? `${d.ticket.event} - ${d.ticket.seat}` : d.ticket.event;
    case 'coupon':
    case 'voucher':
      return d.offer.offer;
    case 'gift':
      return `Valid until ${d.gift.expiry}`;
    case 'postage':
      return undefined;
  }
}

/** A test page for a printer profile: a clearly marked label whose barcode carries no value. */
export async function testLabel(printer: PrinterChoice): Promise<{ label: Buffer; payload: Buffer }> {
  const payload = Buffer.from(`VAULTMETER TEST PRINT ${new Date().toISOString()} - NO VALUE`, 'latin1');
  const input: LabelInput = {
    itemBytes: payload,
    kind: 'voucher',
    valueMills: 1n,
    date: new Date().toISOString().slice(0, 10),
    meterId: '00000000-0000-0000-0000-000000000000',
    itemId: 'test-print',
    title: 'TEST PRINT - NOT VALID, NO VALUE',
  };
  return { label: await renderLabel(input, printer), payload };
}

export interface LabelExtras {
  /** The sender's address block (printed on the 4x6 label). */
  readonly returnLines?: readonly string[];
  /** The USPS Mailer ID for the IMpb (6 or 9 digits); default: VAULTMETER_MAILER_ID, else the development MID. */
  readonly mailerId?: string;
}

/** The Mailer ID the CLI puts in IMpbs: VAULTMETER_MAILER_ID, or the development MID (999999999) when unset. */
export function mailerIdFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return mailerIdFrom(env.VAULTMETER_MAILER_ID);
  } catch (e) {
    throw new ProfileError('invalid_request', (e as Error).message);
  }
}

/**
 * The carrier parts of a postage item's label: a rated item (format 2) has a mail class, so a service
 * banner, and an IMpb when its class has a confirmed Service Type Code. An unrated item has neither.
 */
export function carrierFieldsOf(postage: PostageElements, itemId: string, mailerId: string): Pick<LabelInput, 'serviceBanner' | 'impb'> {
  if (!postage.rated) return {};
  const banner = mailClassLabel(postage.rateCategory)?.banner;
  const impb = impbFor({ itemId, destination: postage.destination, rateCategory: postage.rateCategory, mailerId });
  return { ...(banner ? { serviceBanner: banner } : {}), ...(impb ? { impb } : {}) };
}

/** The printable label of an item, on the chosen stock and format (the patent's printer configuration). */
export async function labelFor(itemBytes: Buffer, printer: PrinterChoice, addressLines: readonly string[] = [], extras: LabelExtras = {}): Promise<Buffer> {
  const { data, signedBytes } = decodeItem(itemBytes);
  const itemId = itemIdOf(signedBytes);
  const input: LabelInput = {
    itemBytes,
    kind: data.kind,
    valueMills: data.valueMills,
    date: data.date,
    meterId: data.meterId,
    itemId,
    ...(data.kind === 'postage'
      ? {
          originZip: data.postage.originZip,
          destination: data.postage.destination,
          addressLines,
          returnLines: extras.returnLines ?? [],
          ...carrierFieldsOf(data.postage, itemId, extras.mailerId ?? mailerIdFromEnv()),
        }
      : { title: titleOf(data) }),
  };
  try {
    return await renderLabel(input, printer);
  } catch (e) {
    if (e instanceof LabelError) throw new ProfileError('invalid_request', e.message);
    throw e;
  }
}
