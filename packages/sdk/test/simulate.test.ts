/**
 * The what-if against the engine itself: the same trades applied to a core Engine (which the
 * differential test holds equal to the contract) give the same health, tier and explanation.
 */
import { describe, expect, it } from 'vitest';
import {
  Engine,
  formatX18,
  makeSubaccount,
  orderHash,
  parseX18,
  domainSeparator,
  encodeFlags,
  fundingOwed,
  type EngineConfig,
  type Hex,
  type Order,
} from '@kestrel/core';
import { whatIf, type SimulateAction } from '../src/actions/simulate.js';
import { marketToWire, type AccountResponse, type MarketWire, type RiskResponse } from '@kestrel/api';

const x = parseX18;
const alice = makeSubaccount('0xa11ce00000000000000000000000000000000001', 'main');
const bob = makeSubaccount('0xb0b0000000000000000000000000000000000002', 'main');
const DOMAIN = domainSeparator({ name: 'Kestrel', version: '1', chainId: 1n, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' });
const config: EngineConfig = {
  assets: [
    { assetId: 0, symbol: 'USDC', decimals: 6 },
    { assetId: 1, symbol: 'WETH', decimals: 18, riskGroup: 1, priceMarketId: 1 },
  ],
  markets: [
    {
      marketId: 1,
      symbol: 'WETH/USDC',
      kind: 'SPOT',
      baseAssetId: 1,
      quoteAssetId: 0,
      tickSize: x('0.01'),
      lotSize: x('0.001'),
      minSize: x('0.001'),
      makerFee: 0n,
      takerFee: x('0.0005'),
    },
    {
      marketId: 3,
      symbol: 'ETH-PERP',
      kind: 'PERP',
      baseAssetId: 1,
      quoteAssetId: 0,
      tickSize: x('0.01'),
      lotSize: x('0.001'),
      minSize: x('0.001'),
      makerFee: 0n,
      takerFee: x('0.0005'),
      riskGroup: 1,
      concIM: x('0.05'),
      concThreshold: x('5000'),
    },
  ],
  feeSubaccount: makeSubaccount('0xfee0000000000000000000000000000000000005', 'fees'),
  risk: { groups: [{ groupId: 1, shockIM: x('0.1'), basisIM: x('0.02') }], pnlWeight: x('0.5') },
};
const markets: MarketWire[] = config.markets.map(marketToWire);
const risk: RiskResponse = {
  pnlWeight: '0.5',
  backstopRatio: '0.5',
  groups: [{ groupId: 1, shockIM: '0.1', basisIM: '0.02', shockMM: '0.05', basisMM: '0.01' }],
  assets: [{ assetId: 1, riskGroup: 1, priceMarketId: 1 }],
  perps: [{ marketId: 3, riskGroup: 1, concIM: '0.05', concMM: '0.025', concThreshold: '5000' }],
  prices: [],
  deRisk: {
    maxGraceSeconds: '900',
    defaultGraceSeconds: '300',
    defaultSlippageBps: 100,
    planBuffer: '0.1',
    liquidationDiscount: '0.01',
    insuranceShare: '0.5',
  },
};

let nonce = 1n;
function trade(e: Engine, marketId: number, takerBuys: boolean, price: string, amount: string): void {
  const place = (who: Hex, isBuy: boolean, tif: 0 | 1): void => {
    const order: Order = {
      subaccount: who,
      marketId,
      isBuy,
      price: x(price),
      amount: x(amount),
      nonce: nonce++,
      expiry: tif === 1 ? e.now + 60n : 0n,
      flags: encodeFlags({ timeInForce: tif }),
      clientId: 0n,
    };
    e.apply({ kind: 'place', order, hash: orderHash(DOMAIN, order) });
  };
  place(bob, !takerBuys, 0);
  place(alice, takerBuys, 1);
}

/** The account view and prices the node would serve, read from the engine. */
function served(e: Engine): { account: AccountResponse; risk: RiskResponse } {
  const account = {
    subaccount: alice,
    balances: e.balances(alice).map(([assetId, b]) => ({ assetId, symbol: '', balance: formatX18(b) })),
    positions: e.positions(alice).map((p) => ({
      marketId: p.marketId,
      symbol: '',
      size: formatX18(p.size),
      vQuote: formatX18(p.vQuote),
      lastCumFunding: formatX18(p.lastCumFunding),
      fundingOwed: formatX18(fundingOwed(p.size, p.lastCumFunding, e.cumFunding(p.marketId))),
      indexPrice: null,
      unrealizedPnl: null,
    })),
  } as unknown as AccountResponse;
  return { account, risk: { ...risk, prices: [1, 3].map((m) => ({ marketId: m, price: formatX18(e.oraclePrice(m)!) })) } };
}

function setUp(): Engine {
  const e = new Engine(config);
  e.apply({ kind: 'time', timestamp: 1000n });
  for (const m of [1, 3]) e.apply({ kind: 'oracle', marketId: m, price: x('2000') });
  e.apply({ kind: 'deposit', requestId: 1n, subaccount: alice, assetId: 0, amount: x('5000') });
  e.apply({ kind: 'deposit', requestId: 2n, subaccount: bob, assetId: 0, amount: x('10000000') });
  e.apply({ kind: 'deposit', requestId: 3n, subaccount: bob, assetId: 1, amount: x('1000') });
  trade(e, 3, true, '2000', '10'); // alice long 10 ETH-PERP
  e.apply({ kind: 'time', timestamp: 4600n }); // an hour later
  e.apply({ kind: 'funding', marketId: 3, rate: x('0.001') }); // alice owes funding, not yet settled
  for (const m of [1, 3]) e.apply({ kind: 'oracle', marketId: m, price: x('2150') }); // and is in profit
  e.apply({ kind: 'endBatch' });
  return e;
}

describe('whatIf', () => {
  const cases: Array<[string, SimulateAction[], (e: Engine) => void]> = [
    ['nothing', [], () => undefined],
    [
      'closes part of a winning perp (realizes PnL)',
      [{ kind: 'trade', marketId: 3, side: 'sell', amount: '4', price: '2150' }],
      (e) => trade(e, 3, false, '2150', '4'),
    ],
    [
      'adds a spot hedge bought with a loan',
      [{ kind: 'trade', marketId: 1, side: 'buy', amount: '6', price: '2149.5' }],
      (e) => trade(e, 1, true, '2149.5', '6'),
    ],
    [
      'flips the perp past the concentration threshold',
      [{ kind: 'trade', marketId: 3, side: 'sell', amount: '14', price: '2150' }],
      (e) => trade(e, 3, false, '2150', '14'),
    ],
  ];
  for (const [name, actions, apply] of cases) {
    it(`${name}: the engine's numbers after the batch`, () => {
      const e = setUp();
      const { account, risk: r } = served(e);
      const sim = whatIf(account, r, markets, actions);
      expect(sim.before).toEqual(e.riskReport(alice));
      const before = e.initialHealth(alice)!;
      apply(e);
      const checked = e.initialHealth(alice)!; // the contract's check: before the batch realizes
      e.apply({ kind: 'endBatch' });
      expect(sim.after).toEqual(e.riskReport(alice));
      expect(sim.allowed).toBe(checked >= 0n || checked >= before);
    });
  }

  it('refuses what the margin check would refuse', () => {
    const e = setUp();
    const { account, risk: r } = served(e);
    expect(whatIf(account, r, markets, [{ kind: 'trade', marketId: 3, side: 'buy', amount: '40', price: '2150' }]).allowed).toBe(false);
    expect(whatIf(account, r, markets, [{ kind: 'withdraw', assetId: 0, amount: '100000' }]).allowed).toBe(false);
    expect(whatIf(account, r, markets, [{ kind: 'deposit', assetId: 0, amount: '1' }]).allowed).toBe(true);
  });
});
