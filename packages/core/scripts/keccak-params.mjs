// Keccak-f[1600]'s constants, computed from FIPS 202 rather than typed in, for the generators of
// both permutations (gen-keccak.mjs, gen-keccak-wasm.mjs).

/** rho offsets by lane index x + 5y (3.2.2: (t + 1)(t + 2) / 2 along the walk from (1, 0)) */
export function rhoOffsets() {
  const r = new Array(25).fill(0);
  for (let t = 0, x = 1, y = 0; t < 24; t++) {
    r[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64;
    [x, y] = [y, (2 * x + 3 * y) % 5];
  }
  return r;
}

/** rc(t) of 3.2.5: x^t mod x^8 + x^6 + x^5 + x^4 + 1, its lowest bit */
function rcBit(t) {
  let r = 1;
  for (let i = 1; i <= t % 255; i++) {
    r <<= 1;
    if (r & 0x100) r ^= 0x171;
  }
  return r & 1;
}

/** the 24 round constants, as 64-bit bigints */
export function roundConstants() {
  const out = [];
  for (let round = 0; round < 24; round++) {
    let v = 0n;
    for (let j = 0; j <= 6; j++) if (rcBit(j + 7 * round)) v |= 1n << BigInt((1 << j) - 1);
    out.push(v);
  }
  return out;
}
