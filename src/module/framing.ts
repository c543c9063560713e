import { MAX_FRAME_BYTES } from '../constants.js';

// Frames on the module socket: u32 big-endian length, then that many bytes of UTF-8 JSON.

export function encodeFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > MAX_FRAME_BYTES) throw new Error(`frame of ${body.length} bytes exceeds the limit`);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** Accumulates stream chunks and yields whole decoded frames; throws on an oversized frame. */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): unknown[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const out: unknown[] = [];
    while (this.buffered.length >= 4) {
      const len = this.buffered.readUInt32BE(0);
      if (len > MAX_FRAME_BYTES) throw new Error(`incoming frame of ${len} bytes exceeds the limit`);
      if (this.buffered.length < 4 + len) break;
      out.push(JSON.parse(this.buffered.subarray(4, 4 + len).toString('utf8')));
      this.buffered = this.buffered.subarray(4 + len);
    }
    return out;
  }
}
