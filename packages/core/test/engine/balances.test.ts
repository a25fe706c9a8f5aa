import { describe, expect, it } from 'vitest';
import { Engine, feeFor, mulX18, mulX18Up, parseX18, type EngineEvent, type Hex } from '../../src/index.js';
import { alice, bob, carol, config, dave, feeAccount, Harness, USDC, WBTC, WETH, x, BTC, ETH, fmtX } from './fixtures.js';

type Funds = Partial<Record<'USDC' | 'WETH' | 'WBTC', string>>;

interface BalanceCase {
  name: string;
  funds: Array<[Hex, Funds]>;
  steps: (h: Harness) => void;
  /** events of the last step */
  events: string[];
  /** balances afterwards, human units, omitted = not checked */
  balances?: Array<[Hex, Funds]>;
}

const cases: BalanceCase[] = [
  {
    name: 'an unfunded maker is removed and matching continues with the next',
    funds: [
      [bob, { WETH: '1' }],
      [carol, { WETH: '1' }],
      [alice, { USDC: '1000' }],
    ],
    steps: (h) => {
      h.place('S_bob', bob, 'sell', '100', '1');
      h.withdraw(bob, { WETH: '1' }); // rested backed, then left unbacked
      h.place('S_carol', carol, 'sell', '100', '1');
      h.place('T', alice, 'buy', '100', '1');
    },
    events: ['accepted T', 'cancelled S_bob INSUFFICIENT_BALANCE 1', 'fill S_carol<-T 1@100'],
  },
  {
    name: 'an unfunded taker stops and its GTC remainder is cancelled, the maker stays',
    funds: [
      [bob, { WETH: '1' }],
      [alice, { USDC: '50' }],
    ],
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '1');
      h.place('T', alice, 'buy', '100', '1');
    },
    events: ['accepted T', 'cancelled T INSUFFICIENT_BALANCE 1'],
  },
  {
    name: 'a taker running out after a fill stops there',
    funds: [
      [bob, { WETH: '1' }],
      [carol, { WETH: '1' }],
      [alice, { USDC: '150' }],
    ],
    steps: (h) => {
      h.place('S1', bob, 'sell', '100', '1');
      h.place('S2', carol, 'sell', '100', '1');
      h.place('T', alice, 'buy', '100', '2');
    },
    events: ['accepted T', 'fill S1<-T 1@100', 'cancelled T INSUFFICIENT_BALANCE 1'],
    balances: [[alice, { USDC: '49.95', WETH: '1' }]],
  },
  {
    name: 'a buyer with exactly quote + taker fee fills and ends at zero',
    funds: [
      [bob, { WETH: '1' }],
      [alice, { USDC: '100.05' }],
    ],
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '1');
      h.place('T', alice, 'buy', '100', '1');
    },
    events: ['accepted T', 'fill S<-T 1@100'],
    balances: [
      [alice, { WETH: '1' }],
      [bob, { USDC: '100.01' }],
      [feeAccount, { USDC: '0.04' }],
    ],
  },
  {
    name: 'a buyer one wei short of quote + fee is stopped',
    funds: [
      [bob, { WETH: '1' }],
      [alice, { USDC: '100.049999999999999999' }],
    ],
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '1');
      h.place('T', alice, 'buy', '100', '1', { tif: 'IOC' });
    },
    events: ['accepted T', 'cancelled T INSUFFICIENT_BALANCE 1'],
  },
  {
    name: 'a maker buyer pays quote less its rebate',
    funds: [
      // resting needs quote + the taker fee + a wei per lot for rounding: 100.05 and 1,000 wei
      [bob, { USDC: '100.06' }],
      [alice, { WETH: '1' }],
    ],
    steps: (h) => {
      h.place('B', bob, 'buy', '100', '1');
      h.place('T', alice, 'sell', '100', '1');
    },
    events: ['accepted T', 'fill B<-T 1@100'],
    balances: [
      [bob, { USDC: '0.07', WETH: '1' }],
      [alice, { USDC: '99.95' }],
      [feeAccount, { USDC: '0.04' }],
    ],
  },
  {
    name: 'a seller taker without the base stops',
    funds: [
      [bob, { USDC: '1000' }],
      [alice, { WETH: '0.5' }],
    ],
    steps: (h) => {
      h.place('B', bob, 'buy', '100', '1');
      h.place('T', alice, 'sell', '100', '1');
    },
    events: ['accepted T', 'cancelled T INSUFFICIENT_BALANCE 1'],
  },
  {
    name: 'a maker short of base for the full fill is removed even if it could cover part',
    funds: [
      [bob, { WETH: '1' }],
      [alice, { USDC: '1000' }],
    ],
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '1');
      h.withdraw(bob, { WETH: '0.5' });
      h.place('T', alice, 'buy', '100', '1');
    },
    events: ['accepted T', 'cancelled S INSUFFICIENT_BALANCE 1'],
  },
  {
    name: 'a maker that is funded for the smaller taker amount fills',
    funds: [
      [bob, { WETH: '1' }],
      [alice, { USDC: '1000' }],
    ],
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '1');
      h.withdraw(bob, { WETH: '0.5' });
      h.place('T', alice, 'buy', '100', '0.5');
    },
    events: ['accepted T', 'fill S<-T 0.5@100'],
  },
  {
    name: 'FOK with an unfunded taker is killed with no fill and no maker removed',
    funds: [
      [bob, { WETH: '2' }],
      [alice, { USDC: '150' }],
    ],
    steps: (h) => {
      h.place('S1', bob, 'sell', '100', '1');
      h.place('S2', bob, 'sell', '100', '1');
      h.place('T', alice, 'buy', '100', '2', { tif: 'FOK' });
    },
    events: ['accepted T', 'cancelled T FOK_UNFILLED 2'],
  },
  {
    name: 'FOK counts cumulative balance use of a maker with several orders',
    funds: [
      [bob, { WETH: '1.5' }],
      [carol, { WETH: '0.4' }],
      [alice, { USDC: '1000' }],
    ],
    steps: (h) => {
      h.place('S1', bob, 'sell', '100', '1');
      h.place('S2', bob, 'sell', '100', '1'); // bob has only 0.5 left after S1
      h.place('S3', carol, 'sell', '100', '0.4');
      // looked at one order at a time S2 seems funded (1.5 ≥ 1) and 1 + 1 + 0.4 ≥ 2 would pass
      h.place('T', alice, 'buy', '100', '2', { tif: 'FOK' });
    },
    events: ['accepted T', 'cancelled T FOK_UNFILLED 2'],
  },
  {
    name: 'FOK that fills despite an unfunded maker removes it on the way',
    funds: [
      [bob, { WETH: '1' }],
      [carol, { WETH: '2' }],
      [alice, { USDC: '1000' }],
    ],
    steps: (h) => {
      h.place('S1', bob, 'sell', '100', '1');
      h.withdraw(bob, { WETH: '1' });
      h.place('S2', carol, 'sell', '100', '2');
      h.place('T', alice, 'buy', '100', '2', { tif: 'FOK' });
    },
    events: ['accepted T', 'cancelled S1 INSUFFICIENT_BALANCE 1', 'fill S2<-T 2@100'],
  },
];

function expectBalances(h: Harness, name: string, want: Array<[Hex, Funds]>): void {
  const ids = { USDC, WETH, WBTC };
  for (const [who, funds] of want) {
    const got = Object.fromEntries(h.engine.balances(who).map(([a, v]) => [Object.keys(ids).find((k) => ids[k as keyof typeof ids] === a), fmtX(v)]));
    expect(got, `${name}: balances of ${who.slice(0, 10)}`).toEqual(funds);
  }
}

describe('pre-trade balance check', () => {
  it.each(cases)('$name', (c) => {
    const h = new Harness();
    for (const [who, f] of c.funds) h.fund(who, f);
    c.steps(h);
    expect(h.brief(), c.name).toEqual(c.events);
    if (c.balances) expectBalances(h, c.name, c.balances);
  });

  it('uses the pluggable risk hook: a custom check sees every proposed fill', () => {
    const seen: string[] = [];
    const h = new Harness({
      riskCheck: (view, fill) => {
        seen.push(`${fmtX(fill.amount)}@${fmtX(fill.price)} buyer quote ${fmtX(view.balance(fill.takerAccount, USDC))}`);
        return fill.amount > x('0.5') ? { party: 'taker', code: 'INSUFFICIENT_BALANCE' } : null;
      },
    });
    h.fund(alice, { USDC: '1000' }).fund(bob, { WETH: '0.5' }).fund(carol, { WETH: '1' });
    h.place('S1', bob, 'sell', '100', '0.5');
    h.place('S2', carol, 'sell', '100', '1');
    h.place('T', alice, 'buy', '100', '2', { tif: 'IOC' });
    expect(h.brief()).toEqual(['accepted T', 'fill S1<-T 0.5@100', 'cancelled T INSUFFICIENT_BALANCE 1.5']);
    expect(seen).toEqual(['0.5@100 buyer quote 1000', '1@100 buyer quote 949.975']);
  });
});

describe('fees', () => {
  it('charges the taker, rebates the maker and credits the fee account the difference', () => {
    const h = new Harness();
    h.fund(alice, { USDC: '5000' }).fund(bob, { WETH: '1' });
    h.place('S', bob, 'sell', '1850.25', '1', { clientId: 11n });
    h.place('T', alice, 'buy', '1900', '1', { clientId: 22n });
    const fill = h.lastEvents.find((e) => e.kind === 'fill') as Extract<EngineEvent, { kind: 'fill' }>;
    expect(fill).toEqual({
      kind: 'fill',
      marketId: ETH,
      makerHash: h.hashOf('S'),
      takerHash: h.hashOf('T'),
      maker: bob,
      taker: alice,
      takerIsBuy: true,
      price: x('1850.25'),
      amount: x('1'),
      quote: x('1850.25'),
      makerFee: x('-0.185025'),
      takerFee: x('0.925125'),
      makerClientId: 11n,
      takerClientId: 22n,
    });
    expectBalances(h, 'fees', [
      [alice, { USDC: '3148.824875', WETH: '1' }],
      [bob, { USDC: '1850.435025' }],
      [feeAccount, { USDC: '0.7401' }],
    ]);
  });

  interface FeeCase {
    name: string;
    quote: bigint;
    rate: bigint;
    fee: bigint;
  }
  const feeCases: FeeCase[] = [
    { name: 'exact charge', quote: x('100'), rate: x('0.0005'), fee: x('0.05') },
    { name: 'charge rounds up by one wei', quote: 3n, rate: x('0.5'), fee: 2n },
    { name: 'rebate rounds down in magnitude', quote: 3n, rate: x('-0.5'), fee: -1n },
    { name: 'tiny charge is at least one wei', quote: 1n, rate: x('0.0001'), fee: 1n },
    { name: 'tiny rebate is zero', quote: 1n, rate: x('-0.0001'), fee: 0n },
    { name: 'zero rate', quote: x('123.456'), rate: 0n, fee: 0n },
  ];
  it.each(feeCases)('feeFor: $name', ({ name, quote, rate, fee }) => {
    expect(feeFor(quote, rate), name).toBe(fee);
    expect(feeFor(quote, rate), name).toBe(rate >= 0n ? mulX18Up(quote, rate) : -mulX18(quote, -rate));
  });

  it('truncates the quote and rounds fees against the trader on an odd-sized market', () => {
    const odd = {
      ...config,
      markets: [
        {
          marketId: 9,
          symbol: 'ODD',
          kind: 'SPOT' as const,
          baseAssetId: WBTC,
          quoteAssetId: USDC,
          tickSize: 1_000_000n,
          lotSize: 1_000_000n,
          minSize: 0n,
          makerFee: x('-0.00013'),
          takerFee: x('0.00037'),
        },
      ],
    };
    const e = new Engine(odd);
    e.apply({ kind: 'deposit', requestId: 1n, subaccount: alice, assetId: USDC, amount: x('100') });
    e.apply({ kind: 'deposit', requestId: 2n, subaccount: bob, assetId: WBTC, amount: x('100') });
    const price = parseX18('1.234567890123');
    const amount = parseX18('2.000000000007');
    const sell = { subaccount: bob, marketId: 9, isBuy: false, price, amount, nonce: 1n, expiry: 0n, flags: 0, clientId: 0n };
    const buy = { ...sell, subaccount: alice, isBuy: true, nonce: 2n };
    e.apply({ kind: 'place', order: sell, hash: `0x${'01'.repeat(32)}` });
    const fill = e.apply({ kind: 'place', order: buy, hash: `0x${'02'.repeat(32)}` }).find((ev) => ev.kind === 'fill') as Extract<
      EngineEvent,
      { kind: 'fill' }
    >;
    // independent arithmetic: quote = floor(a·p / 1e18), taker fee = ceil(q·0.00037), rebate = floor(q·0.00013)
    const E = 10n ** 18n;
    const quote = (amount * price) / E;
    expect(quote * E).toBeLessThan(amount * price); // truncation actually happened
    const taker = (quote * x('0.00037') + E - 1n) / E;
    const rebate = (quote * x('0.00013')) / E;
    expect(fill).toMatchObject({ quote, takerFee: taker, makerFee: -rebate });
    expect(quote).toBe(2469135780254641975n);
    expect(e.balance(alice, USDC)).toBe(x('100') - quote - taker);
    expect(e.balance(bob, USDC)).toBe(quote + rebate);
    expect(e.balance(feeAccount, USDC)).toBe(taker - rebate);
    expect(e.balance(alice, USDC) + e.balance(bob, USDC) + e.balance(feeAccount, USDC)).toBe(x('100'));
  });

  it('a market without fees moves exactly the quote', () => {
    const h = new Harness();
    h.fund(alice, { USDC: '60000' }).fund(bob, { WBTC: '1' });
    h.place('S', bob, 'sell', '60000', '0.5', { market: BTC });
    h.place('T', alice, 'buy', '60000', '0.5', { market: BTC });
    expectBalances(h, 'no fees', [
      [alice, { USDC: '30000', WBTC: '0.5' }],
      [bob, { USDC: '30000', WBTC: '0.5' }],
      [feeAccount, {}],
    ]);
  });
});

describe('deposits and withdrawals', () => {
  interface AccountCase {
    name: string;
    steps: (h: Harness, id: () => bigint) => void;
    events: string[];
    after: Funds;
  }
  const accountCases: AccountCase[] = [
    {
      name: 'deposit credits',
      steps: (h, id) => h.apply({ kind: 'deposit', requestId: id(), subaccount: dave, assetId: USDC, amount: x('10') }),
      events: ['deposited dave 0 10'],
      after: { USDC: '10' },
    },
    {
      name: 'withdrawal within balance debits',
      steps: (h, id) => {
        h.fund(dave, { USDC: '10' });
        h.apply({ kind: 'withdraw', requestId: id(), subaccount: dave, assetId: USDC, amount: x('4') });
      },
      events: ['withdrawn dave 0 4'],
      after: { USDC: '6' },
    },
    {
      name: 'withdrawing everything leaves no balance entry',
      steps: (h, id) => {
        h.fund(dave, { USDC: '10', WETH: '1' });
        h.apply({ kind: 'withdraw', requestId: id(), subaccount: dave, assetId: USDC, amount: x('10') });
      },
      events: ['withdrawn dave 0 10'],
      after: { WETH: '1' },
    },
    {
      name: 'withdrawal above balance is rejected and changes nothing',
      steps: (h, id) => {
        h.fund(dave, { USDC: '10' });
        h.apply({ kind: 'withdraw', requestId: id(), subaccount: dave, assetId: USDC, amount: x('10.000000000000000001') });
      },
      events: ['withdrawalRejected dave INSUFFICIENT_BALANCE'],
      after: { USDC: '10' },
    },
    {
      name: 'withdrawal of an unknown asset is rejected',
      steps: (h, id) => {
        h.apply({ kind: 'withdraw', requestId: id(), subaccount: dave, assetId: 42, amount: 1n });
      },
      events: ['withdrawalRejected dave UNKNOWN_ASSET'],
      after: {},
    },
    {
      name: 'negative withdrawal is rejected as malformed',
      steps: (h, id) => {
        h.apply({ kind: 'withdraw', requestId: id(), subaccount: dave, assetId: USDC, amount: -1n });
      },
      events: ['withdrawalRejected dave MALFORMED'],
      after: {},
    },
  ];
  it.each(accountCases)('$name', (c) => {
    const h = new Harness();
    c.steps(h, () => h.nextRequestId());
    expect(h.brief(), c.name).toEqual(c.events);
    expectBalances(h, c.name, [[dave, c.after]]);
  });

  it('echoes request ids and amounts', () => {
    const h = new Harness();
    expect(h.apply({ kind: 'deposit', requestId: 77n, subaccount: dave, assetId: WETH, amount: 5n })).toEqual([
      { kind: 'deposited', requestId: 77n, subaccount: dave, assetId: WETH, amount: 5n },
    ]);
    expect(h.apply({ kind: 'withdraw', requestId: 78n, subaccount: dave, assetId: WETH, amount: 6n })).toEqual([
      { kind: 'withdrawalRejected', requestId: 78n, subaccount: dave, assetId: WETH, amount: 6n, code: 'INSUFFICIENT_BALANCE' },
    ]);
    expect(h.engine.balance(dave.toUpperCase().replace('0X', '0x') as Hex, WETH)).toBe(5n);
  });
});
