import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Accounts } from '../../src/engine/accounts.js';
import { ONE, accrue, balanceOfScaled, moveScaled, newPool, type Pool, type RateCurve } from '../../src/index.js';

const runs = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);
const curve: RateCurve = { baseRate: ONE / 50n, slope1: ONE / 25n, slope2: (ONE * 6n) / 10n, kink: (ONE * 8n) / 10n, reserveFactor: ONE / 10n };
const subOf = (i: number): `0x${string}` => `0x${(i + 1).toString(16).padStart(40, '0')}${'0'.repeat(24)}`;
const subs = [0, 1, 2, 3, 4].map(subOf);
const INSURANCE = 4;

/** The rule written plainly: stored scaled balances, the batch's net moves, and pools from lending.ts. */
class Model {
  scaled = new Map<string, bigint>();
  net = new Map<string, bigint>();
  pools: Pool[] = [newPool(0n), newPool(0n)];
  key = (who: number, asset: number): string => `${who}:${asset}`;
  balance(who: number, asset: number): bigint {
    const k = this.key(who, asset);
    return balanceOfScaled(this.scaled.get(k) ?? 0n, this.pools[asset]!) + (this.net.get(k) ?? 0n);
  }
  move(who: number, asset: number, d: bigint): void {
    const k = this.key(who, asset);
    this.net.set(k, (this.net.get(k) ?? 0n) + d);
  }
  endBatch(): void {
    for (const [k, d] of this.net) {
      const asset = Number(k.split(':')[1]);
      const r = moveScaled(this.scaled.get(k) ?? 0n, d, this.pools[asset]!);
      this.pools[asset] = r.pool;
      this.scaled.set(k, r.scaled);
    }
    this.net.clear();
  }
  accrue(t: bigint): void {
    // asset 0 has no curve (only the clock moves), asset 1 lends
    this.pools[0] = { ...this.pools[0]!, lastAccrual: t > this.pools[0]!.lastAccrual ? t : this.pools[0]!.lastAccrual };
    const r = accrue(this.pools[1]!, curve, t);
    this.pools[1] = r.pool;
    if (r.reserve !== 0n) this.move(INSURANCE, 1, r.reserve);
  }
}

describe('balances moved per batch', () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant('move' as const),
      who: fc.nat(3),
      asset: fc.nat(1),
      amount: fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }),
      bounded: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('endBatch' as const) }),
    fc.record({ kind: fc.constant('accrue' as const), dt: fc.bigInt({ min: 0n, max: 400n * 86_400n }) }),
  );

  it('reads as stored + the batch net, and stores each balance once per batch exactly as lending.ts moves it', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const ledger = new Accounts(2);
        ledger.setCurve(1, curve);
        const handles = subs.map((s) => ledger.of(s));
        const model = new Model();
        let t = 0n;
        for (const o of ops) {
          if (o.kind === 'move') {
            if (o.bounded) ledger.addBounded(handles[o.who]!, o.asset, o.amount, Math.abs(Number(o.amount)));
            else ledger.add(handles[o.who]!, o.asset, o.amount);
            model.move(o.who, o.asset, o.amount);
          } else if (o.kind === 'endBatch') {
            ledger.endBatch();
            model.endBatch();
          } else {
            // a new batch: the last one is stored, then the pools accrue
            ledger.endBatch();
            model.endBatch();
            t += o.dt;
            ledger.accrue(t, handles[INSURANCE]!);
            model.accrue(t);
          }
          for (let who = 0; who < subs.length; who++) {
            for (const asset of [0, 1]) expect(ledger.balance(handles[who]!, asset), `${who}/${asset}`).toBe(model.balance(who, asset));
          }
          expect(ledger.pool(1)).toEqual(model.pools[1]);
          expect(ledger.pool(0).supplyScaled).toBe(model.pools[0]!.supplyScaled);
          expect(ledger.pool(0).borrowScaled).toBe(model.pools[0]!.borrowScaled);
        }
      }),
      { numRuns: runs },
    );
  });

  it('rounds once per batch, not once per move', () => {
    const ledger = new Accounts(2);
    ledger.setCurve(1, curve);
    const [a, b] = [ledger.of(subOf(0)), ledger.of(subOf(1))];
    ledger.add(a, 1, 1000n * ONE); // a supplies
    ledger.sub(b, 1, 500n * ONE); // b borrows
    ledger.endBatch();
    ledger.accrue(86_400n * 30n, ledger.of(subOf(INSURANCE)));
    const before = ledger.balance(b, 1);
    const scaledBefore = ledger.stored().find(([s, id]) => s === subOf(1) && id === 1)![2];
    const poolBefore = ledger.pool(1);
    // a thousand 1-wei repayments in one batch: one conversion at the end
    for (let i = 0; i < 1000; i++) ledger.add(b, 1, 1n);
    expect(ledger.balance(b, 1)).toBe(before + 1000n);
    ledger.endBatch();
    const stored = ledger.stored().find(([s, id]) => s === subOf(1) && id === 1)!;
    expect(stored[2]).toBe(moveScaled(scaledBefore, 1000n, poolBefore).scaled);
    expect(stored[3]).toBe(0n);
  });

  it('rejects an asset id outside the ledger', () => {
    const ledger = new Accounts(2);
    expect(() => ledger.add(ledger.of(subOf(0)), 2, 1n)).toThrow(RangeError);
    expect(ledger.balanceOf(subOf(0), 7)).toBe(0n);
    expect(() => new Accounts(0)).toThrow(RangeError);
    expect(() => new Accounts(257)).toThrow(RangeError);
  });
});
