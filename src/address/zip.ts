// ZIP Codes as written: "12345", "12345-6789", "123456789", "12345 6789". Publication 28 prints the
// ZIP+4 form with its hyphen ("12345-6789").

export interface ParsedZip {
  readonly zip5: string;
  readonly zip4?: string;
}

/** A ZIP or ZIP+4 from the words of a ZIP field, or null when they are not one. */
export function parseZip(text: string): ParsedZip | null {
  const m = /^(\d{5})(?:[- ]?(\d{4}))?$/.exec(text.trim());
  if (!m) return null;
  return m[2] ? { zip5: m[1]!, zip4: m[2] } : { zip5: m[1]! };
}

/** A word that is a whole ZIP or ZIP+4 ("10001", "10001-1234", "100011234"). */
export function isZipWord(word: string): boolean {
  return /^\d{5}(?:-?\d{4})?$/.test(word);
}

/** "12345" or "12345-6789". */
export function formatZip(zip: ParsedZip): string {
  return zip.zip4 ? `${zip.zip5}-${zip.zip4}` : zip.zip5;
}

/**
 * A ZIP that lost its leading zeros in a spreadsheet ("2134" for 02134, New England and Puerto Rico):
 * the padded form, or null when the field is not 3 or 4 digits.
 */
export function zeroPadded(text: string): string | null {
  const digits = text.trim();
  return /^\d{3,4}$/.test(digits) ? digits.padStart(5, '0') : null;
}
