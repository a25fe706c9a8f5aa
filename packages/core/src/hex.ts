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
const BYTE_HEX: string[] = Array.from({ length: 256 }, (_, i) => HEX_CHARS[i >> 4]! + HEX_CHARS[i & 15]!);

export function bytesToHex(bytes: Uint8Array): Hex {
  let s = '0x';
  for (let i = 0; i < bytes.length; i++) s += BYTE_HEX[bytes[i]!]!;
  return s as Hex;
}

export function hexToBytes(hex: string): Uint8Array {
  if (!isHex(hex)) throw new TypeError(`not hex: ${hex.slice(0, 20)}`);
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 + i * 2, 4 + i * 2), 16);
  return out;
}

/** Writes `value` (unsigned, < 2^256) big-endian into 32 bytes at `offset`. */
export function writeUint256(out: Uint8Array, offset: number, value: bigint): void {
  let v = value;
  for (let i = 31; i >= 0; i--) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

export function readUint256(bytes: Uint8Array, offset = 0): bigint {
  let v = 0n;
  for (let i = 0; i < 32; i++) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}
