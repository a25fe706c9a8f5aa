/** The operator's transactions, written as bytes and hashed with the core's keccak: the bytes viem's account signs, and their hash. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keccak256, type TransactionSerializable } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { keccakHex, signTransaction } from '../../src/chain/sign-tx.js';

const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const to = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('signing a transaction', () => {
  it('gives the bytes viem signs and their hash, for each kind and size of field', async () => {
    // calldata around RLP's 55-byte and 256-byte length boundaries, up to a settlement's size
    const data = fc
      .oneof(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ minLength: 250, maxLength: 300 }), fc.uint8Array({ minLength: 65_000, maxLength: 70_000 }))
      .map((b) => `0x${Buffer.from(b).toString('hex')}` as const);
    const fields = fc.record({
      data,
      gas: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      nonce: fc.nat(),
      value: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 2n ** 256n - 1n })),
      chainId: fc.oneof(fc.constant(31337), fc.constant(6342), fc.constant(1), fc.integer({ min: 1, max: 2 ** 31 })),
      maxFeePerGas: fc.bigInt({ min: 1n, max: 2n ** 128n }),
      maxPriorityFeePerGas: fc.bigInt({ min: 0n, max: 1n }),
    });
    const tx = fc.oneof(
      // what the node sends: written here
      fields.map((t): TransactionSerializable => ({ ...t, to, type: 'eip1559' })),
      // anything else: through viem
      fields.map((t): TransactionSerializable => ({ ...t, to, type: 'eip1559', accessList: [{ address: to, storageKeys: [] }] })),
      fields.map(({ maxFeePerGas, maxPriorityFeePerGas, ...t }): TransactionSerializable => ({ ...t, to, type: 'legacy', gasPrice: maxFeePerGas })),
      fields.map(
        ({ maxFeePerGas, maxPriorityFeePerGas, ...t }): TransactionSerializable => ({ ...t, to, type: 'eip2930', gasPrice: maxFeePerGas, accessList: [] }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(tx, async (t) => {
        const expected = await account.signTransaction(t);
        expect(await signTransaction(account, t)).toEqual({ serialized: expected, hash: keccak256(expected) });
      }),
      { numRuns: 150 },
    );
  });

  it('writes RLP lengths at their boundaries as viem does', async () => {
    // a one-byte string below 0x80 is itself; 55 bytes is the last short string; 256 needs two length bytes
    const datas = [
      '0x',
      '0x00',
      '0x7f',
      '0x80',
      `0x${'01'.repeat(55)}`,
      `0x${'01'.repeat(56)}`,
      `0x${'01'.repeat(255)}`,
      `0x${'01'.repeat(256)}`,
      `0x${'01'.repeat(65_536)}`,
    ] as const;
    for (const data of datas)
      for (const gas of [0n, 1n, 127n, 128n, 255n, 256n]) {
        const t: TransactionSerializable = { to, data, gas, nonce: 0, chainId: 1, type: 'eip1559', maxFeePerGas: 1n, maxPriorityFeePerGas: 0n };
        const expected = await account.signTransaction(t);
        expect((await signTransaction(account, t)).serialized, `${data.length} ${gas}`).toBe(expected);
      }
  });

  it('hashes as viem does', () => {
    for (const hex of ['0x', '0x00', `0x${'ab'.repeat(135)}`, `0x${'cd'.repeat(136)}`, `0x${'ef'.repeat(60_000)}`] as const)
      expect(keccakHex(hex)).toBe(keccak256(hex));
  });
});
