// Publication 28 writes addresses in upper case with no punctuation, except the hyphen of a ZIP+4 and
// the slash of a fraction (section 212). Two more marks carry meaning and are kept: a hyphen inside a
// primary or secondary number (Queens, NY: "41-12 PARSONS BLVD") and a decimal point inside a grid
// number (Appendix D2: "39.2 RD"). Dropping them would address another house.

/** Upper case, accents folded to ASCII (É → E), control characters and unknown marks out. */
export function foldUpper(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^\x20-\x7e]/g, ' ');
}

/**
 * One word of an address: letters and digits, and the marks that are part of a number. A hyphen in a
 * word without a digit separates two words ("WILKES-BARRE" is "WILKES BARRE" in the USPS city file).
 */
function cleanWord(word: string): string[] {
  if (word === '#') return [word];
  if (!/[0-9]/.test(word)) return word.split('-').map((w) => w.replace(/[^A-Z]/g, ''));
  const alnum = (c: string | undefined) => c !== undefined && /[0-9A-Z]/.test(c);
  const digit = (c: string | undefined) => c !== undefined && /[0-9]/.test(c);
  // A mark stays only between the characters it joins: "41-12", "1/2", "39.2".
  const kept = [...word].filter((c, i, all) => {
    if (alnum(c)) return true;
    if (c === '-') return alnum(all[i - 1]) && alnum(all[i + 1]);
    return (c === '.' || c === '/') && digit(all[i - 1]) && digit(all[i + 1]);
  });
  return [kept.join('')];
}

/**
 * The words of one field, standardized: upper case, punctuation out. A `#` stays a word of its own
 * (it is a secondary designator, "# 4B"), also when written against its number ("#4B").
 */
export function words(text: string): string[] {
  const spaced = foldUpper(text)
    .replace(/#/g, ' # ')
    .replace(/[,;:()[\]{}"]/g, ' ');
  return spaced
    .split(/\s+/)
    .flatMap(cleanWord)
    .filter((w) => w.length > 0);
}

/** Segments of a free-text address as the writer separated them (commas, semicolons, new lines). */
export function segments(text: string): string[][] {
  return foldUpper(text.replace(/[\r\n;]+/g, ','))
    .split(',')
    .map(words)
    .filter((s) => s.length > 0);
}

/** A standardized field: its words, one space apart. */
export function standardText(text: string): string {
  return words(text).join(' ');
}
