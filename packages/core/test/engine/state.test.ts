import { describe, expect, it } from 'vitest';
import { Engine, type EngineInput, type EngineSnapshot, type Hex } from '../../src/index.js';
import { alice, bob, BTC, carol, config, dave, Harness, order, USDC } from './fixtures.js';

/** A little of everything: fills, partial fills, resting orders on two markets, expiries, cancels, nonces. */
function busy(): Harness {
  const h = new Harness().fundAll();
  h.time(100n);
  h.place('S1', bob, 'sell', '100', '1');
  h.place('S2', carol, 'sell', '100.5', '2', { expiry: 500n });
  h.place('B1', dave, 'buy', '99', '3', { nonce: 1n });
  h.place('T1', alice, 'buy', '100.5', '1.5');
  h.place('X1', alice, 'sell', '60000', '0.25', { market: BTC, expiry: 150n });
  h.place('R1', alice, 'buy', '200', '1', { tif: 'POST_ONLY' });
  h.apply({ kind: 'cancelUpTo', requestId: 9n, subaccount: dave, minNonce: 1n });
  h.apply({ kind: 'cancel', subaccount: bob, hashes: [h.hashOf('S1')] });
  h.time(120n);
  return h;
}

/** JSON the way a node stores it. */
const roundTrip = (s: EngineSnapshot): EngineSnapshot => JSON.parse(JSON.stringify(s)) as EngineSnapshot;

describe('state hash', () => {
  it('is the same for the same log on separate engines and changes with every state change', () => {
    const a = busy();
    const b = busy();
    expect(a.engine.stateHash()).toBe(b.engine.stateHash());
    expect(a.engine.stateHash()).toMatch(/^0x[0-9a-f]{64}$/);
    const seen = new Set([a.engine.stateHash()]);
    const steps: Array<[string, () => void]> = [
      ['time', () => a.time(130n)],
      ['deposit', () => a.fund(carol, { USDC: '1' })],
      ['place', () => a.place('N', carol, 'buy', '50', '1')],
      ['fill', () => a.place('F', bob, 'sell', '50', '0.5')],
      ['cancel', () => a.apply({ kind: 'cancel', subaccount: carol, hashes: [a.hashOf('N')] })],
      ['minNonce', () => a.apply({ kind: 'cancelUpTo', requestId: 10n, subaccount: carol, minNonce: 1n })],
      ['reject', () => a.place('Z', carol, 'buy', '50', '1', { market: 77 })],
    ];
    for (const [name, step] of steps) {
      step();
      const h = a.engine.stateHash();
      expect(seen.has(h), `state hash unchanged after ${name}`).toBe(false);
      seen.add(h);
    }
  });

  it('does not depend on the order in which accounts were created', () => {
    const a = new Harness().fund(alice, { USDC: '1' }).fund(bob, { WETH: '2' });
    const b = new Harness().fund(bob, { WETH: '2' }).fund(alice, { USDC: '1' });
    expect(a.engine.stateHash()).toBe(b.engine.stateHash());
  });

  it('treats a balance back at zero as no balance', () => {
    const a = new Harness();
    a.fund(alice, { USDC: '5' });
    a.apply({ kind: 'withdraw', requestId: 2n, subaccount: alice, assetId: USDC, amount: 5_000000000000000000n });
    expect(a.engine.stateHash()).toBe(new Engine(config).stateHash());
    expect(a.engine.balances(alice)).toEqual([]);
  });

  it('a fresh engine has a fixed hash', () => {
    expect(new Engine(config).stateHash()).toBe(new Engine(config).stateHash());
  });
});

describe('snapshot and restore', () => {
  it('round-trips through JSON with an identical hash and identical queries', () => {
    const h = busy();
    const snap = h.engine.snapshot();
    const json = JSON.stringify(snap);
    expect(json).not.toMatch(/\d+n\b/);
    const e = Engine.restore(config, roundTrip(snap));
    expect(e.stateHash()).toBe(h.engine.stateHash());
    expect(JSON.stringify(e.snapshot())).toBe(json);
    expect(e.now).toBe(h.engine.now);
    expect(e.sequence).toBe(h.engine.sequence);
    for (const m of [1, 2]) expect(e.book(m, 10), `book ${m}`).toEqual(h.engine.book(m, 10));
    for (const who of [alice, bob, carol, dave]) {
      expect(e.openOrders(who), `open orders of ${who}`).toEqual(h.engine.openOrders(who));
      expect(e.balances(who), `balances of ${who}`).toEqual(h.engine.balances(who));
      expect(e.minNonce(who)).toBe(h.engine.minNonce(who));
    }
    for (const hash of h.labels.keys()) {
      // open orders come back whole; finished ones as tombstones that refuse them again
      const before = h.engine.getOrder(hash);
      const open = before?.status === 'open' || before?.status === 'partially_filled';
      expect(e.getOrder(hash), `order ${h.labels.get(hash)}`).toEqual(open ? before : undefined);
      expect(e.knowsOrder(hash), `order ${h.labels.get(hash)} is known`).toBe(h.engine.knowsOrder(hash));
    }
  });

  it('behaves identically afterwards: same events and hashes on continued input', () => {
    const h = busy();
    const e = Engine.restore(config, roundTrip(h.engine.snapshot()));
    const tail: EngineInput[] = [
      { kind: 'place', ...order(bob, 'buy', '100.5', '5') }, // takes S2's remainder, then rests
      { kind: 'place', ...order(carol, 'sell', '99', '10', { tif: 'IOC' }) },
      { kind: 'place', ...order(alice, 'buy', '60000', '0.25', { market: BTC }) }, // self-trade against X1
      { kind: 'cancelAll', subaccount: bob, marketId: 0 },
      { kind: 'time', timestamp: 600n },
    ];
    for (const input of tail) {
      expect(e.apply(input)).toEqual(h.engine.apply(input));
      expect(e.stateHash()).toBe(h.engine.stateHash());
    }
  });

  it('restores the expiry schedule', () => {
    const h = busy();
    const e = Engine.restore(config, roundTrip(h.engine.snapshot()));
    expect(e.apply({ kind: 'time', timestamp: 1000n })).toEqual(h.engine.apply({ kind: 'time', timestamp: 1000n }));
  });

  interface Damage {
    name: string;
    damage: (s: EngineSnapshot) => void;
    /** what the error says */
    reason: RegExp;
  }
  /** the first record whose key starts with `prefix` and whose bytes start with `tag` */
  const recordOf = (s: EngineSnapshot, prefix: string, tag = ''): [string, Hex] =>
    s.records.find(([k, v]) => k.startsWith(prefix) && v.startsWith(`0x${tag}`))!;
  const damages: Damage[] = [
    { name: 'unknown version', reason: /unsupported version/, damage: (s) => ((s as { version: number }).version = 99) },
    { name: 'no globals record', reason: /no globals/, damage: (s) => (s.records = s.records.filter(([k]) => k !== 'g')) },
    { name: 'a record twice', reason: /duplicate record/, damage: (s) => s.records.push(s.records[0]!) },
    { name: 'a truncated record', reason: /truncated/, damage: (s) => (recordOf(s, 'g')[1] = recordOf(s, 'g')[1].slice(0, 20) as Hex) },
    { name: 'trailing bytes', reason: /trailing bytes/, damage: (s) => (recordOf(s, 'a')[1] = `${recordOf(s, 'a')[1]}00` as Hex) },
    { name: 'not hex', reason: /not a key and hex/, damage: (s) => (recordOf(s, 'a')[1] = '0xzz' as Hex) },
    {
      name: 'an unknown record kind',
      reason: /unknown tag/,
      damage: (s) => (recordOf(s, '0x', '01')[1] = `0x07${recordOf(s, '0x', '01')[1].slice(4)}` as Hex),
    },
    { name: 'a bad key', reason: /bad key/, damage: (s) => (recordOf(s, '0x', '01')[0] = '0xnothex') },
    {
      name: 'a balance that the pools do not hold',
      reason: /does not add up/,
      damage: (s) => s.records.push([`a0x${'77'.repeat(32)}`, `0x0001${'00'}${'00'.repeat(31)}05${'00'.repeat(32)}0000${'00'.repeat(8)}000000` as Hex]),
    },
    {
      name: 'an open order filled in full',
      reason: /off the market's grid or filled/,
      damage: (s) => {
        const r = recordOf(s, '0x', '01');
        // filled (16 bytes) sits before the 8-byte sequence: set it to the amount field
        const hex = r[1].slice(2);
        const amount = hex.slice(2 + 64 + 8 + 2 + 32, 2 + 64 + 8 + 2 + 64);
        r[1] = `0x${hex.slice(0, hex.length - 48)}${amount}${hex.slice(hex.length - 16)}` as Hex;
      },
    },
  ];
  it.each(damages)('refuses a damaged snapshot: $name', ({ name, damage, reason }) => {
    const snap = roundTrip(busy().engine.snapshot());
    damage(snap);
    expect(() => Engine.restore(config, snap), name).toThrow(reason);
  });
});
