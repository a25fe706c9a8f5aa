/**
 * Linked signers (spec/accounts.md, spec/orders.md): a trading key the owner names through the chain queue may sign
 * orders and cancels for the subaccount until its expiry; the owner always may.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/index.js';
import { alice, bob, config, Harness, owners } from './fixtures.js';

const key = '0x1234567890AbcdEF1234567890aBcdef12345678' as const;

describe('linked signers', () => {
  it('a named key signs until its expiry; the owner always; nobody else, nor the zero address', () => {
    const h = new Harness();
    h.time(100n);
    expect(h.engine.canSign(alice, owners.alice)).toBe(true);
    expect(h.engine.canSign(alice, key)).toBe(false);
    expect(h.apply({ kind: 'linkedSigner', requestId: 1n, subaccount: alice, signer: key, expiry: 200n })).toEqual([
      { kind: 'linkedSignerSet', requestId: 1n, subaccount: alice, signer: key.toLowerCase(), expiry: 200n },
    ]);
    expect(h.engine.canSign(alice, key)).toBe(true);
    expect(h.engine.canSign(bob, key)).toBe(false); // only for the subaccount that named it
    expect(h.engine.linkedSigner(alice)).toEqual({ signer: key.toLowerCase(), expiry: 200n });
    h.time(199n);
    expect(h.engine.canSign(alice, key)).toBe(true);
    h.time(200n);
    expect(h.engine.canSign(alice, key)).toBe(false);
    expect(h.engine.canSign(alice, owners.alice)).toBe(true);
    expect(h.engine.canSign(alice, `0x${'0'.repeat(40)}`)).toBe(false);
  });

  it('expiry 0 is none; the zero address removes the key', () => {
    const h = new Harness();
    h.apply({ kind: 'linkedSigner', requestId: 1n, subaccount: alice, signer: key, expiry: 0n });
    h.time(10n ** 12n);
    expect(h.engine.canSign(alice, key)).toBe(true);
    h.apply({ kind: 'linkedSigner', requestId: 2n, subaccount: alice, signer: `0x${'0'.repeat(40)}`, expiry: 5n });
    expect(h.lastEvents).toEqual([{ kind: 'linkedSignerSet', requestId: 2n, subaccount: alice, signer: `0x${'0'.repeat(40)}`, expiry: 0n }]);
    expect(h.engine.canSign(alice, key)).toBe(false);
    expect(h.engine.linkedSigner(alice)).toBeUndefined();
  });

  it('is in the state hash and the snapshot; malformed requests throw before any change', () => {
    const h = new Harness();
    const before = h.engine.stateHash();
    h.apply({ kind: 'linkedSigner', requestId: 1n, subaccount: alice, signer: key, expiry: 99n });
    expect(h.engine.stateHash()).not.toBe(before);
    const copy = Engine.restore(config, h.engine.snapshot());
    expect(copy.stateHash()).toBe(h.engine.stateHash());
    expect(copy.linkedSigner(alice)).toEqual({ signer: key.toLowerCase(), expiry: 99n });
    expect(() => h.apply({ kind: 'linkedSigner', requestId: 2n, subaccount: alice, signer: '0x12', expiry: 0n })).toThrow(/address/);
    expect(() => h.apply({ kind: 'linkedSigner', requestId: 2n, subaccount: alice, signer: key, expiry: -1n })).toThrow(/expiry/);
    expect(h.engine.linkedSigner(alice)).toEqual({ signer: key.toLowerCase(), expiry: 99n });
  });
});
