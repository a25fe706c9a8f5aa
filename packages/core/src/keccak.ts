/**
 * Keccak-256 as Ethereum uses it (the original Keccak padding, 0x01 … 0x80; not SHA3-256).
 *
 * A node hashes every order it admits (EIP-712), every state record a batch changes (the
 * commitment) and every transaction it signs, on its event loop. The permutation runs in a
 * small WebAssembly module (keccak-wasm.ts) whose 64-bit integers make it about four times
 * faster than the best JavaScript; this file pads the input into the module's memory. Where
 * WebAssembly is unavailable (a page whose content policy forbids it), the JavaScript
 * permutation (keccak-js.ts) gives the same digests. Both are checked against an independent
 * implementation in test/keccak.test.ts.
 */
import { keccak256Js } from './keccak-js.js';
import { KECCAK_WASM_HEX } from './keccak-wasm.js';

/** bytes absorbed per permutation: 1600 bits less twice the 256-bit output */
const RATE = 136;
/** where the module reads its input and writes the digest (its round constants lie below) */
const INPUT = 256;
const DIGEST = 192;
const PAGE = 65536;

interface KeccakModule {
  keccak: (ptr: number, blocks: number, out: number) => void;
  memory: WebAssembly.Memory;
}

function instantiate(): KeccakModule | null {
  try {
    const bytes = new Uint8Array(KECCAK_WASM_HEX.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(KECCAK_WASM_HEX.slice(2 * i, 2 * i + 2), 16);
    // a module this small compiles synchronously everywhere, browsers' main threads included
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    return instance.exports as unknown as KeccakModule;
  } catch {
    return null;
  }
}

const wasm = typeof WebAssembly === 'object' ? instantiate() : null;
/** the module's memory as bytes: taken again after it grows (growing detaches the old buffer) */
let mem = wasm === null ? new Uint8Array(0) : new Uint8Array(wasm.memory.buffer);

/** Keccak-256 of `data` in WebAssembly: 32 bytes. */
function keccak256Wasm(m: KeccakModule, data: Uint8Array): Uint8Array {
  const len = data.length;
  const blocks = Math.floor(len / RATE) + 1;
  const end = INPUT + blocks * RATE;
  if (end > mem.length) {
    m.memory.grow(Math.ceil((end - mem.length) / PAGE));
    mem = new Uint8Array(m.memory.buffer);
  }
  mem.set(data, INPUT);
  mem.fill(0, INPUT + len, end);
  mem[INPUT + len]! ^= 0x01;
  mem[end - 1]! ^= 0x80;
  m.keccak(INPUT, blocks, DIGEST);
  return mem.slice(DIGEST, DIGEST + 32);
}

/** Keccak-256 of `data`: 32 bytes. */
export const keccak256: (data: Uint8Array) => Uint8Array = wasm === null ? keccak256Js : (data) => keccak256Wasm(wasm, data);

/** Which implementation {@link keccak256} runs (for tests and diagnostics). */
export const keccakBackend: 'wasm' | 'js' = wasm === null ? 'js' : 'wasm';
