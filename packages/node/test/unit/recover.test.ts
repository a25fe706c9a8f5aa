import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { privateKeyToAccount } from 'viem/accounts';
import { bytesToHex, recoverSigner, type Hex } from '@kestrel/core';
import { nativeRecoveryLoaded, recoverAddress, toRecoverable } from '../../src/admission/recover.js';
import { RecoverPool } from '../../src/admission/recover-pool.js';

describe('native signature recovery', () => {
  it('loaded the native binding', () => {
    expect(nativeRecoveryLoaded).toBe(true);
  });

  // the contract's canonical bounds, each side of each: 0 < r < n, 0 < s ≤ n/2, v ∈ {27, 28}
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const word = (v: bigint): string => v.toString(16).padStart(64, '0');
  it.each([
    ['r = 0', 0n, 1n, 27, false],
    ['r = 1', 1n, 1n, 27, true],
    ['r = n − 1', N - 1n, 1n, 28, true],
    ['r = n', N, 1n, 27, false],
    ['r = 2^256 − 1', 2n ** 256n - 1n, 1n, 27, false],
    ['s = 0', 1n, 0n, 27, false],
    ['s = n/2', 1n, N >> 1n, 27, true],
    ['s = n/2 + 1', 1n, (N >> 1n) + 1n, 27, false],
    ['s just below n/2 in its last byte', 1n, (N >> 1n) - 255n, 28, true],
    ['v = 26', 1n, 1n, 26, false],
    ['v = 29', 1n, 1n, 29, false],
  ])('canonical checks: %s', (_, r, s, v, ok) => {
    const sig = `0x${word(r)}${word(s)}${v.toString(16)}` as Hex;
    expect(toRecoverable(`0x${'ab'.repeat(32)}`, sig) !== null).toBe(ok);
  });

  it('agrees with the core on valid, malleable, 0/1-v and garbage signatures', async () => {
    const account = privateKeyToAccount(`0x${'07'.repeat(32)}`);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 4 }), async (digestBytes, mutate) => {
        const digest = bytesToHex(digestBytes);
        let sig: Hex = await account.sign({ hash: digest });
        if (mutate === 1) sig = `${sig.slice(0, 130)}${(parseInt(sig.slice(130), 16) - 27).toString(16).padStart(2, '0')}` as Hex; // v = 0/1
        if (mutate === 2) sig = `${sig.slice(0, 66)}${'ff'.repeat(32)}${sig.slice(130)}` as Hex; // s out of range
        if (mutate === 3) sig = `0x${'00'.repeat(65)}`;
        const native = recoverAddress(digest, sig);
        expect(native).toBe(recoverSigner(digest, sig));
        expect(native === account.address.toLowerCase()).toBe(mutate === 0 || mutate === 4);
      }),
      { numRuns: 100 },
    );
  });
});

describe('the recovery worker pool', () => {
  const account = privateKeyToAccount(`0x${'07'.repeat(32)}`);

  async function cases(n: number): Promise<Array<[Hex, Hex]>> {
    const out: Array<[Hex, Hex]> = [];
    for (let i = 0; i < n; i++) {
      const digest = bytesToHex(new Uint8Array(32).fill(i + 1));
      let sig: Hex = await account.sign({ hash: digest });
      if (i % 4 === 1) sig = `${sig.slice(0, 66)}${'ff'.repeat(32)}${sig.slice(130)}` as Hex; // s out of range
      if (i % 4 === 2) sig = `0x${'11'.repeat(64)}1b`; // canonical shape, no valid point
      if (i % 4 === 3) sig = `0x${'00'.repeat(65)}`;
      out.push([digest, sig]);
    }
    return out;
  }

  it('answers exactly as recovery in place, for many requests at once across workers', async () => {
    const pool = RecoverPool.start(2)!;
    try {
      expect(pool.size).toBe(2);
      const all = await cases(120);
      const got = await Promise.all(all.map(([d, s]) => pool.recover(d, s)));
      expect(got).toEqual(all.map(([d, s]) => recoverAddress(d, s)));
      expect(got.filter((a) => a === account.address.toLowerCase())).toHaveLength(30);
    } finally {
      await pool.close();
    }
  });

  it('fails the requests of a worker that dies, without blaming the signature, and replaces it', async () => {
    const pool = RecoverPool.start(1)!;
    try {
      const [[digest, sig]] = (await cases(1)) as [[Hex, Hex]];
      const inFlight = pool.recover(digest, sig);
      const slots = (pool as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }> }).slots;
      await slots[0]!.worker.terminate(); // before the request is sent: it is lost with the worker
      await expect(inFlight).rejects.toThrow(/worker stopped/);
      expect(await pool.recover(digest, sig)).toBe(account.address.toLowerCase());
    } finally {
      await pool.close();
    }
  });
});
