/** The settlement's calldata, encoded in place: the bytes viem's encodeFunctionData gives, and its refusals. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFunctionData, type Abi } from 'viem';
import { exchangeAbi } from '@kestrel/contracts';
import { functionEncoder } from '../../src/chain/abi-encode.js';

const hex = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map(hex);
const word = bytes(32, 32);
const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const int = (bits: number) => fc.bigInt({ min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n });
const small = (bits: number) => fc.integer({ min: 0, max: 2 ** Math.min(bits, 31) - 1 });

const order = fc.record({
  subaccount: word,
  marketId: small(32),
  isBuy: fc.boolean(),
  price: uint(128),
  amount: uint(128),
  nonce: uint(64),
  expiry: uint(64),
  flags: small(32),
  clientId: uint(64),
});
const batch = fc.record({
  batchId: uint(64),
  timestamp: uint(64),
  requestCursor: uint(64),
  stateHash: word,
  prices: fc.array(fc.record({ marketId: small(32), roundId: uint(80) }), { maxLength: 4 }),
  funding: fc.array(fc.record({ marketId: small(32), rate: int(128) }), { maxLength: 4 }),
  plans: fc.array(
    fc.record({
      plan: fc.record({
        subaccount: word,
        marketOrder: fc.array(small(32), { maxLength: 5 }),
        maxSlippageBps: small(16),
        graceSeconds: small(32),
        nonce: uint(64),
      }),
      signature: bytes(0, 70),
    }),
    { maxLength: 3 },
  ),
  orders: fc.array(fc.record({ order, signature: fc.oneof(bytes(65, 65), fc.constant('0x')) }), { maxLength: 40 }),
  fills: fc.array(fc.record({ maker: small(32), taker: small(32), amount: uint(128) }), { maxLength: 30 }),
  absorbs: fc.array(word, { maxLength: 3 }),
  deleverages: fc.array(fc.record({ subaccount: word, marketId: small(32), counterparties: fc.array(word, { maxLength: 3 }) }), { maxLength: 3 }),
  marginCalls: fc.array(word, { maxLength: 3 }),
});

describe('encoding calldata in place', () => {
  const settle = functionEncoder(exchangeAbi, 'settleBatch');

  it('encodes settleBatch as viem does, for batches of any shape', () => {
    fc.assert(
      fc.property(batch, (b) => {
        expect(hex(settle([b]))).toBe(encodeFunctionData({ abi: exchangeAbi, functionName: 'settleBatch', args: [b] } as never));
      }),
      { numRuns: 300 },
    );
  });

  // every kind of type the encoder knows, at its bounds, nested in dynamic and static tuples
  const abi = [
    {
      type: 'function',
      name: 'all',
      stateMutability: 'nonpayable',
      outputs: [],
      inputs: [
        { name: 'a', type: 'uint8' },
        { name: 'b', type: 'int8' },
        { name: 'c', type: 'uint256' },
        { name: 'd', type: 'int256' },
        { name: 'e', type: 'bool' },
        { name: 'f', type: 'address' },
        { name: 'g', type: 'bytes4' },
        { name: 'h', type: 'bytes' },
        { name: 'i', type: 'string' },
        {
          name: 'j',
          type: 'tuple',
          components: [
            { name: 'x', type: 'uint16' },
            { name: 'y', type: 'bytes32' },
          ],
        },
        {
          name: 'k',
          type: 'tuple[]',
          components: [
            { name: 'x', type: 'bytes' },
            { name: 'y', type: 'int24[]' },
          ],
        },
        { name: 'l', type: 'string[][]' },
      ],
    },
  ] as const satisfies Abi;
  const all = functionEncoder(abi, 'all');
  const args = fc.tuple(
    uint(8),
    int(8),
    uint(256),
    int(256),
    fc.boolean(),
    bytes(20, 20),
    bytes(4, 4),
    bytes(0, 100),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.record({ x: small(16), y: word }),
    fc.array(fc.record({ x: bytes(0, 70), y: fc.array(int(24), { maxLength: 3 }) }), { maxLength: 3 }),
    fc.array(fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }), { maxLength: 3 }),
  );

  it('encodes every type it knows as viem does, bounds included', () => {
    fc.assert(
      fc.property(args, (a) => {
        expect(hex(all(a))).toBe(encodeFunctionData({ abi, functionName: 'all', args: a } as never));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what the type cannot hold, as viem does, and hex that is not whole bytes', () => {
    const base = [0n, 0n, 0n, 0n, false, `0x${'11'.repeat(20)}`, '0x01020304', '0x', '', { x: 0, y: `0x${'00'.repeat(32)}` }, [], []] as const;
    const bad: Array<[number, unknown]> = [
      [0, 256n],
      [0, -1n],
      [1, 128n],
      [1, -129n],
      [2, 1n << 256n],
      [3, 1n << 255n],
      [4, 1],
      [5, `0x${'11'.repeat(19)}`],
      [6, '0x010203'],
      [6, '0x0102030405'],
      [9, { x: 1 << 16, y: `0x${'00'.repeat(32)}` }],
      [10, 'not an array'],
    ];
    for (const [i, v] of bad) {
      const a = base.map((x, k) => (k === i ? v : x));
      expect(() => encodeFunctionData({ abi, functionName: 'all', args: a } as never), `viem, argument ${i}`).toThrow();
      expect(() => all(a), `argument ${i}`).toThrow();
    }
    // hex with an odd number of digits or none at all, which viem reads as it can: never ours to guess
    for (const v of ['0x0', 'zz', '0x12g4']) expect(() => all(base.map((x, k) => (k === 7 ? v : x))), v).toThrow(RangeError);
    expect(hex(all(base))).toBe(encodeFunctionData({ abi, functionName: 'all', args: base } as never));
  });
});
