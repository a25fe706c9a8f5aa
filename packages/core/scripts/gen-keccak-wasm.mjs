#!/usr/bin/env node
// Writes packages/core/src/keccak-wasm.ts: a WebAssembly module of one function that runs
// Keccak-f[1600] over whole 136-byte blocks with the 25 lanes as i64 locals, the permutation
// unrolled within a loop over the 24 rounds. WebAssembly's 64-bit integers make a round several
// times cheaper than two 32-bit halves in JavaScript (keccak.ts, which pads the input and keeps
// the JavaScript permutation where WebAssembly is unavailable).
// Run again only to change the module: `node packages/core/scripts/gen-keccak-wasm.mjs`.
//
// Memory (one 64 KiB page, grown by the caller): bytes 0–191 the round constants, 192–223 the
// digest, from 256 the padded input.
//   keccak(ptr, blocks, out): absorbs `blocks` blocks from ptr, writes the first 32 bytes of the state at out
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rhoOffsets, roundConstants } from './keccak-params.mjs';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/keccak-wasm.ts');

const R = rhoOffsets();
const RC = roundConstants();

// ---------------------------------------------------------------- encoding
const uleb = (n) => {
  const b = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    b.push(byte);
  } while (n !== 0);
  return b;
};
const sleb = (n) => {
  const b = [];
  let v = BigInt(n);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    b.push(done ? byte : byte | 0x80);
    if (done) return b;
  }
};
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, body) => [id, ...uleb(body.length), ...body];
const name = (s) => vec([...Buffer.from(s, 'utf8')].map((c) => [c]));

const I32 = 0x7f;
const I64 = 0x7e;
const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  get: 0x20,
  set: 0x21,
  i32Const: 0x41,
  i64Const: 0x42,
  i64Load: 0x29,
  i64Store: 0x37,
  i32Eqz: 0x45,
  i32Ne: 0x47,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i64And: 0x83,
  i64Xor: 0x85,
  i64Rotl: 0x89,
};

// ---------------------------------------------------------------- the function
// params: 0 ptr, 1 blocks, 2 out; locals: lanes a (3–27), b (28–52), c (53–57), d (58–62), round (63)
const PTR = 0;
const BLOCKS = 1;
const OUT = 2;
const a = (i) => 3 + i;
const b = (i) => 28 + i;
const c = (i) => 53 + i;
const d = (i) => 58 + i;
const ROUND = 63;

const code = [];
const emit = (...bytes) => code.push(...bytes);
const get = (l) => emit(op.get, ...uleb(l));
const set = (l) => emit(op.set, ...uleb(l));
const memarg = (offset) => [3, ...uleb(offset)]; // align 2^3

emit(op.block, 0x40); // $done
emit(op.loop, 0x40); // $blocks
get(BLOCKS);
emit(op.i32Eqz, op.brIf, 1);
// absorb: the block's 17 lanes into the state (lanes are little-endian, as WebAssembly's memory)
for (let k = 0; k < 17; k++) {
  get(a(k));
  get(PTR);
  emit(op.i64Load, ...memarg(8 * k), op.i64Xor);
  set(a(k));
}
emit(op.i32Const, 0);
set(ROUND);
emit(op.loop, 0x40); // $rounds
// theta
for (let x = 0; x < 5; x++) {
  get(a(x));
  for (let y = 1; y < 5; y++) {
    get(a(x + 5 * y));
    emit(op.i64Xor);
  }
  set(c(x));
}
for (let x = 0; x < 5; x++) {
  get(c((x + 4) % 5));
  get(c((x + 1) % 5));
  emit(op.i64Const, 1, op.i64Rotl, op.i64Xor);
  set(d(x));
}
// theta applied, then rho and pi: B[y, 2x + 3y] = rotl(A[x, y] ^ D[x], r[x, y])
for (let y = 0; y < 5; y++) {
  for (let x = 0; x < 5; x++) {
    const i = x + 5 * y;
    get(a(i));
    get(d(x));
    emit(op.i64Xor);
    if (R[i] !== 0) emit(op.i64Const, ...sleb(R[i]), op.i64Rotl);
    set(b(y + 5 * ((2 * x + 3 * y) % 5)));
  }
}
// chi: A[x, y] = B[x, y] ^ (~B[x + 1, y] & B[x + 2, y])
for (let y = 0; y < 5; y++) {
  for (let x = 0; x < 5; x++) {
    get(b(x + 5 * y));
    get(b(((x + 1) % 5) + 5 * y));
    emit(op.i64Const, ...sleb(-1), op.i64Xor);
    get(b(((x + 2) % 5) + 5 * y));
    emit(op.i64And, op.i64Xor);
    set(a(x + 5 * y));
  }
}
// iota: the round's constant, from memory at 8 × round
get(a(0));
get(ROUND);
emit(op.i64Load, ...memarg(0), op.i64Xor);
set(a(0));
get(ROUND);
emit(op.i32Const, 8, op.i32Add);
set(ROUND);
get(ROUND);
emit(op.i32Const, ...sleb(192), op.i32Ne, op.brIf, 0);
emit(op.end); // $rounds
get(PTR);
emit(op.i32Const, ...sleb(136), op.i32Add);
set(PTR);
get(BLOCKS);
emit(op.i32Const, 1, op.i32Sub);
set(BLOCKS);
emit(op.br, 0);
emit(op.end); // $blocks
emit(op.end); // $done
for (let k = 0; k < 4; k++) {
  get(OUT);
  get(a(k));
  emit(op.i64Store, ...memarg(8 * k));
}
emit(op.end);

const locals = vec([
  [...uleb(60), I64],
  [...uleb(1), I32],
]);
const body = [...locals, ...code];

const rcBytes = [];
for (const v of RC) for (let k = 0n; k < 8n; k++) rcBytes.push(Number((v >> (8n * k)) & 0xffn));

const module = [
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32]]), ...vec([])]])),
  ...section(3, vec([[0]])),
  ...section(5, vec([[0x00, ...uleb(1)]])),
  ...section(
    7,
    vec([
      [...name('keccak'), 0x00, 0],
      [...name('memory'), 0x02, 0],
    ]),
  ),
  ...section(10, vec([[...uleb(body.length), ...body]])),
  ...section(11, vec([[0x00, op.i32Const, 0, op.end, ...vec(rcBytes.map((x) => [x]))]])),
];
const bytes = Buffer.from(module);
// the module must compile, and a browser compiles a module of up to 4 KiB synchronously
new WebAssembly.Module(bytes);
if (bytes.length > 4096) throw new Error(`module is ${bytes.length} bytes`);

const hex = bytes.toString('hex');
const lines = hex.match(/.{1,120}/g).map((l) => `  '${l}',`);
writeFileSync(
  out,
  `/**
 * Keccak-f[1600] over whole blocks, as a WebAssembly module (${bytes.length} bytes): generated by
 * scripts/gen-keccak-wasm.mjs, which says what it holds; keccak.ts pads and calls it.
 */
export const KECCAK_WASM_HEX = [
${lines.join('\n')}
].join('');
`,
);
execFileSync('npx', ['biome', 'format', '--write', out], { stdio: 'inherit' });
console.log(`wrote ${path.relative(process.cwd(), out)} (${bytes.length} bytes of WebAssembly)`);
