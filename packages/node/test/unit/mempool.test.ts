import type { SignedInput } from '@kestrel/core';
import { describe, expect, it } from 'vitest';
import type { Hex } from '@kestrel/core';
import { Mempool } from '../../src/mempool/mempool.js';

/** subaccount `n` of owner `n`; a negative `n`: another subaccount of owner `-n` */
const sub = (n: number): Hex => `0x${Math.abs(n).toString(16).padStart(40, '0')}${n < 0 ? '01' : '00'}${'00'.repeat(11)}` as Hex;
const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}` as Hex;
const order = (h: number, s: number): SignedInput => ({
  type: 'order',
  hash: hash(h),
  signature: `0x${'00'.repeat(65)}`,
  order: { subaccount: sub(s), marketId: 1, isBuy: true, price: 1n, amount: 1n, nonce: 0n, expiry: 0n, flags: 0, clientId: 0n },
});

/** order `h` of subaccount 1, expiring at `expiry` (0: never) */
const withExpiry = (h: number, expiry: bigint): SignedInput => {
  const o = order(h, 1);
  return o.type === 'order' ? { ...o, order: { ...o.order, expiry } } : o;
};

describe('mempool', () => {
  it('finds a pending input by its signature while it is pending, through a rollback too', () => {
    const m = new Mempool({ maxTotal: 10, maxPerSubaccount: 10, maxPerOwner: 100 });
    const signed = (h: number): SignedInput => ({ ...order(h, 1), signature: `0x${h.toString(16).padStart(130, '0')}` as Hex });
    for (const h of [1, 2, 3]) m.add(signed(h));
    expect([1, 2, 3].map((h) => m.bySignature(signed(h).signature)?.hash)).toEqual([hash(1), hash(2), hash(3)]);
    expect(m.bySignature(signed(4).signature)).toBeUndefined();
    const left = m.remove([hash(2), hash(3)]);
    expect(m.bySignature(signed(2).signature)).toBeUndefined();
    expect(m.bySignature(signed(1).signature)?.hash).toBe(hash(1));
    // a batch rolled back puts its inputs back: found again
    m.requeue(left);
    expect([1, 2, 3].map((h) => m.bySignature(signed(h).signature)?.hash)).toEqual([hash(1), hash(2), hash(3)]);
  });

  it('keeps arrival order and removes by hash', () => {
    const m = new Mempool({ maxTotal: 10, maxPerSubaccount: 10, maxPerOwner: 100 });
    for (const h of [3, 1, 2]) m.add(order(h, 1));
    expect(m.peek(10).map((e) => e.input.hash)).toEqual([hash(3), hash(1), hash(2)]);
    expect(m.peek(2)).toHaveLength(2);
    m.remove([hash(1)]);
    expect(m.peek(10).map((e) => e.input.hash)).toEqual([hash(3), hash(2)]);
  });

  it.each([
    [
      'duplicate',
      { maxTotal: 10, maxPerSubaccount: 10, maxPerOwner: 100 },
      [
        [1, 1],
        [1, 2],
      ],
      'DUPLICATE_ORDER',
    ],
    [
      'total limit',
      { maxTotal: 2, maxPerSubaccount: 10, maxPerOwner: 100 },
      [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
      'MEMPOOL_FULL',
    ],
    [
      'per-subaccount limit',
      { maxTotal: 10, maxPerSubaccount: 2, maxPerOwner: 100 },
      [
        [1, 1],
        [2, 1],
        [3, 1],
      ],
      'MEMPOOL_FULL',
    ],
    [
      // subaccounts 0x..01 and 0x..0101 share no owner; two of one owner's subaccounts do
      'per-owner limit',
      { maxTotal: 10, maxPerSubaccount: 10, maxPerOwner: 2 },
      [
        [1, 1],
        [2, 1],
        [3, 2],
        [4, -1],
      ],
      'MEMPOOL_FULL',
    ],
  ] as const)('refuses past its %s', (_name, limits, adds, code) => {
    const m = new Mempool(limits);
    const last = adds[adds.length - 1]!;
    for (const [h, s] of adds.slice(0, -1)) m.add(order(h, s));
    expect(() => m.add(order(last[0], last[1]))).toThrow(expect.objectContaining({ code }));
    expect(m.size).toBe(adds.length - 1);
  });

  it('frees a subaccount slot on removal and restores persisted sequence numbers', () => {
    const m = new Mempool({ maxTotal: 10, maxPerSubaccount: 1, maxPerOwner: 100 });
    m.add(order(1, 1), 41n);
    m.remove([hash(1)]);
    const e = m.add(order(2, 1));
    expect(e.seq).toBe(42n);
  });

  it('lists orders expired by a given time', () => {
    const m = new Mempool({ maxTotal: 10, maxPerSubaccount: 10, maxPerOwner: 100 });
    m.add(withExpiry(1, 0n));
    m.add(withExpiry(2, 100n));
    m.add(withExpiry(3, 101n));
    expect(m.expired(100n).map((e) => e.input.hash)).toEqual([hash(2)]);
    expect(m.expired(99n)).toEqual([]);
  });

  it('requeues the inputs of a rolled-back batch at their arrival places, past the limits', () => {
    const m = new Mempool({ maxTotal: 3, maxPerSubaccount: 2, maxPerOwner: 100 });
    const early = [m.add(order(1, 1)), m.add(order(2, 1)), m.add(order(3, 2))];
    m.remove([hash(1), hash(2), hash(3)]); // they leave for a batch
    m.add(order(4, 1));
    m.add(order(5, 1));
    m.add(order(6, 3));
    m.requeue(early); // the batch is rolled back
    expect(m.peek(10).map((e) => e.input.hash)).toEqual([1, 2, 3, 4, 5, 6].map(hash));
    expect(m.size).toBe(6);
    // the limits still hold for new arrivals, counted with the requeued inputs
    expect(() => m.add(order(7, 4))).toThrow(expect.objectContaining({ code: 'MEMPOOL_FULL' }));
    m.remove([hash(1), hash(2), hash(3), hash(4), hash(5)]);
    expect(() => m.add(order(8, 1))).not.toThrow();
    expect(m.add(order(9, 2)).seq).toBeGreaterThan(5n);
  });

  it('lists expired orders in arrival order, never one that left, and again one a rollback put back', () => {
    const m = new Mempool({ maxTotal: 10_000, maxPerSubaccount: 10_000, maxPerOwner: 10_000 });
    m.add(withExpiry(1, 300n));
    m.add(withExpiry(2, 200n));
    m.add(withExpiry(3, 0n));
    const four = m.add(withExpiry(4, 100n));
    expect(m.expired(300n).map((e) => e.input.hash)).toEqual([1, 2, 4].map(hash));
    expect(
      m.expired(300n).map((e) => e.input.hash),
      'asking changes nothing',
    ).toEqual([1, 2, 4].map(hash));
    m.remove([hash(2), hash(4)]);
    expect(m.expired(300n).map((e) => e.input.hash)).toEqual([hash(1)]);
    m.requeue([four]);
    expect(m.expired(300n).map((e) => e.input.hash)).toEqual([hash(1), hash(4)]);
    // thousands that leave before they expire: the answers stay right as their places are shed
    for (let i = 10; i < 3_010; i++) m.add(withExpiry(i, BigInt(1_000 + i)));
    m.remove(Array.from({ length: 2_990 }, (_, k) => hash(10 + k)));
    expect(m.expired(10_000n).map((e) => e.input.hash)).toEqual([1, 4, ...Array.from({ length: 10 }, (_, k) => 3_000 + k)].map(hash));
    expect(m.expired(4_004n).map((e) => e.input.hash)).toEqual([1, 4, 3_000, 3_001, 3_002, 3_003, 3_004].map(hash));
  });

  it('tells its watchers of every input that enters or leaves, a rollback included', () => {
    const m = new Mempool({ maxTotal: 10, maxPerSubaccount: 10, maxPerOwner: 100 });
    const seen: string[] = [];
    m.watch({ added: (e) => seen.push(`+${Number(e.input.hash)}`), removed: (h) => seen.push(`-${Number(h)}`) });
    const one = m.add(order(1, 1));
    m.add(order(2, 1));
    expect(() => m.add(order(2, 1))).toThrow();
    m.remove([hash(1), hash(7)]);
    m.requeue([one]);
    expect(seen).toEqual(['+1', '+2', '-1', '+1']);
  });
});
