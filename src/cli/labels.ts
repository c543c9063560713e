import { decodeItem, LabelError, renderLabel, type ItemData, type LabelFormat, type LabelInput, type Stock, type Symbology } from '../indicium/index.js';
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

/** The printable label of an item, on the chosen stock and format (the patent's printer configuration). */
export async function labelFor(itemBytes: Buffer, printer: PrinterChoice, addressLines: readonly string[] = []): Promise<Buffer> {
  const { data, signedBytes } = decodeItem(itemBytes);
  const input: LabelInput = {
    itemBytes,
    kind: data.kind,
    valueMills: data.valueMills,
    date: data.date,
    meterId: data.meterId,
    itemId: itemIdOf(signedBytes),
    ...(data.kind === 'postage' ? { originZip: data.postage.originZip, destination: data.postage.destination, addressLines } : { title: titleOf(data) }),
  };
  try {
    return await renderLabel(input, printer);
  } catch (e) {
    if (e instanceof LabelError) throw new ProfileError('invalid_request', e.message);
    throw e;
  }
}
