export {
  ITEM_KINDS,
  ITEM_FORMAT_VERSION,
  RATED_FORMAT_VERSION,
  ITEM_MAGIC,
  SOFTWARE_ID,
  SIGNATURE_BYTES,
  TEST_ITEM_FLAG,
  type ItemKind,
  type ItemData,
  type ItemHeader,
  type DecodedItem,
  ItemFormatError,
  encodeSignedBytes,
  encodeItem,
  decodeItem,
  dateToYmd,
} from './format.js';
export {
  type PostageElements,
  type RatedElements,
  type TicketElements,
  type OfferElements,
  type GiftElements,
  type KindElements,
  validatePostage,
  expiryOf,
  MAX_TEXT,
} from './elements.js';
export { rawSignatureToDer } from './signature.js';
export { dataMatrixPng } from './barcode.js';
export { type Symbology, type BarcodeOptions, type BarcodeVector, SYMBOLOGIES, barcodePng, pdf417Png, barcodeSvg } from './barcode.js';
export {
  type Stock,
  type LabelFormat,
  type LabelInput,
  type LabelKind,
  type RenderOptions as LabelRenderOptions,
  STOCKS,
  LabelError,
  renderLabel,
  MAX_ADDRESS_LINES,
  TEST_MARK,
  isTestItemBytes,
} from './labels/index.js';
export { verifyItem, itemJson, TEST_ITEM_REASON, type Verdict, type ReasonCode } from './verify.js';
export {
  type Impb,
  type ImpbSource,
  impbFor,
  impbElementString,
  impbSerial,
  isTrackingNumber,
  mailerIdFrom,
  mod10CheckDigit,
  routingZip,
  spacedTrackingNumber,
  trackingNumber,
} from './impb.js';
export { type MailClassLabel, mailClassLabel } from './mail-class.js';
export { type LinearBars, gs1128Bars } from './barcode-gs1.js';
