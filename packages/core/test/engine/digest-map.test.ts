/** The order table keyed by digests (digest-map.ts) holds and answers what a plain Map does, whatever the keys. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DigestMap, digestTag, MAX_PROBE } from '../../src/engine/digest-map.js';

const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);

const hex = (n: bigint): string => `0x${n.toString(16).padStart(64, '0')}`;

/** Keys from a few families: random digests, digests that share their tag, and non-digest strings. */
function keyPool(): string[] {
  const keys: string[] = [];
  for (let i = 0n; i < 12n; i++) keys.push(hex(i * 0x1234567890abcdefn ** 3n));
  // the tag reads the first and last eight digits only: these all share one tag, so one run of the table
  for (let i = 0n; i < 3n * BigInt(MAX_PROBE); i++) keys.push(hex((0xabcdefn << 224n) | (i << 64n) | 0x42n));
  keys.push('0x', 'nothex', `0x${'Z'.repeat(64)}`, `0X${'a'.repeat(64)}`, `0x${'A'.repeat(64)}`);
  return keys;
}

const POOL = keyPool();
const op = fc.tuple(fc.constantFrom('set', 'delete', 'get', 'has'), fc.nat({ max: POOL.length - 1 }), fc.integer());

function sameAs(map: DigestMap<number>, model: Map<string, number>): void {
  expect(map.size).toBe(model.size);
  expect([...map.keys()].sort()).toEqual([...model.keys()].sort());
  expect([...map.values()].sort()).toEqual([...model.values()].sort());
  for (const k of POOL) {
    expect(map.get(k)).toBe(model.get(k));
    expect(map.has(k)).toBe(model.has(k));
  }
}

describe('digest map', () => {
  it('answers get, has, set, delete, size and its keys as a Map does (colliding keys included)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const map = new DigestMap<number>();
        const model = new Map<string, number>();
        for (const [kind, i, v] of ops) {
          const k = POOL[i]!;
          if (kind === 'set') {
            map.set(k, v);
            model.set(k, v);
          } else if (kind === 'delete') expect(map.delete(k)).toBe(model.delete(k));
          else if (kind === 'get') expect(map.get(k)).toBe(model.get(k));
          else expect(map.has(k)).toBe(model.has(k));
        }
        sameAs(map, model);
        map.clear();
        model.clear();
        sameAs(map, model);
      }),
      { numRuns: RUNS },
    );
  });

  it('values that carry their keys need no key beside them', () => {
    type Rec = { hash: string; n: number };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat({ max: POOL.length - 1 })), { maxLength: 300 }), (ops) => {
        const map = new DigestMap<Rec>((r) => r.hash);
        const model = new Map<string, Rec>();
        let n = 0;
        for (const [add, i] of ops) {
          const k = POOL[i]!;
          if (add) {
            const r = { hash: k, n: n++ };
            map.set(k, r);
            model.set(k, r);
          } else expect(map.delete(k)).toBe(model.delete(k));
        }
        expect(map.size).toBe(model.size);
        for (const k of POOL) expect(map.get(k)).toBe(model.get(k));
        expect([...map.keys()].sort()).toEqual([...model.keys()].sort());
        expect(() => map.set(POOL[0]!, { hash: POOL[1]!, n: -1 })).toThrow();
      }),
      { numRuns: RUNS },
    );
  });

  it('many keys, half of them sharing one tag, then all removed', () => {
    const map = new DigestMap<number>();
    const model = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      // odd: spread; even: one tag (a ground attack), which the probe bound sends beside the table
      const k = i % 2 === 1 ? hex(BigInt(i) * 0x9e3779b97f4a7c15n) : hex((7n << 224n) | (BigInt(i) << 64n) | 9n);
      map.set(k, i);
      model.set(k, i);
    }
    for (const [k, v] of model) expect(map.get(k)).toBe(v);
    expect(map.size).toBe(model.size);
    expect(map.spilled).toBeGreaterThan(9_000);
    for (const k of [...model.keys()].reverse()) expect(map.delete(k)).toBe(true);
    expect(map.size).toBe(0);
    for (const k of model.keys()) expect(map.has(k)).toBe(false);
  });

  it('a long churn of inserts and removals (the table rebuilt over its markers) answers as a Map does', () => {
    const map = new DigestMap<number>();
    const model = new Map<string, number>();
    let x = 0x9e3779b97f4a7c15n;
    const live: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & (2n ** 256n - 1n);
      // a window of ~500 live keys, a tenth of them sharing one tag
      const k = i % 10 === 0 ? hex((3n << 224n) | (BigInt(i) << 64n) | 5n) : hex(x);
      map.set(k, i);
      model.set(k, i);
      live.push(k);
      if (live.length > 500) {
        const gone = live.splice(Number(x % BigInt(live.length)), 1)[0]!;
        expect(map.delete(gone)).toBe(model.delete(gone));
      }
    }
    expect(map.size).toBe(model.size);
    for (const [k, v] of model) expect(map.get(k)).toBe(v);
    expect([...map.keys()].sort()).toEqual([...model.keys()].sort());
  });

  it('honest digests all find a place in the table', () => {
    const map = new DigestMap<number>();
    let x = 0x243f6a8885a308d3n;
    for (let i = 0; i < 100_000; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & (2n ** 256n - 1n);
      map.set(hex((x ^ (x >> 97n) ^ (x << 61n)) & (2n ** 256n - 1n)), i);
    }
    expect(map.size).toBe(100_000);
    expect(map.spilled).toBe(0);
  });

  it('the tag reads hex of either case alike, is never 0, and is a small integer', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), (n) => {
        const k = hex(n);
        const t = digestTag(k);
        expect(t).toBe(digestTag(`0x${k.slice(2).toUpperCase()}`));
        expect(t >= 1 && t < 2 ** 30).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
