import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { privateKeyToAccount } from 'viem/accounts';
import { bytesToHex, recoverSigner, type Hex } from '@kestrel/core';
import { nativeRecoveryLoaded, recoverAddress } from '../../src/crypto/recover.js';

describe('native signature recovery', () => {
  it('loaded the native binding', () => {
    expect(nativeRecoveryLoaded).toBe(true);
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
