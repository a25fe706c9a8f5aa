/**
 * Value is never created, over random histories that mix everything an account can do: deposits,
 * withdrawals, spot trades paid on credit (borrowing on), perp trades, funding, oracle moves, time
 * passing (interest) and batch ends. After every batch, per asset:
 *
 *   Σ accounts' balances (+ for the quote asset: Σ vQuote − funding still owed)
 *     ≤ supplied − borrowed (the pool's totals, rounded in its favour)
 *     ≤ cash in the vault (deposits − withdrawals)
 *
 * and each gap is rounding dust (a few wei per move). This is the property the contract's
 * conservation invariant rests on, checked on the engine that computes every number first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, fundingOwed, orderHash, type EngineConfig, type EngineInput, type Hex, type Order, type RateCurve } from '../../src/index.js';
import { alice, bob, carol, config, dave, DOMAIN, ETH, ETH_PERP, feeAccount, USDC, WETH, x } from './fixtures.js';

const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);
const TRADERS: readonly Hex[] = [alice, bob, carol, dave];
const curve: RateCurve = { baseRate: x('0.02'), slope1: x('0.1'), slope2: x('3'), kink: x('0.8'), reserveFactor: x('0.15') };
const insurance = `0x${'ee'.repeat(20)}${'00'.repeat(12)}` as Hex;
const cfg: EngineConfig = {
  ...config,
  assets: config.assets.map((a) => (a.assetId === USDC || a.assetId === WETH ? { ...a, lending: curve } : a)),
  markets: config.markets.filter((m) => m.marketId === ETH || m.marketId === ETH_PERP),
  insuranceSubaccount: insurance,
};
const spot = cfg.markets.find((m) => m.marketId === ETH)!;
const perp = cfg.markets.find((m) => m.marketId === ETH_PERP)!;

type Op =
  | { t: 'order'; perp: boolean; who: number; buy: boolean; tick: number; lots: number; ioc: boolean }
  | { t: 'deposit' | 'withdraw'; who: number; weth: boolean; units: number }
  | { t: 'funding'; rate: bigint }
  | { t: 'oracle'; tick: number }
  | { t: 'time'; dt: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant('order' as const),
      perp: fc.boolean(),
      who: fc.nat(3),
      buy: fc.boolean(),
      tick: fc.integer({ min: -20, max: 20 }),
      lots: fc.integer({ min: 1, max: 40 }),
      ioc: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constantFrom('deposit' as const, 'withdraw' as const),
      who: fc.nat(3),
      weth: fc.boolean(),
      units: fc.integer({ min: 1, max: 500 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('funding' as const), rate: fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('oracle' as const), tick: fc.integer({ min: -50, max: 50 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('time' as const), dt: fc.integer({ min: 0, max: 30 * 86_400 }) }) },
);

let borrowed = false;

describe('value across spot, perps and lending', () => {
  it('is never created: balances and positions stay within the pools, and the pools within the vault', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 5, maxLength: 60 }), (ops) => {
        const e = new Engine(cfg, { allowBorrow: true });
        let now = 1000n;
        let nonce = 1n;
        let requestId = 0n;
        const cash = new Map<number, bigint>([
          [USDC, 0n],
          [WETH, 0n],
        ]);
        const apply = (input: EngineInput): void => {
          const events = e.apply(input);
          for (const ev of events) {
            if (ev.kind === 'deposited') cash.set(ev.assetId, cash.get(ev.assetId)! + ev.amount);
            if (ev.kind === 'withdrawn') cash.set(ev.assetId, cash.get(ev.assetId)! - ev.amount);
          }
        };
        apply({ kind: 'time', timestamp: now });
        apply({ kind: 'oracle', marketId: ETH_PERP, price: x('2000') });
        for (const who of TRADERS) {
          apply({ kind: 'deposit', requestId: ++requestId, subaccount: who, assetId: USDC, amount: x('1000') });
          apply({ kind: 'deposit', requestId: ++requestId, subaccount: who, assetId: WETH, amount: x('0.5') });
        }
        let moves = 0n;
        const check = (): void => {
          apply({ kind: 'endBatch' });
          const everyone = [...TRADERS, feeAccount, insurance];
          for (const asset of [USDC, WETH]) {
            // positions' value in quote: sizes net to zero, so Σ vQuote − funding owed is their
            // value at any price. A realized gain sits in a balance while the loss that pays for
            // it may still be open in the other side's vQuote, so balances alone may exceed the
            // vault; balances and positions together may not.
            let positions = 0n;
            if (asset === USDC) {
              for (const who of everyone) {
                const p = e.position(who, ETH_PERP);
                if (p !== undefined) positions += p.vQuote - fundingOwed(p.size, p.lastCumFunding, e.cumFunding(ETH_PERP));
              }
            }
            const claims = everyone.reduce((s, who) => s + e.balance(who, asset), 0n) + positions;
            const pool = e.lending(asset)!;
            const held = pool.totalSupply - pool.totalBorrow;
            expect(claims, `asset ${asset}: claims within the pool`).toBeLessThanOrEqual(held + positions);
            expect(held + positions, `asset ${asset}: the pool within the vault`).toBeLessThanOrEqual(cash.get(asset)!);
            expect(cash.get(asset)! - claims, `asset ${asset}: only dust is lost`).toBeLessThanOrEqual(10n * (moves + 10n));
          }
        };
        for (const o of ops) {
          moves++;
          if (o.t === 'order') {
            const m = o.perp ? perp : spot;
            const order: Order = {
              subaccount: TRADERS[o.who]!,
              marketId: m.marketId,
              isBuy: o.buy,
              price: (200_000n + BigInt(o.tick)) * m.tickSize,
              amount: BigInt(o.lots) * m.lotSize * 50n, // up to 2 ETH: enough to borrow
              nonce: nonce++,
              expiry: 0n,
              flags: o.ioc ? 1 : 0,
              clientId: 0n,
            };
            apply({ kind: 'place', order, hash: orderHash(DOMAIN, order) });
          } else if (o.t === 'deposit' || o.t === 'withdraw') {
            const asset = o.weth ? WETH : USDC;
            const amount = BigInt(o.units) * (o.weth ? x('0.01') : x('10'));
            apply({ kind: o.t, requestId: ++requestId, subaccount: TRADERS[o.who]!, assetId: asset, amount });
          } else if (o.t === 'funding') {
            apply({ kind: 'funding', marketId: ETH_PERP, rate: o.rate });
          } else if (o.t === 'oracle') {
            apply({ kind: 'oracle', marketId: ETH_PERP, price: x('2000') + BigInt(o.tick) * x('1.37') });
          } else if (o.t === 'time') {
            now += BigInt(o.dt);
            check();
            apply({ kind: 'time', timestamp: now });
          }
        }
        check();
        borrowed ||= [USDC, WETH].some((a) => e.lending(a)!.totalBorrow > 0n);
      }),
      { numRuns: RUNS },
    );
    expect(borrowed, 'some histories borrow (so interest accrues)').toBe(true);
  });
});
