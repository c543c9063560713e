import { MAX_BANK_ACCOUNT_NUMBER_LENGTH, MIN_BANK_ACCOUNT_NUMBER_LENGTH } from '../constants.js';

// A DFI account number as a NACHA entry carries it (entry detail positions 13-29: alphanumeric,
// 17 characters, left-justified). Banks print digits, and some letters and hyphens; we accept those
// and nothing else, so that what we seal is exactly what the file will hold. Letters are upper-cased
// here because the file's alphanumeric fields are upper case: the sealed number, its last four and
// the file agree.

const LIMITS = `{${MIN_BANK_ACCOUNT_NUMBER_LENGTH - 2},${MAX_BANK_ACCOUNT_NUMBER_LENGTH - 2}}`;
const ACCOUNT_NUMBER = new RegExp(`^[0-9A-Z][0-9A-Z-]${LIMITS}[0-9A-Z]$`);

/** The account number as it is sealed and filed (upper case), or null when it is not one we accept. */
export function normalizeAccountNumber(text: string): string | null {
  // Checked before upper-casing too: 'ß'.toUpperCase() is 'SS'.
  if (!/^[0-9A-Za-z-]*$/.test(text)) return null;
  const upper = text.toUpperCase();
  return ACCOUNT_NUMBER.test(upper) ? upper : null;
}

/** What the customer sees of a stored account: its last four characters. */
export function accountLast4(normalized: string): string {
  return normalized.slice(-4);
}
