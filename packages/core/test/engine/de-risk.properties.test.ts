/**
 * De-risking invariants (spec/de-risking.md), over random accounts, price moves and books:
 * - a plan step only reduces: the position never grows or flips, the maintenance requirement
 *   never rises, and no fill is worse than the plan's slippage bound;
 * - a liquidation conserves money between the account, the liquidator and the fund, takes at most
 *   half the exposure unless the account is bankrupt, and never flips it;
 * - after each batch exactly the accounts below zero maintenance health are flagged;
 * - plans and flags survive a snapshot (same state hash).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine, type EngineConfig, type EngineSnapshot } from '../../src/index.js';
import { alice, bob, carol, dave, ETH, ETH_PERP, feeAccount, fundAccount, Harness, marginConfig, USDC, x } from './fixtures.js';

const cfg: EngineConfig = { ...marginConfig, risk: { ...marginConfig.risk!, defaultGraceSeconds: 0n } };
const P = { market: ETH_PERP } as const;
const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 60);
const abs = (v: bigint): bigint => (v < 0n ? -v : v);

/** Alice opens `lots` × 0.01 ETH-PERP (long or short) at 2,000 on `margin` USDC; the index then moves `movePermille`. */
function scenario(margin: number, lots: number, long: boolean, movePermille: number): Harness {
  const h = new Harness({}, cfg);
  h.time(1000n);
  for (const m of [ETH, ETH_PERP]) h.apply({ kind: 'oracle', marketId: m, price: x('2000') });
  h.fund(alice, { USDC: String(margin) })
    .fund(bob, { USDC: '10000000' })
    .fund(carol, { USDC: '10000000' })
    .fund(dave, { USDC: '10000000' });
  const amount = (lots / 100).toFixed(2);
  h.place('M', bob, long ? 'sell' : 'buy', '2000', amount, P);
  h.place('T', alice, long ? 'buy' : 'sell', '2000', amount, { ...P, tif: 'IOC' });
  h.apply({ kind: 'endBatch' });
  const moved = (2000 * (1000 + movePermille)) / 1000;
  h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x(moved.toFixed(2)) });
  h.apply({ kind: 'endBatch' });
  return h;
}

const arbScenario = fc.record({
  margin: fc.integer({ min: 200, max: 5000 }),
  lots: fc.integer({ min: 10, max: 400 }),
  long: fc.boolean(),
  movePermille: fc.integer({ min: -150, max: 150 }),
});

describe('de-risking properties', () => {
  it('a plan step only reduces, never past the slippage bound, never raising the maintenance requirement', () => {
    fc.assert(
      fc.property(
        arbScenario,
        fc.integer({ min: 0, max: 500 }),
        fc.array(fc.tuple(fc.integer({ min: -300, max: 300 }), fc.integer({ min: 1, max: 300 })), { maxLength: 6 }),
        (s, slippage, quotes) => {
          const h = scenario(s.margin, s.lots, s.long, s.movePermille);
          if (h.engine.marginCall(alice) === undefined) return;
          h.apply({ kind: 'riskPlan', plan: { subaccount: alice, marketOrder: [ETH_PERP], maxSlippageBps: slippage, graceSeconds: 0, nonce: 1n } });
          const index = h.engine.oraclePrice(ETH_PERP)!;
          for (const [bps, lots] of quotes) {
            const px = ((index * BigInt(10_000 + bps)) / 10_000n / x('0.01')) * x('0.01');
            h.place(`Q${bps}`, carol, s.long ? 'buy' : 'sell', (Number(px / 10n ** 14n) / 10_000).toFixed(2), (lots / 100).toFixed(2), P);
          }
          const before = h.engine.position(alice, ETH_PERP).size;
          const requirement = h.engine.riskReport(alice)!.requirementMM;
          const events = h.apply({ kind: 'deRisk', subaccount: alice });
          const after = h.engine.position(alice, ETH_PERP).size;
          expect(abs(after)).toBeLessThanOrEqual(abs(before));
          expect(after === 0n || after > 0n === before > 0n).toBe(true);
          expect(h.engine.riskReport(alice)!.requirementMM).toBeLessThanOrEqual(requirement);
          const bound = (index * BigInt(10_000 + (s.long ? -slippage : slippage))) / 10_000n;
          for (const e of events) {
            if (e.kind !== 'fill') continue;
            expect(e.taker).toBe(alice);
            if (s.long) expect(e.price).toBeGreaterThanOrEqual(bound);
            else expect(e.price).toBeLessThanOrEqual(bound);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a liquidation conserves money, takes at most half unless bankrupt, and never flips the position', () => {
    fc.assert(
      fc.property(arbScenario, fc.integer({ min: 1, max: 400 }), (s, asked) => {
        const h = scenario(s.margin, s.lots, s.long, s.movePermille);
        const report = h.engine.riskReport(alice)!;
        const before = h.engine.position(alice, ETH_PERP);
        const money = (): bigint =>
          [alice, dave, feeAccount, fundAccount].reduce((sum, who) => sum + h.engine.balance(who, USDC) + h.engine.position(who, ETH_PERP).vQuote, 0n);
        const total = money();
        const events = h.apply({
          kind: 'liquidate',
          requestId: 1n,
          liquidator: dave,
          subaccount: alice,
          marketId: ETH_PERP,
          amount: BigInt(asked) * x('0.01'),
        });
        const done = events.find((e) => e.kind === 'liquidated');
        if (report.tier !== 'backstop' && report.tier !== 'bankrupt') {
          expect(done).toBeUndefined();
          return;
        }
        expect(done).toBeDefined();
        if (done?.kind !== 'liquidated') return;
        expect(money()).toBe(total);
        const after = h.engine.position(alice, ETH_PERP).size;
        expect(abs(before.size) - abs(after)).toBe(done.amount);
        expect(after === 0n || after > 0n === before.size > 0n).toBe(true);
        if (report.equity >= 0n) expect(done.amount).toBeLessThanOrEqual(((abs(before.size) / x('0.001') + 1n) / 2n) * x('0.001'));
      }),
      { numRuns: RUNS },
    );
  });

  it('flags exactly the accounts below zero maintenance health, and a snapshot keeps flags and plans', () => {
    fc.assert(
      fc.property(arbScenario, fc.integer({ min: 0, max: 5000 }), (s, grace) => {
        const h = scenario(s.margin, s.lots, s.long, s.movePermille);
        h.apply({ kind: 'riskPlan', plan: { subaccount: alice, marketOrder: [ETH_PERP], maxSlippageBps: 100, graceSeconds: grace, nonce: 7n } });
        for (const who of [alice, bob]) {
          const r = h.engine.riskReport(who)!;
          expect(h.engine.marginCall(who) !== undefined, who).toBe(r.maintenanceHealth < 0n);
        }
        const copy = Engine.restore(cfg, JSON.parse(JSON.stringify(h.engine.snapshot())) as EngineSnapshot);
        expect(copy.stateHash()).toBe(h.engine.stateHash());
        expect(copy.marginCall(alice)).toEqual(h.engine.marginCall(alice));
        expect(copy.riskPlan(alice)).toEqual(h.engine.riskPlan(alice));
      }),
      { numRuns: RUNS },
    );
  });
});
