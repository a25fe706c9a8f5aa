/**
 * Canonical bytes for the state commitment and the state records (spec/matching.md): big-endian,
 * fixed-width integers, signed ones as two's complement; a string is a u8 length and ASCII.
 */
import type { Hex } from '../hex.js';

const HEX_VALUE = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[97 + i] = 10 + i;
    t[65 + i] = 10 + i;
  }
  return t;
})();

/** A growable big-endian byte writer. */
export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  /** An unsigned integer in exactly `width` bytes; throws if it does not fit. */
  uint(v: bigint, width: number): void {
    if (v < 0n || v >> BigInt(width * 8) !== 0n) throw new RangeError(`state bytes: ${v} does not fit ${width} bytes`);
    this.ensure(width);
    const buf = this.buf;
    let x = v;
    // 32 bits at a time keeps the bigint work small
    let i = this.pos + width - 1;
    while (i >= this.pos) {
      let chunk = Number(x & 0xffffffffn);
      x >>= 32n;
      for (let k = 0; k < 4 && i >= this.pos; k++, i--) {
        buf[i] = chunk & 0xff;
        chunk >>>= 8;
      }
    }
    this.pos += width;
  }

  /** 32 bytes from 0x-prefixed hex. */
  bytes32(hex: Hex): void {
    if (hex.length !== 66) throw new RangeError(`state bytes: expected 32 bytes of hex, got ${hex.slice(0, 20)}`);
    this.ensure(32);
    const buf = this.buf;
    for (let i = 0; i < 32; i++) {
      const hi = HEX_VALUE[hex.charCodeAt(2 + 2 * i)] ?? -1;
      const lo = HEX_VALUE[hex.charCodeAt(3 + 2 * i)] ?? -1;
      if (hi < 0 || lo < 0) throw new RangeError(`state bytes: not hex: ${hex.slice(0, 20)}`);
      buf[this.pos + i] = (hi << 4) | lo;
    }
    this.pos += 32;
  }

  /** A u8 length and ASCII bytes. */
  str(text: string): void {
    if (text.length > 255) throw new RangeError('state bytes: string too long');
    this.u8(text.length);
    this.ensure(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.pos++] = text.charCodeAt(i) & 0x7f;
  }

  /** A signed integer in `width` bytes, two's complement; throws if it does not fit. */
  int(v: bigint, width: number): void {
    const bits = BigInt(width * 8);
    if (BigInt.asIntN(width * 8, v) !== v) throw new RangeError(`state bytes: ${v} does not fit ${width} signed bytes`);
    this.uint(BigInt.asUintN(Number(bits), v), width);
  }

  /** 20 bytes of address from 0x-prefixed hex. */
  address(hex: Hex): void {
    this.uint(BigInt(hex), 20);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Reads what a {@link ByteWriter} wrote; every read checks the bounds. */
export class ByteReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  private take(n: number): number {
    if (this.pos + n > this.buf.length) throw new RangeError('state bytes: truncated');
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.buf[this.take(1)]!;
  }

  uint(width: number): bigint {
    const at = this.take(width);
    let v = 0n;
    let i = 0;
    // 4 bytes at a time keeps the bigint work small
    for (; i + 4 <= width; i += 4) {
      const b = this.buf;
      v = (v << 32n) | BigInt(((b[at + i]! << 24) | (b[at + i + 1]! << 16) | (b[at + i + 2]! << 8) | b[at + i + 3]!) >>> 0);
    }
    for (; i < width; i++) v = (v << 8n) | BigInt(this.buf[at + i]!);
    return v;
  }

  int(width: number): bigint {
    return BigInt.asIntN(width * 8, this.uint(width));
  }

  num(width: number): number {
    return Number(this.uint(width));
  }

  bytes32(): Hex {
    const at = this.take(32);
    let out = '0x';
    for (let i = 0; i < 32; i++) out += HEX_DIGITS[this.buf[at + i]!];
    return out as Hex;
  }

  address(): Hex {
    return `0x${this.uint(20).toString(16).padStart(40, '0')}` as Hex;
  }

  str(): string {
    const n = this.u8();
    const at = this.take(n);
    let out = '';
    for (let i = 0; i < n; i++) out += String.fromCharCode(this.buf[at + i]!);
    return out;
  }

  /** Throws unless every byte was read: a record with trailing bytes is damaged. */
  end(): void {
    if (this.pos !== this.buf.length) throw new RangeError('state bytes: trailing bytes');
  }
}

const HEX_DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
