/** The operator's transactions, signed with the core's keccak: the bytes viem's account signs, and their hash. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keccak256, type TransactionSerializable } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { keccakHex, signTransaction } from '../../src/chain/sign-tx.js';

const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const to = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('signing a transaction', () => {
  it('gives the bytes viem signs, for each kind the node may send, with calldata of any length', async () => {
    const data = fc.uint8Array({ maxLength: 5_000 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as const);
    const gas = fc.bigInt({ min: 21_000n, max: 30_000_000n });
    const nonce = fc.nat({ max: 1_000_000 });
    const tx = fc.oneof(
      fc
        .record({ data, gas, nonce })
        .map((t): TransactionSerializable => ({ ...t, to, type: 'eip1559', chainId: 31337, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1n })),
      fc.record({ data, gas, nonce }).map((t): TransactionSerializable => ({ ...t, to, type: 'legacy', chainId: 6342, gasPrice: 1_000_000n })),
      fc.record({ data, gas, nonce }).map((t): TransactionSerializable => ({ ...t, to, type: 'eip2930', chainId: 1, gasPrice: 7n, accessList: [] })),
    );
    await fc.assert(
      fc.asyncProperty(tx, async (t) => {
        expect(await signTransaction(account, t)).toBe(await account.signTransaction(t));
      }),
      { numRuns: 60 },
    );
  });

  it('hashes as viem does', () => {
    for (const hex of ['0x', '0x00', `0x${'ab'.repeat(135)}`, `0x${'cd'.repeat(136)}`, `0x${'ef'.repeat(60_000)}`] as const)
      expect(keccakHex(hex)).toBe(keccak256(hex));
  });
});
