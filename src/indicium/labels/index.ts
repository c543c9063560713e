import { PDFDocument } from 'pdf-lib';
import { SYMBOLOGIES, barcodeSvg } from '../barcode.js';
import { checkInput } from './fields.js';
import { layoutLabel } from './layout.js';
import { writePdf } from './pdf.js';
import { writePng } from './png.js';
import { STOCKS } from './stocks.js';
import { embedFonts, metricsOf, standaloneMetrics } from './text.js';
import { LabelError, type LabelInput, type RenderOptions } from './types.js';
import { writeZpl } from './zpl.js';

export { STOCKS, type StockSpec } from './stocks.js';
export { LabelError, type LabelFormat, type LabelInput, type LabelKind, type RenderOptions, type Stock, type Symbology } from './types.js';
export { formatValue, formatZip, MAX_ADDRESS_LINES } from './fields.js';
export { zplUnhex } from './zpl.js';
export { TEST_MARK, isTestItemBytes } from './layout.js';

const PDF_GRID_DPI = 300;
const ZPL_DPI = [203, 300, 600];

/**
 * Renders an item label: the item barcode (exact bytes), value, date, origin ZIP, meter and item ids,
 * and the address block (postage) or title (other kinds). Pure: returns the file's bytes, writes nothing.
 * Throws LabelError for a stock/format/symbology it cannot make, bad input, or an item too large for the stock.
 */
export async function renderLabel(input: LabelInput, opts: RenderOptions): Promise<Buffer> {
  const { stock, format } = opts;
  const symbology = opts.symbology ?? 'datamatrix';
  if (!Object.hasOwn(STOCKS, stock)) throw new LabelError(`unknown stock ${String(stock)}`);
  const spec = STOCKS[stock];
  if (!spec.formats.includes(format)) throw new LabelError(`stock ${stock} cannot be printed as ${String(format)} (it can be: ${spec.formats.join(', ')})`);
  if (!SYMBOLOGIES.includes(symbology)) throw new LabelError(`unknown symbology ${String(symbology)}`);
  checkInput(input);
  const dpi = opts.dpi ?? (format === 'zpl' ? 203 : PDF_GRID_DPI);
  if (format === 'zpl' && !ZPL_DPI.includes(dpi)) throw new LabelError(`ZPL printers are ${ZPL_DPI.join(', ')} dpi`);
  if (format === 'png' && !(Number.isInteger(dpi) && dpi >= 150 && dpi <= 600)) throw new LabelError('PNG resolution must be 150 to 600 dpi');
  if (format === 'pdf' && opts.dpi !== undefined) throw new LabelError('a PDF has no resolution');

  let dataMatrixModules = 0;
  try {
    if (symbology === 'datamatrix') dataMatrixModules = barcodeSvg(input.itemBytes, 'datamatrix').modulesWide;
  } catch (err) {
    throw new LabelError(`the item cannot be encoded as a Data Matrix: ${(err as Error).message}`);
  }

  if (format === 'pdf') {
    const doc = await PDFDocument.create({ updateMetadata: false });
    const fonts = embedFonts(doc);
    const layout = layoutLabel(metricsOf(fonts), input, stock, symbology, PDF_GRID_DPI, dataMatrixModules);
    return writePdf(doc, fonts, layout, input.itemBytes, `Vaultmeter ${input.kind} ${input.itemId}`);
  }
  const layout = layoutLabel(await standaloneMetrics(), input, stock, symbology, dpi, dataMatrixModules);
  return format === 'png' ? writePng(layout, input.itemBytes, dpi) : writeZpl(layout, input.itemBytes, dpi);
}
