/**
 * Trader-controlled de-risking (spec/de-risking.md): plans, margin-call flags and the grace window, plan
 * steps that reduce only as far as needed, the backstop, the insurance fund and deleveraging.
 *
 * The numbers: ETH group shock 10% (maintenance 5%), basis 2% (1%), positive uPnL at half; the
 * perp's taker fee is 5 bp. Alice buys 2 ETH-PERP at 2,000 with 500 USDC: equity 498, maintenance
 * requirement 5% of the notional.
 */
import { describe, expect, it } from 'vitest';
import { Engine, type EngineConfig, type RiskPlan } from '../../src/index.js';
import { alice, bob, carol, dave, ETH, ETH_PERP, fundAccount, Harness, marginConfig, USDC, WETH, x } from './fixtures.js';

const cfg: EngineConfig = { ...marginConfig, risk: { ...marginConfig.risk!, defaultGraceSeconds: 300n, maxGraceSeconds: 900n } };
const P = { market: ETH_PERP } as const;
const T0 = 1000n;

function plan(fields: Partial<RiskPlan> = {}): RiskPlan {
  return { subaccount: alice, marketOrder: [ETH_PERP], maxSlippageBps: 100, graceSeconds: 60, nonce: 1n, ...fields };
}

/** Alice long 2 ETH-PERP at 2,000 with 500 USDC against bob; the batch ended. */
function longAlice(): Harness {
  const h = new Harness({}, cfg);
  h.time(T0);
  for (const m of [ETH, ETH_PERP]) h.apply({ kind: 'oracle', marketId: m, price: x('2000') });
  h.fund(alice, { USDC: '500' }).fund(bob, { USDC: '100000' }).fund(carol, { USDC: '100000' });
  h.place('S', bob, 'sell', '2000', '2', P);
  h.place('B', alice, 'buy', '2000', '2', P);
  h.apply({ kind: 'endBatch' });
  return h;
}

function mark(h: Harness, price: string): void {
  h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x(price) });
}

describe('risk plans', () => {
  it('stores a plan, replaces it with a higher nonce only, and refuses a bad one', () => {
    const h = new Harness({}, cfg);
    h.apply({ kind: 'riskPlan', plan: plan() });
    h.apply({ kind: 'riskPlan', plan: plan({ nonce: 1n, graceSeconds: 5 }) });
    h.apply({ kind: 'riskPlan', plan: plan({ nonce: 2n, marketOrder: [ETH_PERP, ETH] }) });
    h.apply({ kind: 'riskPlan', plan: plan({ nonce: 3n, marketOrder: [99] }) });
    h.apply({ kind: 'riskPlan', plan: plan({ nonce: 3n, marketOrder: [ETH, ETH] }) });
    h.apply({ kind: 'riskPlan', plan: plan({ nonce: 3n, maxSlippageBps: 5001 }) });
    h.apply({ kind: 'riskPlan', plan: plan({ nonce: 3n, marketOrder: Array.from({ length: 17 }, () => ETH) }) });
    expect(h.brief(h.events)).toEqual([
      'riskPlanSet alice 1',
      'riskPlanRejected alice NONCE_USED',
      'riskPlanSet alice 2',
      ...Array(4).fill('riskPlanRejected alice INVALID_PLAN'),
    ]);
    expect(h.engine.riskPlan(alice)).toEqual(plan({ nonce: 2n, marketOrder: [ETH_PERP, ETH] }));
    expect(() => h.apply({ kind: 'riskPlan', plan: { ...plan(), nonce: -1n } })).toThrow(/nonce/);
    expect(() => h.apply({ kind: 'riskPlan', plan: { ...plan(), graceSeconds: 1.5 } })).toThrow(/graceSeconds/);
  });

  it('survives a snapshot with the margin-call flags (same state hash, same behaviour)', () => {
    const h = longAlice();
    h.apply({ kind: 'riskPlan', plan: plan() });
    mark(h, '1800');
    h.apply({ kind: 'endBatch' });
    const copy = Engine.restore(cfg, JSON.parse(JSON.stringify(h.engine.snapshot())) as ReturnType<Engine['snapshot']>);
    expect(copy.stateHash()).toBe(h.engine.stateHash());
    expect(copy.riskPlan(alice)).toEqual(plan());
    expect(copy.marginCall(alice)).toEqual({ at: T0, graceEnds: T0 + 60n });
  });
});

describe('margin calls', () => {
  it('flags an account whose maintenance health falls below zero, and clears it when it recovers', () => {
    const h = longAlice();
    mark(h, '1850'); // equity 198, maintenance 185: still above
    expect(h.brief(h.apply({ kind: 'endBatch' }))).toEqual([]);
    mark(h, '1800'); // equity 98, maintenance 180
    expect(h.engine.riskReport(alice)!.tier).toBe('margin_call');
    expect(h.brief(h.apply({ kind: 'endBatch' }))).toEqual([`marginCall alice at ${T0} until ${T0 + 300n}`]);
    expect(h.brief(h.apply({ kind: 'endBatch' }))).toEqual([]); // flagged once
    expect(h.engine.accountsAtRisk()).toEqual([{ subaccount: alice, tier: 'margin_call', graceEnds: T0 + 300n }]);
    // a plan shortens the window, never beyond the protocol's longest
    h.apply({ kind: 'riskPlan', plan: plan({ graceSeconds: 5000 }) });
    expect(h.engine.marginCall(alice)).toEqual({ at: T0, graceEnds: T0 + 900n });
    // the trader adds collateral: the flag clears at the batch's end
    h.fund(alice, { USDC: '100' });
    expect(h.brief(h.apply({ kind: 'endBatch' }))).toEqual(['marginCallCleared alice']);
    expect(h.engine.marginCall(alice)).toBeUndefined();
    expect(h.engine.accountsAtRisk()).toEqual([]);
  });
});

describe('plan steps', () => {
  it('waits out the grace window, then reduces the plan market only as far as the buffer needs', () => {
    const h = longAlice();
    h.apply({ kind: 'riskPlan', plan: plan() });
    mark(h, '1800');
    h.apply({ kind: 'endBatch' });
    expect(h.brief(h.apply({ kind: 'deRisk', subaccount: alice }))).toEqual(['deRiskRejected alice GRACE_WINDOW']);
    h.time(T0 + 60n);
    h.place('BID', carol, 'buy', '1790', '5', P);
    h.apply({ kind: 'deRisk', subaccount: alice });
    // sell at worst 1,782 (1% under the index): score −100 + 80.109·q ≥ 0 from q = 1.249
    expect(h.brief().map((e) => e.replace(/0x[0-9a-f]{8}/, 'DR'))).toEqual(['deRiskOrder alice 3 sell 1.249@1782', 'fill BID<-DR 1.249@1790']);
    expect(h.engine.position(alice, ETH_PERP).size).toBe(x('0.751'));
    const r = h.engine.riskReport(alice)!;
    expect(r.maintenanceHealth).toBeGreaterThanOrEqual(r.requirementMM / 10n);
    // one lot less would not have reached the buffer: equity 98 − 1.248·18.891, requirement 90·0.752
    expect(x('98') - (x('1.248') * x('18.891')) / x('1') - (x('1.1') * x('67.68')) / x('1')).toBeLessThan(0n);
    expect(h.brief(h.apply({ kind: 'endBatch' }))).toEqual(['marginCallCleared alice']);
    expect(h.brief(h.apply({ kind: 'deRisk', subaccount: alice }))).toEqual(['deRiskRejected alice NOT_IN_MARGIN_CALL']);
  });

  it('lists a plan step as due only once the window is over', () => {
    const h = longAlice();
    mark(h, '1800');
    h.apply({ kind: 'endBatch' });
    expect(h.engine.dueSteps()).toEqual([]);
    h.time(T0 + 300n);
    expect(h.engine.dueSteps()).toEqual([{ kind: 'deRisk', subaccount: alice }]);
  });

  it('takes only what the book offers within the slippage bound, and cancels the rest', () => {
    const h = longAlice();
    mark(h, '1800');
    h.apply({ kind: 'endBatch' });
    h.time(T0 + 300n); // no plan: the default window and 1% slippage
    h.place('FAR', carol, 'buy', '1781', '5', P); // below the bound: never reached
    h.place('NEAR', carol, 'buy', '1795', '0.5', P);
    h.apply({ kind: 'deRisk', subaccount: alice });
    expect(h.brief().map((e) => e.replace(/0x[0-9a-f]{8}/, 'DR'))).toEqual([
      'deRiskOrder alice 3 sell 1.249@1782',
      'fill NEAR<-DR 0.5@1795',
      'cancelled DR IOC_REMAINDER 0.749',
    ]);
    expect(h.engine.position(alice, ETH_PERP).size).toBe(x('1.5'));
  });

  it('follows the plan order, then the largest maintenance charge', () => {
    // alice holds 3 WETH bought with a USDC loan and is long 1 ETH-PERP: the spot charge is larger
    const build = (marketOrder: number[]): Harness => {
      const h = new Harness({}, cfg);
      h.time(T0);
      for (const m of [ETH, ETH_PERP]) h.apply({ kind: 'oracle', marketId: m, price: x('2000') });
      h.fund(alice, { USDC: '1200' }).fund(bob, { USDC: '100000', WETH: '100' }).fund(carol, { USDC: '100000', WETH: '100' });
      h.place('S1', bob, 'sell', '2000', '3');
      h.place('B1', alice, 'buy', '2000', '3');
      h.place('S2', bob, 'sell', '2000', '1', P);
      h.place('B2', alice, 'buy', '2000', '1', P);
      if (marketOrder.length > 0) h.apply({ kind: 'riskPlan', plan: plan({ marketOrder, graceSeconds: 0 }) });
      h.apply({ kind: 'endBatch' });
      for (const m of [ETH, ETH_PERP]) h.apply({ kind: 'oracle', marketId: m, price: x('1760') });
      h.apply({ kind: 'endBatch' });
      expect(h.engine.marginCall(alice)).toBeDefined();
      h.time(T0 + 300n);
      h.place('SPOT', carol, 'buy', '1759', '10');
      h.place('PERP', carol, 'buy', '1759', '10', P);
      h.apply({ kind: 'deRisk', subaccount: alice });
      return h;
    };
    const markets = (h: Harness): string[] =>
      h
        .brief()
        .filter((e) => e.startsWith('deRiskOrder'))
        .map((e) => e.split(' ')[2]!);
    expect(markets(build([]))[0]).toBe(String(ETH)); // default: the 3-WETH spot holding first
    // a plan naming markets reduces those only, in its order: the chain refuses a plan order elsewhere
    expect(new Set(markets(build([ETH_PERP])))).toEqual(new Set([String(ETH_PERP)]));
    expect(markets(build([ETH_PERP, ETH]))[0]).toBe(String(ETH_PERP));
  });

  it("counts the window on the chain's clock: a batch clock that may trail by maxBatchAge waits that much longer", () => {
    const h = new Harness({}, { ...cfg, maxBatchAge: 30n });
    h.time(T0);
    for (const m of [ETH, ETH_PERP]) h.apply({ kind: 'oracle', marketId: m, price: x('2000') });
    h.fund(alice, { USDC: '500' }).fund(bob, { USDC: '100000' });
    h.place('S', bob, 'sell', '2000', '2', P);
    h.place('B', alice, 'buy', '2000', '2', P);
    h.apply({ kind: 'riskPlan', plan: plan() });
    h.apply({ kind: 'endBatch' });
    mark(h, '1800');
    h.apply({ kind: 'endBatch' });
    expect(h.engine.marginCall(alice)).toEqual({ at: T0, graceEnds: T0 + 60n + 30n });
    h.time(T0 + 60n);
    expect(h.engine.dueSteps()).toEqual([]);
    expect(h.brief(h.apply({ kind: 'deRisk', subaccount: alice }))).toEqual(['deRiskRejected alice GRACE_WINDOW']);
    h.time(T0 + 90n);
    expect(h.engine.dueSteps()).toEqual([{ kind: 'deRisk', subaccount: alice }]);
  });

  it('never trades for the insurance fund, even flagged', () => {
    const h = longAlice();
    h.fund(fundAccount, { WETH: '1' });
    h.apply({ kind: 'withdraw', requestId: 9n, subaccount: fundAccount, assetId: USDC, amount: 0n });
    expect(h.brief(h.apply({ kind: 'deRisk', subaccount: fundAccount }))).toEqual(['deRiskRejected fund NOT_IN_MARGIN_CALL']);
  });
});

describe('the backstop', () => {
  it('lets any liquidator take half the exposure at the discount, a share to the fund', () => {
    const h = longAlice();
    mark(h, '1775'); // equity 48, maintenance 177.5: below half of it
    expect(h.engine.riskReport(alice)!.tier).toBe('backstop');
    const fundBefore = h.engine.balance(fundAccount, USDC);
    h.apply({ kind: 'liquidate', requestId: 1n, liquidator: carol, subaccount: alice, marketId: ETH_PERP, amount: x('2') });
    // half of 2 at 1,775 less 1%: 1,757.25; the fund gets half the 17.75 discount
    expect(h.brief()).toEqual(['liquidated alice by carol 3 1 for 1757.25 fund 8.875']);
    expect(h.engine.position(alice, ETH_PERP)).toMatchObject({ size: x('1') });
    expect(h.engine.position(carol, ETH_PERP)).toMatchObject({ size: x('1'), vQuote: x('-1757.25') });
    expect(h.engine.balance(carol, USDC)).toBe(x('100000') - x('8.875'));
    expect(h.engine.balance(fundAccount, USDC) - fundBefore).toBe(x('8.875'));
  });

  it('refuses what the backstop may not do', () => {
    const h = longAlice();
    const liq = (fields: Partial<{ liquidator: `0x${string}`; subaccount: `0x${string}`; marketId: number; amount: bigint }>): string[] =>
      h.brief(h.apply({ kind: 'liquidate', requestId: 9n, liquidator: carol, subaccount: alice, marketId: ETH_PERP, amount: x('1'), ...fields }));
    expect(liq({})).toEqual(['liquidationRejected alice NOT_LIQUIDATABLE']); // healthy
    mark(h, '1775');
    expect(liq({ marketId: 77 })).toEqual(['liquidationRejected alice UNKNOWN_MARKET']);
    expect(liq({ amount: x('0.0001') })).toEqual(['liquidationRejected alice MALFORMED']);
    expect(liq({ subaccount: alice, liquidator: alice })).toEqual(['liquidationRejected alice SELF_LIQUIDATION']);
    expect(liq({ marketId: ETH })).toEqual(['liquidationRejected alice NOTHING_TO_REDUCE']);
    expect(liq({ liquidator: dave })).toEqual(['liquidationRejected alice INSUFFICIENT_MARGIN']); // dave holds nothing
    h.time(T0 + 3601n); // the feed is now stale
    expect(liq({})).toEqual(['liquidationRejected alice STALE_PRICE']);
  });

  it('sends no plan order and takes no liquidation in a halted market, whose positions still count', () => {
    const h = longAlice();
    h.apply({ kind: 'riskPlan', plan: plan() });
    mark(h, '1775');
    h.apply({ kind: 'endBatch' });
    const halted = h.engine.reconfigured({ ...cfg, markets: cfg.markets.map((m) => (m.marketId === ETH_PERP ? { ...m, active: false } : m)) });
    expect(halted.riskReport(alice)!.maintenanceHealth).toBe(h.engine.riskReport(alice)!.maintenanceHealth);
    halted.apply({ kind: 'time', timestamp: T0 + 120n });
    expect(halted.apply({ kind: 'deRisk', subaccount: alice })).toEqual([expect.objectContaining({ kind: 'deRiskRejected', code: 'NOTHING_TO_REDUCE' })]);
    const liq = halted.apply({ kind: 'liquidate', requestId: 9n, liquidator: carol, subaccount: alice, marketId: ETH_PERP, amount: x('1') });
    expect(liq).toEqual([expect.objectContaining({ kind: 'liquidationRejected', code: 'UNKNOWN_MARKET' })]);
  });

  it('takes a bankrupt account whole; the fund absorbs the deficit once nothing is left', () => {
    const h = longAlice();
    h.fund(fundAccount, { USDC: '1000' });
    mark(h, '1700'); // equity −102
    h.apply({ kind: 'liquidate', requestId: 1n, liquidator: carol, subaccount: alice, marketId: ETH_PERP, amount: x('2') });
    expect(h.brief()).toEqual(['liquidated alice by carol 3 2 for 3366 fund 17']);
    // the closed position realizes at the batch's end: absorb waits for it
    expect(h.brief(h.apply({ kind: 'absorb', subaccount: alice }))).toEqual(['absorbRejected alice NOT_BANKRUPT']);
    h.apply({ kind: 'endBatch' });
    expect(h.engine.balance(alice, USDC)).toBe(x('-136'));
    expect(h.engine.dueSteps()).toEqual([{ kind: 'absorb', subaccount: alice }]);
    const fund = h.engine.balance(fundAccount, USDC);
    expect(h.brief(h.apply({ kind: 'absorb', subaccount: alice }))).toEqual(['absorbed alice deficit 136']);
    h.apply({ kind: 'endBatch' });
    expect(h.engine.balances(alice)).toEqual([]);
    expect(h.engine.balance(fundAccount, USDC)).toBe(fund - x('136'));
    expect(h.brief(h.apply({ kind: 'absorb', subaccount: bob }))).toEqual(['absorbRejected bob NOT_BANKRUPT']);
  });
});

describe('auto-deleveraging', () => {
  /** Alice bankrupt at 1,700 after buying 1.5 from bob (100,000 USDC) and 0.5 from carol (1,000 USDC). */
  function bankrupt(): Harness {
    const h = new Harness({}, cfg);
    h.time(T0);
    mark(h, '2000');
    h.fund(alice, { USDC: '500' }).fund(bob, { USDC: '100000' }).fund(carol, { USDC: '1000' });
    h.place('S1', bob, 'sell', '2000', '1.5', P);
    h.place('S2', carol, 'sell', '2000', '0.5', P);
    h.place('B', alice, 'buy', '2000', '2', P);
    h.apply({ kind: 'endBatch' });
    mark(h, '1700');
    return h;
  }

  it('closes the position against the most profitable, most leveraged first, leaving equity at zero', () => {
    const h = bankrupt();
    expect(h.engine.riskReport(alice)!.equity).toBe(x('-102'));
    expect(h.engine.dueSteps()).toEqual([{ kind: 'deleverage', subaccount: alice, marketId: ETH_PERP }]);
    h.apply({ kind: 'deleverage', subaccount: alice, marketId: ETH_PERP });
    // 3,400 + 102 for 2: carol (150 on 850 with 1,150 of equity) before bob (450 on 2,550 with 100,450)
    expect(h.brief()).toEqual(['deleveraged alice vs carol 3 0.5 for 875.5', 'deleveraged alice vs bob 3 1.5 for 2626.5']);
    expect(h.engine.riskReport(alice)!.equity).toBe(0n);
    h.apply({ kind: 'endBatch' });
    expect(h.engine.positions(alice)).toEqual([]);
    expect(h.engine.position(carol, ETH_PERP).size).toBe(0n);
    expect(h.engine.position(bob, ETH_PERP).size).toBe(0n);
    expect(h.engine.balance(alice, USDC)).toBe(0n);
  });

  it('skips a counterparty the close at the bankruptcy price would leave below maintenance', () => {
    // dave: short 3 ETH-PERP against 3 WETH bought on a loan, 700 USDC of his own — hedged and
    // highly levered, so first in the ranking; taking over alice's long at her bankruptcy price
    // (1,751 with the index at 1,300) would cost him 902 against the index and sink him
    const h = new Harness({}, cfg);
    h.time(T0);
    for (const m of [ETH, ETH_PERP]) h.apply({ kind: 'oracle', marketId: m, price: x('2000') });
    h.fund(alice, { USDC: '500' }).fund(bob, { USDC: '100000' }).fund(carol, { USDC: '100000', WETH: '10' }).fund(dave, { USDC: '700' });
    h.place('S', bob, 'sell', '2000', '2', P);
    h.place('B', alice, 'buy', '2000', '2', P);
    h.place('DB', bob, 'buy', '2000', '3', P);
    h.place('DS', dave, 'sell', '2000', '3', P);
    h.place('SW', carol, 'sell', '2000', '3');
    h.place('BW', dave, 'buy', '2000', '3');
    h.place('CS', carol, 'sell', '2000', '1', P);
    h.place('CB', bob, 'buy', '2000', '1', P); // alice long 2; bob long 2; dave short 3, carol short 1
    h.apply({ kind: 'endBatch' });
    expect(h.engine.position(dave, ETH_PERP).size).toBe(-x('3'));
    expect(h.engine.balance(dave, WETH)).toBe(x('3'));
    for (const m of [ETH, ETH_PERP]) h.apply({ kind: 'oracle', marketId: m, price: x('1300') });
    expect(h.engine.riskReport(alice)!.equity).toBeLessThan(0n);
    h.apply({ kind: 'deleverage', subaccount: alice, marketId: ETH_PERP });
    // dave ranks first but is skipped; carol, short 1, takes what she holds
    expect(h.brief().map((e) => e.split(' ').slice(0, 4).join(' '))).toEqual(['deleveraged alice vs carol']);
    expect(h.engine.riskReport(dave)!.maintenanceHealth).toBeGreaterThanOrEqual(0n);
    expect(h.engine.riskReport(carol)!.maintenanceHealth).toBeGreaterThanOrEqual(0n);
  });

  it('waits while the insurance fund can cover the deficit', () => {
    const h = bankrupt();
    h.fund(fundAccount, { USDC: '102' });
    expect(h.engine.dueSteps()).toEqual([]);
    expect(h.brief(h.apply({ kind: 'deleverage', subaccount: alice, marketId: ETH_PERP }))).toEqual(['deleverageRejected alice INSURANCE_AVAILABLE']);
    expect(h.brief(h.apply({ kind: 'deleverage', subaccount: bob, marketId: ETH_PERP }))).toEqual(['deleverageRejected bob NOT_BANKRUPT']);
  });
});
