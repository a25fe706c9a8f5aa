/**
 * The incremental state commitment, the records a batch changed, undo, and finished orders
 * leaving the hot state (spec/matching.md, "State commitment").
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine, ErrorCode, hexToBytes, type EngineInput, type Hex } from '../../src/index.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '../../src/hex.js';
import { bucketOf, COMMITMENT_TAG, Commitment, leafHash } from '../../src/engine/commitment.js';
import { alice, alice2, bob, carol, config, dave, ETH, ETH_PERP, Harness, order, x, type Tif } from './fixtures.js';

const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 100);
const TRADERS: readonly Hex[] = [alice, alice2, bob, carol, dave];

/** The commitment computed from nothing over every record the engine holds. */
function fullRoot(e: Engine): Hex {
  const c = new Commitment();
  for (const [key, hex] of e.snapshot().records) c.set(key, hexToBytes(hex));
  return c.root();
}

type Act =
  | { t: 'place'; who: number; perp: boolean; buy: boolean; tick: number; lots: number; tif: number; life: number }
  | { t: 'cancel'; pick: number }
  | { t: 'cancelUpTo'; who: number; back: number }
  | { t: 'money'; who: number; deposit: boolean; units: number };

const actArb: fc.Arbitrary<Act> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('place' as const),
      who: fc.nat(TRADERS.length - 1),
      perp: fc.boolean(),
      buy: fc.boolean(),
      tick: fc.integer({ min: -3, max: 3 }),
      lots: fc.integer({ min: 1, max: 6 }),
      tif: fc.constantFrom(0, 0, 0, 1, 2, 3),
      life: fc.constantFrom(0, 0, 1, 3),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('cancelUpTo' as const), who: fc.nat(TRADERS.length - 1), back: fc.nat(10) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('money' as const), who: fc.nat(TRADERS.length - 1), deposit: fc.boolean(), units: fc.nat(50) }) },
);
const batchesArb = fc.array(fc.array(actArb, { maxLength: 12 }), { minLength: 1, maxLength: 12 });
const TIFS: Tif[] = ['GTC', 'IOC', 'FOK', 'POST_ONLY'];

/** Turns generated batches into input lists, each starting with its clock and ending the batch. */
function toBatches(acts: readonly Act[][]): EngineInput[][] {
  const placed: Array<{ hash: Hex; who: Hex }> = [];
  let nonce = 1n;
  let rid = 1000n;
  let now = 1000n;
  return acts.map((batch) => {
    now += 2n;
    const inputs: EngineInput[] = [{ kind: 'time', timestamp: now }];
    for (const a of batch) {
      if (a.t === 'place') {
        const who = TRADERS[a.who]!;
        const price = (100 + a.tick * 0.5).toFixed(2);
        const tif = TIFS[a.tif]!;
        const expiry = tif === 'IOC' || tif === 'FOK' ? now + 60n : a.life === 0 ? 0n : now + BigInt(a.life);
        const o = order(who, a.buy ? 'buy' : 'sell', price, (a.lots / 10).toFixed(1), { market: a.perp ? ETH_PERP : ETH, tif, nonce: nonce++, expiry });
        placed.push({ hash: o.hash, who });
        inputs.push({ kind: 'place', ...o });
      } else if (a.t === 'cancel' && placed.length > 0) {
        const p = placed[a.pick % placed.length]!;
        inputs.push({ kind: 'cancel', subaccount: p.who, hashes: [p.hash] });
      } else if (a.t === 'cancelUpTo') {
        inputs.push({ kind: 'cancelUpTo', requestId: rid++, subaccount: TRADERS[a.who]!, minNonce: nonce > BigInt(a.back) ? nonce - BigInt(a.back) : 0n });
      } else if (a.t === 'money') {
        const amount = x(String(a.units));
        const who = TRADERS[a.who]!;
        inputs.push(
          a.deposit
            ? { kind: 'deposit', requestId: rid++, subaccount: who, assetId: 0, amount }
            : { kind: 'withdraw', requestId: rid++, subaccount: who, assetId: 0, amount },
        );
      }
    }
    inputs.push({ kind: 'endBatch' });
    return inputs;
  });
}

/** A funded engine with an oracle price for the perp. */
function funded(): Engine {
  const h = new Harness().fundAll();
  h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('100') });
  h.apply({ kind: 'endBatch' });
  return h.engine;
}

const applyAll = (e: Engine, inputs: readonly EngineInput[]): unknown[] => inputs.map((i) => e.apply(i));

describe('incremental state commitment', () => {
  it('equals the commitment computed from nothing, after every batch and anywhere inside one', () => {
    fc.assert(
      fc.property(batchesArb, fc.nat(), (acts, mask) => {
        const e = funded();
        let n = 0;
        for (const batch of toBatches(acts)) {
          for (const input of batch) {
            e.apply(input);
            // asked at random points: a record named, hashed, then moved again must be hashed again
            if ((mask >> (n++ % 30)) & 1) expect(e.stateHash(), `after input ${n}`).toBe(fullRoot(e));
          }
          expect(e.stateHash(), 'after the batch').toBe(fullRoot(e));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a store kept from the changed records alone restores the same engine', () => {
    fc.assert(
      fc.property(batchesArb, (acts) => {
        const e = funded();
        const store = new Map<string, Uint8Array>();
        const keep = (): void => {
          for (const [key, bytes] of e.takeChanges()) {
            if (bytes === null) store.delete(key);
            else store.set(key, bytes);
          }
        };
        keep();
        // the first call took everything: records of the funded engine all went by it
        expect(store.size).toBe(e.snapshot().records.length);
        for (const batch of toBatches(acts)) {
          applyAll(e, batch);
          keep();
          const back = Engine.fromRecords(config, store);
          expect(back.stateHash()).toBe(e.stateHash());
          expect(back.snapshot()).toEqual(e.snapshot());
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('undo (or a revert after the batch was kept) returns to the state before the batch, whatever the batch did', () => {
    fc.assert(
      fc.property(batchesArb, fc.nat(), fc.boolean(), fc.boolean(), (acts, at, hashInBetween, afterCommit) => {
        const batches = toBatches(acts);
        const k = at % batches.length;
        const e = funded();
        const twin = funded();
        for (const b of batches.slice(0, k)) {
          applyAll(e, b);
          applyAll(twin, b);
        }
        e.takeChanges();
        const before = e.snapshot();
        const hash = e.stateHash();
        // reads leave the version alone; every input, undo and revert moves it (Engine.version)
        const v0 = e.version;
        e.beginUndo();
        applyAll(e, batches[k]!);
        const applied = e.version;
        expect(applied - v0).toBe(batches[k]!.length);
        if (hashInBetween) e.stateHash(); // the commitment saw the batch before it was undone
        if (afterCommit) {
          // the batch was kept and its changes stored; a rollback writes back what it replaced
          const replaced = e.endUndo();
          e.takeChanges();
          e.takeFinished();
          expect(e.version).toBe(applied);
          e.revert(replaced);
        } else e.undo();
        expect(e.version).toBeGreaterThan(applied);
        expect(e.stateHash()).toBe(hash);
        expect(e.snapshot()).toEqual(before);
        // nothing is owed to the store: it holds the state before the batch already
        expect(e.takeChanges().map(([k]) => k)).toEqual(['g']);
        // and the engine goes on exactly as one that never saw the batch
        for (const b of batches.slice(k)) expect(applyAll(e, b)).toEqual(applyAll(twin, b));
        expect(e.stateHash()).toBe(twin.stateHash());
        expect(e.stateHash()).toBe(fullRoot(e));
      }),
      { numRuns: RUNS },
    );
  });

  it('an engine restored from records owes its store what changed since, removals included, though nothing was taken before', () => {
    fc.assert(
      fc.property(batchesArb, batchesArb, (first, second) => {
        const e = funded();
        for (const batch of toBatches(first)) applyAll(e, batch);
        const store = new Map<string, Uint8Array>(e.takeChanges().filter((c): c is [string, Uint8Array] => c[1] !== null));
        const back = Engine.fromRecords(config, store);
        // later batches, their clock after the first ones'
        for (const batch of toBatches([...first, ...second]).slice(first.length)) {
          applyAll(e, batch);
          applyAll(back, batch);
        }
        for (const [key, bytes] of back.takeChanges()) {
          if (bytes === null) store.delete(key);
          else store.set(key, bytes);
        }
        expect(Engine.fromRecords(config, store).snapshot()).toEqual(e.snapshot());
        expect(back.stateHash()).toBe(fullRoot(e));
      }),
      { numRuns: RUNS },
    );
  });

  it('does not depend on the order records arrive in, and a removed record leaves no trace', () => {
    const records: Array<[string, Uint8Array]> = Array.from({ length: 300 }, (_, i) => [`k${i}`, Uint8Array.of(i % 256, i >> 8)]);
    const a = new Commitment();
    const b = new Commitment();
    for (const [k, v] of records) a.set(k, v);
    for (const [k, v] of [...records].reverse()) b.set(k, v);
    expect(a.root()).toBe(b.root());
    const root = a.root();
    a.set('extra', Uint8Array.of(1));
    expect(a.root()).not.toBe(root);
    a.set('extra', null);
    expect(a.root()).toBe(root);
    a.set('k7', Uint8Array.of(9));
    expect(a.root()).not.toBe(root);
    expect(a.size).toBe(300);
  });
});

describe('the commitment as the spec defines it', () => {
  /** The root computed straight from spec/matching.md: every bucket, every level, from nothing. */
  function specRoot(records: ReadonlyMap<string, Uint8Array>): Hex {
    const byBucket = new Map<number, string[]>();
    for (const k of records.keys()) byBucket.set(bucketOf(k), [...(byBucket.get(bucketOf(k)) ?? []), k]);
    let level: Uint8Array[] = Array.from({ length: 4 ** 8 }, (_, b) => {
      const keys = (byBucket.get(b) ?? []).sort();
      if (keys.length === 0) return new Uint8Array(32);
      const buf = new Uint8Array(32 * keys.length);
      keys.forEach((k, i) => {
        buf.set(leafHash(k, records.get(k)!), 32 * i);
      });
      return keccak_256(buf);
    });
    while (level.length > 1) {
      const up: Uint8Array[] = [];
      for (let i = 0; i < level.length; i += 4) {
        const kids = level.slice(i, i + 4);
        const buf = new Uint8Array(128);
        kids.forEach((c, j) => {
          buf.set(c, 32 * j);
        });
        up.push(buf.every((v) => v === 0) ? new Uint8Array(32) : keccak_256(buf));
      }
      level = up;
    }
    const tag = new TextEncoder().encode(COMMITMENT_TAG);
    return bytesToHex(keccak_256(Uint8Array.of(tag.length, ...tag, ...level[0]!)));
  }

  it('keys sharing a bucket hash in ascending key order, through inserts, updates and removals in any order', () => {
    // 24 keys of one bucket, 24 of another, and some elsewhere
    const crowded: string[] = [];
    const target = [bucketOf('k0'), bucketOf('k1')];
    for (let i = 0; crowded.length < 48; i++) if (target.includes(bucketOf(`k${i}`))) crowded.push(`k${i}`);
    const keys = [...crowded, ...Array.from({ length: 40 }, (_, i) => `z${i}`)];
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.nat(keys.length - 1), value: fc.option(fc.nat(255), { freq: 3 }) }), { maxLength: 200 }), (steps) => {
        const c = new Commitment();
        const held = new Map<string, Uint8Array>();
        for (const { key, value } of steps) {
          const k = keys[key]!;
          if (value === null) held.delete(k);
          else held.set(k, Uint8Array.of(value));
          c.set(k, value === null ? null : Uint8Array.of(value));
        }
        expect(c.size).toBe(held.size);
        expect(c.root()).toBe(specRoot(held));
      }),
      { numRuns: Math.min(RUNS, 10) },
    );
  });
});

describe('finished orders leave the hot state', () => {
  it('a batch writes only what it changed, however many orders rest', () => {
    const h = new Harness().fundAll();
    for (let i = 0; i < 2000; i++) h.place(`r${i}`, TRADERS[i % 5]!, 'buy', (90 - (i % 50) * 0.01).toFixed(2), '0.1');
    h.apply({ kind: 'endBatch' });
    expect(h.engine.snapshot().records.length).toBeGreaterThan(2000);
    h.engine.takeChanges();
    h.time(2000n);
    h.place('s', bob, 'sell', '90', '0.1'); // fills one resting order of alice's (owner differs from bob)
    h.apply({ kind: 'endBatch' });
    const changed = h.engine.takeChanges().map(([k]) => k[0]);
    // the globals, the maker and the taker (finished), their two accounts, the fee account and the nonce the fill spent
    expect(changed.length).toBeLessThanOrEqual(8);
    expect(changed.filter((k) => k === '0').length).toBe(2);
  });

  it('a finished order leaves a tombstone that refuses it again, until its expiry passes', () => {
    const h = new Harness().fundAll();
    h.time(100n);
    const o = order(bob, 'sell', '100', '1', { expiry: 150n });
    h.apply({ kind: 'place', ...o });
    h.apply({ kind: 'cancel', subaccount: bob, hashes: [o.hash] });
    h.apply({ kind: 'endBatch' });
    // gone from the hot state: a reader takes it once
    expect(h.engine.takeFinished()).toMatchObject([{ hash: o.hash, status: 'cancelled' }]);
    expect(h.engine.takeFinished()).toEqual([]);
    expect(h.engine.getOrder(o.hash)).toBeUndefined();
    expect(h.engine.knowsOrder(o.hash)).toBe(true);
    expect(h.engine.snapshot().records.find(([k]) => k === o.hash)?.[1]).toBe(`0x02${(150).toString(16).padStart(16, '0')}`);
    h.apply({ kind: 'place', ...o });
    expect(h.lastEvents).toMatchObject([{ kind: 'rejected', code: ErrorCode.DUPLICATE_ORDER }]);
    h.apply({ kind: 'cancel', subaccount: alice, hashes: [o.hash] });
    expect(h.lastEvents).toMatchObject([{ kind: 'cancelRejected', code: ErrorCode.ORDER_NOT_OPEN }]);
    // past its expiry the tombstone goes: the order is refused as expired, and remembered only until the next batch
    h.time(150n);
    expect(h.engine.knowsOrder(o.hash)).toBe(false);
    expect(h.engine.snapshot().records.find(([k]) => k === o.hash)).toBeUndefined();
    h.apply({ kind: 'place', ...o });
    expect(h.lastEvents).toMatchObject([{ kind: 'rejected', code: ErrorCode.EXPIRED }]);
  });

  it('cancelUpTo forgets the spent nonces below the new minimum', () => {
    const h = new Harness().fundAll();
    h.place('s', bob, 'sell', '100', '1', { nonce: 5n });
    h.place('b', alice, 'buy', '100', '1', { nonce: 6n });
    const nonces = (): string[] =>
      h.engine
        .snapshot()
        .records.filter(([k]) => k.startsWith('n'))
        .map(([k]) => k);
    expect(nonces()).toHaveLength(2);
    h.apply({ kind: 'cancelUpTo', requestId: 1n, subaccount: bob, minNonce: 6n });
    expect(nonces()).toHaveLength(1);
    const again = order(bob, 'sell', '101', '1', { nonce: 5n }); // another order with the spent nonce
    h.apply({ kind: 'place', ...again });
    expect(h.lastEvents).toMatchObject([{ kind: 'rejected', code: ErrorCode.NONCE_USED }]);
  });
});
