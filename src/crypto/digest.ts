import { createHash } from 'node:crypto';

/** SHA-256 of bytes or UTF-8 text, hex: for the pure domain, which does not reach for node:crypto itself. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
