import { describe, expect, it } from 'vitest';
import { Engine, makeSubaccount, orderHash, parseX18 as x, type EngineConfig, type Hex, type Order } from '@kestrel/core';
import { accountView } from '../../src/api/account-view.js';

const alice = makeSubaccount('0x1111111111111111111111111111111111111111', 'main') as Hex;
const bob = makeSubaccount('0x2222222222222222222222222222222222222222', 'main') as Hex;
const config: EngineConfig = {
  assets: [
    { assetId: 0, symbol: 'USDC', decimals: 6, lending: { baseRate: 0n, slope1: x('0.04'), slope2: x('0.6'), kink: x('0.8'), reserveFactor: x('0.1') } },
    { assetId: 1, symbol: 'WETH', decimals: 18 },
  ],
  markets: [
    {
      marketId: 3,
      symbol: 'ETH-PERP',
      kind: 'PERP',
      baseAssetId: 0,
      quoteAssetId: 0,
      tickSize: x('0.01'),
      lotSize: x('0.001'),
      minSize: x('0.001'),
      makerFee: 0n,
      takerFee: x('0.0005'),
    },
  ],
  feeSubaccount: makeSubaccount('0x3333333333333333333333333333333333333333', 'fees') as Hex,
};
const DOMAIN = `0x${'11'.repeat(32)}` as Hex;
let nonce = 0n;
const place = (e: Engine, subaccount: Hex, isBuy: boolean, price: string, amount: string): void => {
  const order: Order = { subaccount, marketId: 3, isBuy, price: x(price), amount: x(amount), nonce: nonce++, expiry: 0n, flags: 0, clientId: 7n };
  e.apply({ kind: 'place', order, hash: orderHash(DOMAIN, order) });
};

describe('the account view', () => {
  it('shows loans as negative balances, positions with funding owed and unrealized PnL, and every pool', () => {
    const e = new Engine(config, { allowBorrow: true });
    e.apply({ kind: 'time', timestamp: 1000n });
    e.apply({ kind: 'oracle', marketId: 3, price: x('2000') }); // the perp's funding clock starts
    e.apply({ kind: 'time', timestamp: 4600n }); // an hour later
    e.apply({ kind: 'deposit', requestId: 1n, subaccount: bob, assetId: 0, amount: x('500') });
    place(e, bob, false, '2000', '1');
    place(e, alice, true, '2000', '1'); // alice long 1 at 2000 with no money: her 1 USDC fee is a loan
    e.apply({ kind: 'endBatch' });
    e.apply({ kind: 'funding', marketId: 3, rate: x('0.001') }); // an hour of +2 per ETH: alice owes 2
    e.apply({ kind: 'oracle', marketId: 3, price: x('2100') });
    const view = accountView(e, config, alice);
    expect(view.balances).toEqual([{ assetId: 0, symbol: 'USDC', balance: '-1' }]);
    expect(view.positions).toEqual([
      { marketId: 3, symbol: 'ETH-PERP', size: '1', vQuote: '-2000', lastCumFunding: '0', fundingOwed: '2', indexPrice: '2100', unrealizedPnl: '98' },
    ]);
    expect(view.lending.map((l) => [l.symbol, l.totalSupply, l.totalBorrow])).toEqual([
      ['USDC', '501', '1'], // bob's 500 and the fee subaccount's 1; alice's loan
      ['WETH', '0', '0'],
    ]);
    const usdc = view.lending[0]!;
    expect(x(usdc.utilization)).toBe((x('1') * x('1')) / x('501'));
    expect(x(usdc.borrowRate)).toBe((x('0.04') * x(usdc.utilization)) / x('0.8'));
    expect(view.lending[1]!.borrowRate).toBe('0'); // no curve: no interest
    expect(view.openOrders).toEqual([]);
    expect(view.health).toBeNull(); // no risk parameters: no margin picture
    expect(accountView(e, config, bob).positions[0]).toMatchObject({ size: '-1', fundingOwed: '-2', unrealizedPnl: '-98' });
  });

  it('shows the risk picture: both healths, the tier, and per group its share and liquidation move', () => {
    const risky: EngineConfig = {
      ...config,
      markets: config.markets.map((m) => ({ ...m, riskGroup: 1 })),
      risk: { groups: [{ groupId: 1, shockIM: x('0.1'), basisIM: x('0.02') }], pnlWeight: x('0.5') },
    };
    const e = new Engine(risky);
    e.apply({ kind: 'time', timestamp: 1000n });
    for (const who of [alice, bob]) e.apply({ kind: 'deposit', requestId: 1n, subaccount: who, assetId: 0, amount: x('500') });
    e.apply({ kind: 'oracle', marketId: 3, price: x('2000') });
    place(e, bob, false, '2000', '1');
    place(e, alice, true, '2000', '1'); // long 1 with 499 after the fee: R_IM 200, R_MM 100
    e.apply({ kind: 'endBatch' });
    const view = accountView(e, risky, alice);
    expect(view.initialHealth).toBe('299');
    expect(view.health).toEqual({
      equity: '499',
      requirementIM: '200',
      requirementMM: '100',
      initialHealth: '299',
      maintenanceHealth: '399',
      tier: 'healthy',
      groups: [{ groupId: 1, net: '2000', gross: '2000', requirementIM: '200', requirementMM: '100', priceMoveToZero: '-0.21' }],
    });
  });
});
