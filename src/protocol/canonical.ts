// Canonical bytes: the one encoding every MAC and signature in the protocol is computed over.
// A domain tag, then each field sorted by name as u16 name length | name | u32 value length | value (UTF-8).
// No field name or value can be confused with another, whatever bytes they contain.

export type CanonicalFields = Readonly<Record<string, string>>;

export function canonicalBytes(domain: string, fields: CanonicalFields): Buffer {
  const parts: Buffer[] = [lengthPrefixed(domain, 2)];
  for (const name of Object.keys(fields).sort()) {
    parts.push(lengthPrefixed(name, 2), lengthPrefixed(fields[name]!, 4));
  }
  return Buffer.concat(parts);
}

// TextDecoder (not node:buffer's isUtf8) keeps this folder free of node: imports, so the SDK can use it in a browser.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// In /u mode a surrogate class matches only unpaired surrogates (paired ones form one code point).
const LONE_SURROGATE = /\p{Cs}/u;

function lengthPrefixed(text: string, width: 2 | 4): Buffer {
  // UTF-8 would turn every lone surrogate into U+FFFD, so two different strings would give the same bytes.
  if (LONE_SURROGATE.test(text)) throw new Error('canonical text is not well-formed UTF-16 (lone surrogate)');
  const body = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(width);
  if (width === 2) {
    if (body.length > 0xffff) throw new Error('canonical field name too long');
    head.writeUInt16BE(body.length);
  } else {
    head.writeUInt32BE(body.length);
  }
  return Buffer.concat([head, body]);
}

/** Prefix each parameter name so that command parameters never collide with envelope fields. */
export function prefixed(prefix: string, params: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) out[`${prefix}.${k}`] = v;
  return out;
}

/** Parse canonical bytes back into fields; null when they are not well-formed under `domain`. */
export function decodeCanonical(domain: string, bytes: Buffer): Record<string, string> | null {
  return parse(domain, bytes, false);
}

/**
 * Like decodeCanonical, and only for bytes that are exactly what canonicalBytes would produce:
 * names in strictly ascending order (so no duplicates) and every string valid UTF-8. As strict as
 * re-encoding and comparing, at a fraction of the cost (the transaction log decodes every header).
 */
export function decodeCanonicalStrict(domain: string, bytes: Buffer): Record<string, string> | null {
  return parse(domain, bytes, true);
}

function parse(domain: string, bytes: Buffer, strict: boolean): Record<string, string> | null {
  let o = 0;
  const take = (width: 2 | 4): string | null => {
    if (o + width > bytes.length) return null;
    const len = width === 2 ? bytes.readUInt16BE(o) : bytes.readUInt32BE(o);
    o += width;
    if (o + len > bytes.length) return null;
    const raw = bytes.subarray(o, o + len);
    o += len;
    if (!strict) return raw.toString('utf8');
    try {
      return STRICT_UTF8.decode(raw);
    } catch {
      return null;
    }
  };
  if (take(2) !== domain) return null;
  const out: Record<string, string> = {};
  let previous: string | null = null;
  while (o < bytes.length) {
    const name = take(2);
    const value = name === null ? null : take(4);
    if (name === null || value === null) return null;
    if (strict && previous !== null && !(previous < name)) return null;
    previous = name;
    out[name] = value;
  }
  return out;
}
