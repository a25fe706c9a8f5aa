import { describe, expect, it } from 'vitest';
import { Engine, ONE, type EngineConfig, type RateCurve } from '../../src/index.js';
import { Harness, USDC, WETH, alice, bob, carol, config, feeAccount, x } from './fixtures.js';

const curve: RateCurve = { baseRate: 0n, slope1: x('0.04'), slope2: x('0.6'), kink: x('0.8'), reserveFactor: x('0.1') };
const insurance = `0x${'ab'.repeat(20)}${'00'.repeat(12)}` as const;
const lendingConfig: EngineConfig = {
  ...config,
  assets: config.assets.map((a) => (a.assetId === USDC ? { ...a, lending: curve } : a)),
  insuranceSubaccount: insurance,
};
const YEAR = 31_536_000n;

/** alice supplies 1,000 USDC, bob borrows 800 of it by buying WETH he pays for on credit. */
function borrowed(): Harness {
  const h = new Harness({ allowBorrow: true }, lendingConfig);
  h.time(1n);
  h.fund(alice, { USDC: '1000', WETH: '10' });
  h.place('ask', alice, 'sell', '800', '1');
  h.place('bid', bob, 'buy', '800', '1'); // bob has no USDC: his balance goes to −800.4 (fee included)
  h.apply({ kind: 'endBatch' });
  return h;
}

describe('lending in the engine', () => {
  it('a purchase beyond the balance is a loan, and a year later its interest is owed, paid to the supplier and the fund', () => {
    const h = borrowed();
    const debt = h.engine.balance(bob, USDC);
    expect(debt).toBe(-x('800.4'));
    const before = h.engine.lending(USDC)!;
    expect(before.totalBorrow).toBe(x('800.4'));
    expect(before.utilization).toBe((x('800.4') * ONE) / before.totalSupply); // alice holds 1,000 + the 800 she was paid

    const events = h.time(1n + YEAR);
    const accrued = events.find((e) => e.kind === 'interestAccrued');
    expect(accrued).toMatchObject({ kind: 'interestAccrued', assetId: USDC });
    const interest = accrued!.kind === 'interestAccrued' ? accrued!.interest : 0n;
    const reserve = accrued!.kind === 'interestAccrued' ? accrued!.reserve : 0n;
    // U ≈ 0.444, below the kink: 4% · 0.444 / 0.8 ≈ 2.22% a year on 800.4
    expect(interest).toBeGreaterThan(x('17.7'));
    expect(interest).toBeLessThan(x('17.8'));
    expect(h.engine.balance(bob, USDC)).toBeLessThanOrEqual(debt - interest + 1n); // owed, rounded up
    expect(h.engine.balance(insurance, USDC)).toBe(reserve); // credited as a move of the new batch
    const view = h.engine.lending(USDC)!;
    expect(view.totalBorrow - before.totalBorrow).toBe(interest);
    expect(view.pool.borrowIndex).toBeGreaterThan(ONE);
    expect(view.pool.supplyIndex).toBeGreaterThan(ONE);
    // conservation: what accounts can claim never exceeds supply − borrow (+ the reserve still moving)
    const claims = [alice, bob, carol, feeAccount, insurance].reduce((sum, s) => sum + h.engine.balance(s, USDC), 0n);
    h.apply({ kind: 'endBatch' });
    const after = h.engine.lending(USDC)!;
    expect(claims).toBeLessThanOrEqual(after.totalSupply - after.totalBorrow);
  });

  it('an asset without a curve earns and costs nothing, and its moves still store exactly', () => {
    const h = new Harness({ allowBorrow: true }, lendingConfig);
    h.time(1n);
    h.fund(alice, { WETH: '5' });
    h.time(1n + YEAR);
    expect(h.engine.balance(alice, WETH)).toBe(x('5'));
    expect(h.engine.lending(WETH)!.pool.supplyIndex).toBe(ONE);
    expect(h.engine.lending(WETH)!.borrowRate).toBe(0n);
  });

  it('snapshot and restore mid-batch and after it: the same hash and the same future', () => {
    const h = borrowed();
    h.time(1n + YEAR / 2n);
    h.place('bid2', carol, 'buy', '700', '1'); // rests: carol has no funds but may borrow
    h.fund(carol, { USDC: '5' }); // a move still inside the batch
    const snap = h.engine.snapshot();
    const copy = Engine.restore(lendingConfig, snap, { allowBorrow: true });
    expect(copy.stateHash()).toBe(h.engine.stateHash());
    const rest: Parameters<Engine['apply']>[0][] = [{ kind: 'endBatch' }, { kind: 'time', timestamp: 1n + YEAR }, { kind: 'endBatch' }];
    for (const input of rest) {
      expect(copy.apply(input)).toEqual(h.engine.apply(input));
      expect(copy.stateHash()).toBe(h.engine.stateHash());
    }
    expect(copy.balances(bob)).toEqual(h.engine.balances(bob));
  });

  it('a restored balance reads at the pool’s restored indexes', () => {
    const h = borrowed();
    h.time(1n + YEAR);
    h.apply({ kind: 'endBatch' });
    const copy = Engine.restore(lendingConfig, JSON.parse(JSON.stringify(h.engine.snapshot())));
    expect(copy.scaledBalance(bob, USDC)).toBe(h.engine.scaledBalance(bob, USDC));
    expect(copy.lending(USDC)).toEqual(h.engine.lending(USDC));
    // a year of interest: the balance is not its scaled value
    expect(copy.balance(bob, USDC)).not.toBe(copy.scaledBalance(bob, USDC));
    expect(copy.balance(bob, USDC)).toBe(h.engine.balance(bob, USDC));
  });

  it('a withdrawal may take only the cash the pool holds: loans between accounts do not add to it', () => {
    const h = borrowed(); // 1,000 USDC deposited; alice holds ~1,800 after selling to bob, who owes 800.4
    h.time(2n);
    expect(h.engine.balance(alice, USDC)).toBeGreaterThan(x('1799'));
    // alice may not take out more than the 1,000 in the vault, whatever her balance
    h.apply({ kind: 'withdraw', requestId: 90n, subaccount: alice, assetId: USDC, amount: x('1000.01') });
    expect(h.lastEvents).toEqual([
      { kind: 'withdrawalRejected', requestId: 90n, subaccount: alice, assetId: USDC, amount: x('1000.01'), code: 'INSUFFICIENT_LIQUIDITY' },
    ]);
    h.apply({ kind: 'withdraw', requestId: 91n, subaccount: alice, assetId: USDC, amount: x('600') });
    expect(h.lastEvents[0]!.kind).toBe('withdrawn');
    // within the same batch the first withdrawal counts: 400 left
    h.apply({ kind: 'withdraw', requestId: 92n, subaccount: alice, assetId: USDC, amount: x('400.01') });
    expect(h.lastEvents[0]).toMatchObject({ kind: 'withdrawalRejected', code: 'INSUFFICIENT_LIQUIDITY' });
    // a deposit in the batch adds to it at once (a second of interest's reserve has already left)
    h.fund(carol, { USDC: '0.02' });
    h.apply({ kind: 'withdraw', requestId: 93n, subaccount: alice, assetId: USDC, amount: x('400.01') });
    expect(h.lastEvents[0]!.kind).toBe('withdrawn');
    h.apply({ kind: 'endBatch' });
    const left = h.engine.lending(USDC)!.totalSupply - h.engine.lending(USDC)!.totalBorrow;
    expect(left).toBeLessThanOrEqual(x('0.01'));
    expect(left).toBeGreaterThan(x('0.0099'));
  });

  it('refuses a config with a broken curve or an asset id past the limit', () => {
    expect(() => new Engine({ ...config, assets: [{ ...config.assets[0]!, lending: { ...curve, kink: 0n } }, ...config.assets.slice(1)] })).toThrow(/kink/);
    expect(() => new Engine({ ...config, assets: [...config.assets, { assetId: 256, symbol: 'X', decimals: 18 }] })).toThrow(/assetId/);
  });
});
