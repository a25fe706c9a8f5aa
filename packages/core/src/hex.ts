/** 0x-prefixed hex string. */
export type Hex = `0x${string}`;
/** 20-byte address as 0x-prefixed hex. */
export type Address = `0x${string}`;

const HEX_RE = /^0x[0-9a-fA-F]*$/;

export function isHex(value: unknown, bytes?: number): value is Hex {
  if (typeof value !== 'string' || !HEX_RE.test(value) || value.length % 2 !== 0) return false;
  return bytes === undefined || value.length === 2 + bytes * 2;
}

const HEX_CHARS = '0123456789abcdef';
/** each hex digit's value by character code (either case); a string is checked to be hex before it is read */
const DIGIT_VALUE = new Uint8Array(128);
for (let i = 0; i < 16; i++) {
  DIGIT_VALUE[HEX_CHARS.charCodeAt(i)] = i;
  DIGIT_VALUE[HEX_CHARS.toUpperCase().charCodeAt(i)] = i;
}
const BYTE_HEX: string[] = Array.from({ length: 256 }, (_, i) => HEX_CHARS[i >> 4]! + HEX_CHARS[i & 15]!);

/** the character codes of each byte's two digits, at 2·byte and 2·byte + 1 */
const DIGIT_CODES = new Uint16Array(512);
for (let i = 0; i < 256; i++) {
  DIGIT_CODES[2 * i] = HEX_CHARS.charCodeAt(i >> 4);
  DIGIT_CODES[2 * i + 1] = HEX_CHARS.charCodeAt(i & 15);
}
/** bytes per string built at once from character codes (an argument list has a length limit) */
const PIECE_BYTES = 4096;

/**
 * One flat string, built from character codes: appending digit pairs built a chain of ropes, which
 * cost more, and whose first read left a rope's header alive beside the flat string (a node keeps
 * a million order hashes).
 */
export function bytesToHex(bytes: Uint8Array): Hex {
  if (bytes.length > PIECE_BYTES) {
    let s = '0x';
    for (let i = 0; i < bytes.length; i++) s += BYTE_HEX[bytes[i]!]!;
    return s as Hex;
  }
  const codes = new Array<number>(2 + 2 * bytes.length);
  codes[0] = 48;
  codes[1] = 120;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    codes[2 + 2 * i] = DIGIT_CODES[2 * b]!;
    codes[3 + 2 * i] = DIGIT_CODES[2 * b + 1]!;
  }
  return String.fromCharCode.apply(null, codes) as Hex;
}

export function hexToBytes(hex: string): Uint8Array {
  if (!isHex(hex)) throw new TypeError(`not hex: ${hex.slice(0, 20)}`);
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0, c = 2; i < out.length; i++, c += 2) out[i] = (DIGIT_VALUE[hex.charCodeAt(c)]! << 4) | DIGIT_VALUE[hex.charCodeAt(c + 1)]!;
  return out;
}

/**
 * Writes `value` big-endian into the 32 bytes at `offset` (its low 256 bits, two's complement for a
 * negative one). Every order hash writes eight of these: a value that fits a double is written by
 * arithmetic and a larger one from its hex digits, not byte by byte through bigint operations,
 * each of which allocates.
 */
export function writeUint256(out: Uint8Array, offset: number, value: bigint): void {
  if (value >= 0n && value <= SAFE) {
    let n = Number(value);
    let i = offset + 31;
    for (; n > 0; i--) {
      out[i] = n % 256;
      n = Math.floor(n / 256);
    }
    out.fill(0, offset, i + 1);
    return;
  }
  const digits = (value >= 0n ? value : BigInt.asUintN(256, value)).toString(16);
  if (digits.length > 64) return writeUint256(out, offset, BigInt.asUintN(256, value));
  let c = digits.length;
  let i = offset + 31;
  for (; c >= 2; i--, c -= 2) out[i] = (DIGIT_VALUE[digits.charCodeAt(c - 2)]! << 4) | DIGIT_VALUE[digits.charCodeAt(c - 1)]!;
  if (c === 1) out[i--] = DIGIT_VALUE[digits.charCodeAt(0)]!;
  out.fill(0, offset, i + 1);
}
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Writes the 32 bytes of `hex` (checked: 0x and 64 hex digits) at `offset`. */
export function writeBytes32(out: Uint8Array, offset: number, hex: string): void {
  if (!isHex(hex, 32)) throw new TypeError(`expected 32 bytes of hex: ${String(hex).slice(0, 20)}`);
  for (let i = 0, c = 2; i < 32; i++, c += 2) out[offset + i] = (DIGIT_VALUE[hex.charCodeAt(c)]! << 4) | DIGIT_VALUE[hex.charCodeAt(c + 1)]!;
}

export function readUint256(bytes: Uint8Array, offset = 0): bigint {
  let v = 0n;
  for (let i = 0; i < 32; i++) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}
