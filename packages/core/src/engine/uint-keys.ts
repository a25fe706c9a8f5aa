/**
 * Map and Set keys for uint64 values (nonces, client ids): a number when it is exact, else the
 * bigint itself, so each value has one key. A lookup by a bigint key hashes its digits in a
 * runtime call every time; a small number is hashed inline, several times faster on the paths
 * every order takes.
 */
const EXACT = BigInt(Number.MAX_SAFE_INTEGER);

export type UintKey = number | bigint;

export function uintKey(v: bigint): UintKey {
  return v <= EXACT ? Number(v) : v;
}

export function uintOf(k: UintKey): bigint {
  return typeof k === 'bigint' ? k : BigInt(k);
}
