import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Accounts } from '../../src/engine/accounts.js';
import { LedgerOverlay } from '../../src/engine/overlay.js';
import { FillPricer, proposeFill, settleFill, type MarketConfig, type ProposedFill } from '../../src/index.js';

const E18 = 10n ** 18n;
const runs = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);

function market(tickSize: bigint, lotSize: bigint, makerFee: bigint, takerFee: bigint): MarketConfig {
  return { marketId: 3, symbol: 'X-PERP', kind: 'PERP', baseAssetId: 0, quoteAssetId: 0, tickSize, lotSize, minSize: lotSize, makerFee, takerFee };
}

const accounts = new Accounts();

/** Everything a fill tells its readers, whatever its class. */
const view = (f: ProposedFill) => ({
  market: f.market,
  maker: f.maker,
  taker: f.taker,
  makerAccount: f.makerAccount,
  takerAccount: f.takerAccount,
  takerIsBuy: f.takerIsBuy,
  price: f.price,
  amount: f.amount,
  quote: f.quote,
  makerFee: f.makerFee,
  takerFee: f.takerFee,
});
const maker = accounts.of('0x1111111111111111111111111111111111111111000000000000000000000001');
const taker = accounts.of('0x2222222222222222222222222222222222222222000000000000000000000002');

/** step sizes as listed markets use them (powers of ten) and arbitrary ones */
const step = fc.oneof(
  fc.integer({ min: 0, max: 24 }).map((k) => 10n ** BigInt(k)),
  fc.bigInt({ min: 1n, max: 10n ** 24n }),
);
const rate = fc.oneof(fc.constantFrom(0n, E18 / 2000n, E18 / 10_000n, E18 / 4000n, E18), fc.bigInt({ min: 0n, max: E18 }));

describe('FillPricer', () => {
  it('takes the integer path on listed-style markets', () => {
    expect(new FillPricer(market(E18 / 100n, E18 / 1000n, -(E18 / 10_000n), E18 / 2000n)).exact).toBe(true);
    expect(new FillPricer(market(E18 / 10n, E18 / 100_000n, 0n, E18 / 1000n)).exact).toBe(true);
    // 1e-9 · 1e-12 = 1e-21: the quote of one tick·lot is below 1 wei, so it must truncate
    expect(new FillPricer(market(10n ** 9n, 10n ** 6n, 0n, 0n)).exact).toBe(false);
    // a fee of 0.123456789…% on a 1e-5 quote unit does not divide evenly
    expect(new FillPricer(market(E18 / 100n, E18 / 1000n, 0n, 1_234_567_891_234_567n)).exact).toBe(false);
  });

  it('gives exactly the X18 formulas for every market, price and size (both paths)', () => {
    fc.assert(
      fc.property(
        step,
        step,
        rate,
        rate,
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        (tickSize, lotSize, takerFee, rebateRate, rebate, takerIsBuy, ticks, lots) => {
          const makerFee = rebate ? -(rebateRate < takerFee ? rebateRate : takerFee) : rebateRate;
          const m = market(tickSize, lotSize, makerFee, takerFee);
          const price = BigInt(ticks) * tickSize;
          const got = new FillPricer(m).propose(maker, taker, takerIsBuy, ticks, price, lots);
          const want = proposeFill(m, maker, taker, takerIsBuy, price, BigInt(lots) * lotSize);
          expect(view(got)).toEqual(view(want));
        },
      ),
      { numRuns: runs * 5 },
    );
  });
});

describe('settleFill through handles', () => {
  it('moves a perp fill into positions and quote balances, and an overlay sees the same sizes', () => {
    const ledger = new Accounts();
    ledger.perps.addMarket(3, 0);
    const buyer = ledger.of('0x1111111111111111111111111111111111111111000000000000000000000001');
    const seller = ledger.of('0x2222222222222222222222222222222222222222000000000000000000000002');
    const fees = ledger.of('0x3333333333333333333333333333333333333333000000000000000000000003');
    const m = market(E18 / 100n, E18 / 1000n, -(E18 / 10_000n), E18 / 2000n);
    const f = new FillPricer(m).propose(seller, buyer, true, 185_000, 1850n * E18, 2_000); // 2 at 1850, buyer takes
    const overlay = new LedgerOverlay(ledger);
    settleFill(overlay, f, fees);
    expect(overlay.positionSize(buyer, 3)).toBe(2n * E18);
    expect(ledger.positionSize(buyer, 3)).toBe(0n); // the overlay wrote nothing through
    settleFill(ledger, f, fees);
    expect(ledger.positionOf(buyer.subaccount, 3)).toEqual({ size: 2n * E18, vQuote: -3700n * E18, lastCumFunding: 0n });
    expect(ledger.positionOf(seller.subaccount, 3)).toEqual({ size: -2n * E18, vQuote: 3700n * E18, lastCumFunding: 0n });
    expect(ledger.balanceOf(buyer.subaccount, 0)).toBe(-(3700n * E18) / 2000n); // taker fee 0.05%
    expect(ledger.balanceOf(seller.subaccount, 0)).toBe((3700n * E18) / 10_000n); // maker rebate 0.01%
    expect(ledger.balanceOf(fees.subaccount, 0)).toBe((3700n * E18) / 2000n - (3700n * E18) / 10_000n);
    // closing the position removes it: absent and zero are the same state
    settleFill(ledger, new FillPricer(m).propose(seller, buyer, false, 185_000, 1850n * E18, 2_000), fees);
    expect(ledger.positionOf(buyer.subaccount, 3)).toBeUndefined();
    expect(ledger.allPositions()).toEqual([]);
  });
});

describe('Accounts lanes', () => {
  const amount = fc.oneof(
    fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }),
    fc.bigInt({ min: -(1n << 61n), max: 1n << 61n }), // a few of these use up a lane's budget
    fc.bigInt({ min: -(1n << 63n), max: 1n << 63n }), // past the lane: always folded
    fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
  );
  const op = fc.record({
    kind: fc.constantFrom('add', 'sub', 'addBounded', 'subBounded'),
    account: fc.nat(39),
    assetId: fc.constantFrom(0, 1, 7, 8, 15),
    amount,
    // a bound is any float at least |amount|
    slack: fc.constantFrom(1, 1.5, 1e6),
  });

  it('every balance reads as the plain sum of its moves, lanes or not, over enough accounts to grow the arrays', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const ledger = new Accounts(16);
        const subs = Array.from({ length: 40 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}${'0'.repeat(24)}` as const);
        const handles = subs.map((s) => ledger.of(s)); // 40 > the arrays' first capacity
        const model = new Map<string, bigint>();
        for (const o of ops) {
          const a = handles[o.account]!;
          const bound = Math.abs(Number(o.amount)) * o.slack;
          if (o.kind === 'add') ledger.add(a, o.assetId, o.amount);
          else if (o.kind === 'sub') ledger.sub(a, o.assetId, o.amount);
          else if (o.kind === 'addBounded') ledger.addBounded(a, o.assetId, o.amount, bound);
          else ledger.subBounded(a, o.assetId, o.amount, bound);
          const key = `${o.account}:${o.assetId}`;
          model.set(key, (model.get(key) ?? 0n) + (o.kind.startsWith('add') ? o.amount : -o.amount));
        }
        const want = [...model].filter(([, v]) => v !== 0n).map(([k, v]) => [subs[Number(k.split(':')[0])], Number(k.split(':')[1]), v]);
        want.sort((x, y) => (x[0]! < y[0]! ? -1 : x[0]! > y[0]! ? 1 : (x[1] as number) - (y[1] as number)));
        expect(ledger.all()).toEqual(want);
      }),
      { numRuns: runs },
    );
  });

  it('a long run of bounded moves near the lane budget never wraps the 64-bit lane', () => {
    const ledger = new Accounts();
    const a = ledger.of('0x1111111111111111111111111111111111111111000000000000000000000001');
    const big = (1n << 60n) + 12_345n;
    let want = 0n;
    for (let i = 0; i < 100; i++) {
      ledger.addBounded(a, 0, big, Number(big)); // the budget (2^61) takes two of these, then folds
      want += big;
    }
    expect(ledger.balance(a, 0)).toBe(want);
    for (let i = 0; i < 300; i++) ledger.subBounded(a, 0, big, Number(big));
    expect(ledger.balance(a, 0)).toBe(want - 300n * big);
  });

  it('positions read as the X18 sum of their fills, on the grid or past its whole-number counts', () => {
    const lots = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 2 ** 40, max: 2 ** 45 }));
    const ticks = fc.oneof(fc.integer({ min: 1, max: 2 ** 20 }), fc.integer({ min: 2 ** 30, max: 2 ** 33 }));
    const fill = fc.record({ isBuy: fc.boolean(), lots, ticks, account: fc.nat(19) });
    fc.assert(
      fc.property(fc.array(fill, { maxLength: 40 }), (fills) => {
        const ledger = new Accounts();
        ledger.perps.addMarket(3, 0);
        const subs = Array.from({ length: 20 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}${'0'.repeat(24)}` as const);
        const handles = subs.map((s) => ledger.of(s));
        const grid = { lotSize: E18 / 1000n, unit: 10n ** 13n };
        const size = new Array<bigint>(20).fill(0n);
        const vQuote = new Array<bigint>(20).fill(0n);
        for (const f of fills) {
          const units = Math.min(f.lots * f.ticks, Number.MAX_SAFE_INTEGER - (Number.MAX_SAFE_INTEGER % f.ticks)); // a safe integer, as the pricer hands over
          ledger.tradeOnGrid(handles[f.account]!, 3, grid, f.isBuy, f.lots, units);
          size[f.account]! += (f.isBuy ? 1n : -1n) * BigInt(f.lots) * grid.lotSize;
          vQuote[f.account]! -= (f.isBuy ? 1n : -1n) * BigInt(units) * grid.unit;
        }
        for (let i = 0; i < 20; i++) {
          const want = size[i] === 0n && vQuote[i] === 0n ? undefined : { size: size[i], vQuote: vQuote[i], lastCumFunding: 0n };
          expect(ledger.positionOf(subs[i]!, 3), `account ${i}`).toEqual(want);
          expect(ledger.positionSize(handles[i]!, 3), `account ${i}`).toBe(size[i]);
        }
      }),
      { numRuns: runs },
    );
  });

  it('gives every subaccount of one owner the same owner number, and other owners other numbers', () => {
    const ledger = new Accounts();
    const a1 = ledger.of('0x1111111111111111111111111111111111111111000000000000000000000001');
    const b = ledger.of('0x2222222222222222222222222222222222222222000000000000000000000001');
    const a2 = ledger.of('0x1111111111111111111111111111111111111111000000000000000000000002');
    expect(a1.owner).toBe(a2.owner);
    expect(b.owner).not.toBe(a1.owner);
    expect(new Set([a1.index, b.index, a2.index]).size).toBe(3);
  });
});
