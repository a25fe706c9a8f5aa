/**
 * The resting check's balance rule (rest-balance.ts): its whole-number path on a market's grid,
 * and its float totals, give the need the X18 formulas give, to the wei.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mulDivCeil } from '../../src/index.js';
import { Account } from '../../src/engine/account.js';
import { SideTotals } from '../../src/engine/open-totals.js';
import { BalanceRule, type Candidate } from '../../src/engine/rest-balance.js';
import type { EngineState } from '../../src/engine/state.js';
import type { MarketConfig } from '../../src/engine/types.js';

const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);
const ONE = 10n ** 18n;
const QUOTE = 0;
const BASE = 1;

const up = (v: bigint): bigint => (v + ONE - 1n) / ONE;

/** The rule as its module doc writes it, in bigints throughout. */
function need(m: MarketConfig, bids: Array<[number, number]>, asks: Array<[number, number]>): [bigint, bigint] {
  const unit = m.tickSize * m.lotSize;
  const top = m.makerFee > m.takerFee ? m.makerFee : m.takerFee;
  const rate = top > 0n ? top : 0n;
  const side = (orders: Array<[number, number]>): { L: bigint; quote: bigint; fee: bigint } => {
    const L = orders.reduce((s, [, l]) => s + BigInt(l), 0n);
    const TL = orders.reduce((s, [t, l]) => s + BigInt(t) * BigInt(l), 0n);
    const quote = up(TL * unit);
    return { L, quote, fee: orders.length === 0 || rate === 0n ? 0n : mulDivCeil(quote, rate, ONE) + L };
  };
  const b = side(bids);
  const a = side(asks);
  if (m.kind === 'PERP') return [b.fee + a.fee, 0n];
  return [bids.length === 0 ? 0n : b.quote + b.fee, a.L * m.lotSize];
}

const market = (kind: 'SPOT' | 'PERP', tickSize: bigint, lotSize: bigint, makerFee: bigint, takerFee: bigint): MarketConfig => ({
  marketId: 1,
  symbol: 'X',
  kind,
  baseAssetId: BASE,
  quoteAssetId: QUOTE,
  tickSize,
  lotSize,
  minSize: lotSize,
  makerFee,
  takerFee,
});

/**
 * One market's resting orders and a candidate: what the formulas say the account needs (q quote,
 * b base) and whether the rule finds it covered by given balances.
 */
function scenario(
  m: MarketConfig,
  bids: Array<[number, number]>,
  asks: Array<[number, number]>,
  extra: Candidate,
): { q: bigint; b: bigint; check: (quote: bigint, base: bigint) => boolean } {
  const rule = new BalanceRule({ markets: new Map([[1, { config: m }]]) } as unknown as EngineState);
  const totals = { markets: new Map([[1, { bids: new SideTotals(), asks: new SideTotals() }]]) };
  const t = totals.markets.get(1)!;
  for (const [tk, l] of bids) t.bids.add(tk, l);
  for (const [tk, l] of asks) t.asks.add(tk, l);
  const own: [number, number] = [extra.tick, extra.lots];
  const [q, b] = need(m, extra.isBuy ? [...bids, own] : bids, extra.isBuy ? asks : [...asks, own]);
  const account = new Account(`0x${'1'.repeat(64)}`, 0, 0);
  const check = (quote: bigint, base: bigint): boolean =>
    rule.covers({ balance: (_a, id) => (id === QUOTE ? quote : base), positionSize: () => 0n, position: () => ({}) as never }, account, totals as never, extra);
  return { q, b, check };
}

const orderArb = fc.tuple(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 30 }));
const bigOrderArb = fc.tuple(fc.integer({ min: 2 ** 50, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 2 ** 50, max: Number.MAX_SAFE_INTEGER }));

describe('the resting balance rule', () => {
  it('refuses exactly when a balance is a wei short of the formulas’ need, on and off the grid, with floats or bigints', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'SPOT' | 'PERP'>('SPOT', 'PERP'),
        fc.constantFrom(
          // on the grid: tick·lot and its fees whole multiples of 1e18
          [10n ** 16n, 10n ** 15n, -(10n ** 14n), 5n * 10n ** 14n],
          [10n ** 16n, 10n ** 15n, 0n, 0n],
          // off it: quote or fee rounds
          [7n, 3n, 10n ** 14n, 3n * 10n ** 14n + 1n],
          [10n ** 16n, 10n ** 15n, 1n, 3n],
        ),
        fc.array(fc.oneof({ weight: 9, arbitrary: orderArb }, { weight: 1, arbitrary: bigOrderArb }), { maxLength: 5 }),
        fc.array(fc.oneof({ weight: 9, arbitrary: orderArb }, { weight: 1, arbitrary: bigOrderArb }), { maxLength: 5 }),
        fc.boolean(),
        orderArb,
        (kind, [tickSize, lotSize, makerFee, takerFee], bids, asks, isBuy, [tick, lots]) => {
          const { q, b, check } = scenario(market(kind, tickSize!, lotSize!, makerFee!, takerFee!), bids, asks, { marketId: 1, isBuy, tick, lots });
          expect(check(q, b)).toBe(true);
          if (q > 0n) expect(check(q - 1n, b)).toBe(false);
          if (b > 0n) expect(check(q, b - 1n)).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('answers as the formulas do for balances far from the need and near it, negative ones included (the float estimate, or the bigints when it is unsure)', () => {
    // a balance as a multiple of the need, in parts per billion, plus or minus a few wei
    const scale = fc.oneof(
      fc.constantFrom(-(10n ** 12n), -1n, 0n, 10n ** 9n, 2n * 10n ** 9n, 10n ** 15n),
      fc.bigInt({ min: 10n ** 9n - 10n, max: 10n ** 9n + 10n }),
      fc.bigInt({ min: 0n, max: 4n * 10n ** 9n }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom<'SPOT' | 'PERP'>('SPOT', 'PERP'),
        fc.constantFrom(
          [10n ** 16n, 10n ** 15n, -(10n ** 14n), 5n * 10n ** 14n],
          [10n ** 16n, 10n ** 15n, 0n, 0n],
          [10n ** 18n, 10n ** 18n, 10n ** 15n, 10n ** 15n],
          [7n, 3n, 10n ** 14n, 3n * 10n ** 14n + 1n],
        ),
        fc.array(fc.oneof({ weight: 9, arbitrary: orderArb }, { weight: 1, arbitrary: bigOrderArb }), { maxLength: 5 }),
        fc.array(fc.oneof({ weight: 9, arbitrary: orderArb }, { weight: 1, arbitrary: bigOrderArb }), { maxLength: 5 }),
        fc.boolean(),
        orderArb,
        scale,
        scale,
        fc.bigInt({ min: -3n, max: 3n }),
        (kind, [tickSize, lotSize, makerFee, takerFee], bids, asks, isBuy, [tick, lots], qs, bs, wei) => {
          const { q, b, check } = scenario(market(kind, tickSize!, lotSize!, makerFee!, takerFee!), bids, asks, { marketId: 1, isBuy, tick, lots });
          const quote = (q * qs) / 10n ** 9n + wei;
          const base = (b * bs) / 10n ** 9n - wei;
          expect(check(quote, base)).toBe((q <= 0n || quote >= q) && (b <= 0n || base >= b));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
