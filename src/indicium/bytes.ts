// Low-level pieces of the item encoding: checks, dates, printable text, a bounds-checked reader.

export class ItemFormatError extends Error {}

export function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new ItemFormatError(message);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** YYYY-MM-DD (a real calendar date, UTC) to the u32 YYYYMMDD the format stores. */
export function dateToYmd(date: string): number {
  const m = DATE.exec(date);
  check(m !== null, 'date must be YYYY-MM-DD');
  const ymd = Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
  const parsed = new Date(`${date}T00:00:00Z`);
  check(!Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date, 'date is not a calendar date');
  return ymd;
}

export function ymdToDate(ymd: number): string {
  const s = ymd.toString().padStart(8, '0');
  const date = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
  check(dateToYmd(date) === ymd, 'date is not a calendar date');
  return date;
}

/** Printable ASCII only. (Node's 'ascii' decoding drops the high bit, so 0xB2 would read as "2".) */
export function asciiText(b: Buffer, what: string): string {
  check(
    b.every((c) => c >= 0x20 && c <= 0x7e),
    `${what} is not printable ASCII`,
  );
  return b.toString('latin1');
}

export function isPrintable(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** u8 length, then that many printable ASCII bytes. */
export function shortText(s: string, what: string, min: number, max: number): Buffer {
  check(isPrintable(s) && s.length >= min && s.length <= max, `${what} must be ${min}-${max} printable ASCII characters`);
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Reads a kind's elements; every read is bounds-checked and `end()` refuses trailing bytes. */
export class Reader {
  private o = 0;
  constructor(
    private readonly b: Buffer,
    private readonly what: string,
  ) {}

  take(n: number): Buffer {
    check(this.o + n <= this.b.length, `${this.what} truncated`);
    const s = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return s;
  }

  text(what: string, fixed?: number): string {
    return asciiText(this.take(fixed ?? this.take(1)[0]!), what);
  }

  u8(): number {
    return this.take(1)[0]!;
  }

  u16(): number {
    return this.take(2).readUInt16BE(0);
  }

  date(): string {
    return ymdToDate(this.take(4).readUInt32BE(0));
  }

  end(): void {
    check(this.o === this.b.length, `trailing bytes after ${this.what}`);
  }
}
