/**
 * The core's Keccak-256 — the WebAssembly permutation (src/keccak-wasm.ts) Node runs, and the
 * JavaScript one (src/keccak-js.ts) kept for where WebAssembly is unavailable — against known
 * digests and against an independent implementation, at every length around the 136-byte block
 * boundary, on random inputs and on inputs larger than the module's first memory page.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { bytesToHex } from '../src/hex.js';
import { keccak256Js } from '../src/keccak-js.js';
import { keccak256 as keccak256Default, keccakBackend } from '../src/keccak.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

it('runs in WebAssembly in Node, and in JavaScript where WebAssembly is unavailable', async () => {
  expect(keccakBackend).toBe('wasm');
  vi.stubGlobal('WebAssembly', undefined);
  try {
    vi.resetModules();
    const fresh = await import('../src/keccak.js');
    expect(fresh.keccakBackend).toBe('js');
    expect(bytesToHex(fresh.keccak256(text('abc')))).toBe('0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
  } finally {
    vi.unstubAllGlobals();
  }
});

describe.each([
  ['WebAssembly', keccak256Default],
  ['JavaScript', keccak256Js],
])('keccak256 (%s)', (_, keccak256) => {
  it.each([
    ['', '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
    ['abc', '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
    ['transfer(address,uint256)', '0xa9059cbb2ab09eb219583f4a59a5d0623ade346d962bcd4e46b11da047c9049b'],
  ])('hashes %j to its known digest', (input, digest) => {
    expect(bytesToHex(keccak256(text(input)))).toBe(digest);
  });

  it('equals an independent implementation at every length from 0 to 600 bytes (4 blocks and more)', () => {
    for (let n = 0; n <= 600; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 0xff);
      expect(bytesToHex(keccak256(data)), `length ${n}`).toBe(bytesToHex(keccak_256(data)));
    }
  });

  it('equals an independent implementation on random inputs, and leaves its input as it was', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        const copy = data.slice();
        expect(bytesToHex(keccak256(data))).toBe(bytesToHex(keccak_256(data)));
        expect(data).toEqual(copy);
      }),
      { numRuns: 500 },
    );
  });

  it('hashes a view into a larger buffer by the view alone, and returns a digest of its own', () => {
    const buf = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const view = buf.subarray(10, 250);
    const a = keccak256(view);
    const b = keccak256(view.slice());
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    expect(bytesToHex(a)).toBe(bytesToHex(keccak_256(view)));
  });

  it('hashes inputs larger than the first memory page, and earlier digests stay as they were', () => {
    const small = keccak256(text('abc'));
    for (const n of [65_536 - 256, 65_536, 300_000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 17) & 0xff);
      expect(bytesToHex(keccak256(data)), `length ${n}`).toBe(bytesToHex(keccak_256(data)));
    }
    expect(bytesToHex(small)).toBe('0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
  });
});
