export {
  ITEM_KINDS,
  ITEM_FORMAT_VERSION,
  SOFTWARE_ID,
  SIGNATURE_BYTES,
  type ItemKind,
  type ItemData,
  type ItemHeader,
  type PostageElements,
  type DecodedItem,
  ItemFormatError,
  encodeSignedBytes,
  encodeItem,
  decodeItem,
  itemIdOf,
  validatePostage,
  dateToYmd,
} from './format.js';
export { signItemBytes, verifyItemSignature, rawSignatureToDer } from './signature.js';
export { dataMatrixPng } from './barcode.js';
