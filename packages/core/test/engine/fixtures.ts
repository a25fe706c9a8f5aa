/**
 * Readable fixtures for engine tests: named traders, two spot markets, an order builder that
 * signs nothing but hashes exactly as the node does, and a small harness around Engine.
 */
import {
  Engine,
  RequestKind,
  domainSeparator,
  encodeFlags,
  makeSubaccount,
  orderHash,
  parseX18,
  type ChainRequest,
  type EngineConfig,
  type EngineEvent,
  type EngineInput,
  type EngineOptions,
  type Hex,
  type Order,
  type OrderFlags,
} from '../../src/index.js';

export const x = parseX18;

export const USDC = 0;
export const WETH = 1;
export const WBTC = 2;

/** WETH/USDC: tick 0.01, lot 0.001, min 0.001, maker −1 bp (rebate), taker 5 bp */
export const ETH = 1;
/** WBTC/USDC: tick 1, lot 0.0001, min 0.001, no fees */
export const BTC = 2;
/** ETH-PERP: tick 0.01, lot 0.001, min 0.001, maker 0, taker 5 bp */
export const ETH_PERP = 3;

export const owners = {
  alice: '0xa11ce00000000000000000000000000000000001',
  bob: '0xb0b0000000000000000000000000000000000002',
  carol: '0xca7010000000000000000000000000000000000c',
  dave: '0xda4e000000000000000000000000000000000004',
  fees: '0xfee0000000000000000000000000000000000005',
} as const;

export const alice = makeSubaccount(owners.alice, 'main');
/** same owner as alice: self-trade applies */
export const alice2 = makeSubaccount(owners.alice, 'hedge');
export const bob = makeSubaccount(owners.bob, 'main');
export const carol = makeSubaccount(owners.carol, 'main');
export const dave = makeSubaccount(owners.dave, 'main');
export const feeAccount = makeSubaccount(owners.fees, 'fees');
/** the insurance fund: by default the fee subaccount's owner, named `insurance` */
export const fundAccount = makeSubaccount(owners.fees, 'insurance');

export const names: Record<string, string> = {
  [alice]: 'alice',
  [alice2]: 'alice2',
  [bob]: 'bob',
  [carol]: 'carol',
  [dave]: 'dave',
  [feeAccount]: 'fees',
  [fundAccount]: 'fund',
};

export const config: EngineConfig = {
  assets: [
    { assetId: USDC, symbol: 'USDC', decimals: 6 },
    { assetId: WETH, symbol: 'WETH', decimals: 18 },
    { assetId: WBTC, symbol: 'WBTC', decimals: 8 },
  ],
  markets: [
    {
      marketId: ETH,
      symbol: 'WETH/USDC',
      kind: 'SPOT',
      baseAssetId: WETH,
      quoteAssetId: USDC,
      tickSize: x('0.01'),
      lotSize: x('0.001'),
      minSize: x('0.001'),
      makerFee: x('-0.0001'),
      takerFee: x('0.0005'),
    },
    {
      marketId: BTC,
      symbol: 'WBTC/USDC',
      kind: 'SPOT',
      baseAssetId: WBTC,
      quoteAssetId: USDC,
      tickSize: x('1'),
      lotSize: x('0.0001'),
      minSize: x('0.001'),
      makerFee: 0n,
      takerFee: 0n,
    },
    {
      marketId: ETH_PERP,
      symbol: 'ETH-PERP',
      kind: 'PERP',
      baseAssetId: WETH,
      quoteAssetId: USDC,
      tickSize: x('0.01'),
      lotSize: x('0.001'),
      minSize: x('0.001'),
      makerFee: 0n,
      takerFee: x('0.0005'),
    },
  ],
  feeSubaccount: feeAccount,
};

const GROUP_ETH = 1;
/** Portfolio margin on the fixtures: 10% shock on ETH exposure, 2% on hedged notional, positive uPnL at half */
export const marginConfig: EngineConfig = {
  ...config,
  assets: config.assets.map((a) => (a.assetId === WETH ? { ...a, riskGroup: GROUP_ETH, priceMarketId: ETH } : a)),
  markets: config.markets.map((m) => (m.marketId === ETH_PERP ? { ...m, riskGroup: GROUP_ETH } : m)),
  risk: { groups: [{ groupId: GROUP_ETH, shockIM: x('0.1'), basisIM: x('0.02') }], pnlWeight: x('0.5') },
};

export const DOMAIN = domainSeparator({
  name: 'Kestrel',
  version: '1',
  chainId: 31337n,
  verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
});

export type Tif = 'GTC' | 'IOC' | 'FOK' | 'POST_ONLY';
export type Stp = 'CANCEL_MAKER' | 'CANCEL_TAKER' | 'CANCEL_BOTH';
const TIF: Record<Tif, OrderFlags['timeInForce']> = { GTC: 0, IOC: 1, FOK: 2, POST_ONLY: 3 };
const STP: Record<Stp, OrderFlags['selfTrade']> = { CANCEL_MAKER: 0, CANCEL_TAKER: 1, CANCEL_BOTH: 2 };

export interface OrderOpts {
  market?: number;
  tif?: Tif;
  stp?: Stp;
  reduceOnly?: boolean;
  nonce?: bigint;
  expiry?: bigint;
  clientId?: bigint;
  flags?: number;
}

let autoNonce = 1_000n;

/** An order by `who`, `side` at `price` for `amount` (human decimal strings), and its hash. */
export function order(who: Hex, side: 'buy' | 'sell', price: string, amount: string, o: OrderOpts = {}): { order: Order; hash: Hex } {
  const ord: Order = {
    subaccount: who,
    marketId: o.market ?? ETH,
    isBuy: side === 'buy',
    price: x(price),
    amount: x(amount),
    nonce: o.nonce ?? autoNonce++,
    expiry: o.expiry ?? 0n,
    flags: o.flags ?? encodeFlags({ timeInForce: TIF[o.tif ?? 'GTC'], selfTrade: STP[o.stp ?? 'CANCEL_MAKER'], reduceOnly: o.reduceOnly ?? false }),
    clientId: o.clientId ?? 0n,
  };
  return { order: ord, hash: orderHash(DOMAIN, ord) };
}

/** A raw order with arbitrary X18 fields (for reject tests). */
export function rawOrder(fields: Partial<Order>): { order: Order; hash: Hex } {
  const ord: Order = {
    subaccount: alice,
    marketId: ETH,
    isBuy: true,
    price: x('100'),
    amount: x('1'),
    nonce: autoNonce++,
    expiry: 0n,
    flags: 0,
    clientId: 0n,
    ...fields,
  };
  let hash: Hex;
  try {
    hash = orderHash(DOMAIN, ord);
  } catch {
    hash = `0x${(autoNonce++).toString(16).padStart(64, 'f')}`; // unhashable (malformed) order
  }
  return { order: ord, hash };
}

/** Engine plus bookkeeping for readable tests. */
export class Harness {
  readonly engine: Engine;
  readonly log: EngineInput[] = [];
  readonly events: EngineEvent[] = [];
  readonly labels = new Map<Hex, string>();
  lastEvents: EngineEvent[] = [];
  private requestId = 0n;
  /** nonces for orders placed without one, so that the same steps give the same hashes */
  private nonce = 100n;

  constructor(options: EngineOptions = {}, cfg: EngineConfig = config) {
    this.engine = new Engine(cfg, options);
  }

  apply(input: EngineInput): EngineEvent[] {
    this.log.push(input);
    const ev = this.engine.apply(input);
    this.events.push(...ev);
    this.lastEvents = ev;
    return ev;
  }

  /** Deposits human amounts: fund(alice, {USDC: '1000', WETH: '2'}). */
  fund(who: Hex, amounts: Partial<Record<'USDC' | 'WETH' | 'WBTC', string>>): this {
    const ids = { USDC, WETH, WBTC };
    for (const [k, v] of Object.entries(amounts)) {
      this.apply({ kind: 'deposit', requestId: ++this.requestId, subaccount: who, assetId: ids[k as keyof typeof ids], amount: x(v) });
    }
    return this;
  }

  /**
   * Withdraws human amounts: after an order rests, it leaves the order unbacked (a resting order
   * is judged when it rests; a fill when it fills).
   */
  withdraw(who: Hex, amounts: Partial<Record<'USDC' | 'WETH' | 'WBTC', string>>): this {
    const ids = { USDC, WETH, WBTC };
    for (const [k, v] of Object.entries(amounts)) {
      this.apply({ kind: 'withdraw', requestId: ++this.requestId, subaccount: who, assetId: ids[k as keyof typeof ids], amount: x(v) });
    }
    return this;
  }

  /** Funds every named trader generously. */
  fundAll(): this {
    for (const who of [alice, alice2, bob, carol, dave]) this.fund(who, { USDC: '10000000', WETH: '10000', WBTC: '1000' });
    return this;
  }

  /** Places an order under a short label (used in {@link Harness.brief}); returns its hash. */
  place(label: string, who: Hex, side: 'buy' | 'sell', price: string, amount: string, o: OrderOpts = {}): Hex {
    // an IOC or FOK carries a short expiry, as the chain requires (MAX_TAKER_LIFETIME)
    const taker = o.tif === 'IOC' || o.tif === 'FOK';
    const expiry = taker && o.expiry === undefined && o.flags === undefined ? { expiry: this.engine.now + 60n } : {};
    const { order: ord, hash } = order(who, side, price, amount, { nonce: this.nonce++, ...expiry, ...o });
    this.labels.set(hash, label);
    this.lastEvents = this.apply({ kind: 'place', order: ord, hash });
    return hash;
  }

  /** Labels a hash placed by hand. */
  label(hash: Hex, label: string): void {
    this.labels.set(hash.toLowerCase() as Hex, label);
  }

  /** The hash placed under a label. */
  hashOf(label: string): Hex {
    for (const [h, l] of this.labels) if (l === label) return h;
    throw new Error(`no order labelled ${label}`);
  }

  /** Events as short strings with order labels; defaults to the last input's events. */
  brief(events: readonly EngineEvent[] = this.lastEvents): string[] {
    return brief(events, (h) => this.labels.get(h) ?? h.slice(0, 10));
  }

  time(t: bigint): EngineEvent[] {
    return this.apply({ kind: 'time', timestamp: t });
  }

  nextRequestId(): bigint {
    return ++this.requestId;
  }

  /** The book as human strings: { bids: ['100 x 1.5'], asks: [...] } */
  bookText(market = ETH, depth = 50): { bids: string[]; asks: string[] } {
    const v = this.engine.book(market, depth);
    const fmt = ([p, a]: [bigint, bigint]): string => `${fmtX(p)} x ${fmtX(a)}`;
    return { bids: v.bids.map(fmt), asks: v.asks.map(fmt) };
  }
}

export function fmtX(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const i = a / 10n ** 18n;
  const f = (a % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${i}${f ? `.${f}` : ''}`;
}

const n = (sub: Hex): string => names[sub] ?? sub;

/** Events reduced to short strings, for table assertions. */
export function brief(events: readonly EngineEvent[], hashName: (h: Hex) => string = (h) => h.slice(0, 8)): string[] {
  return events.map((e) => {
    switch (e.kind) {
      case 'accepted':
        return `accepted ${hashName(e.hash)}`;
      case 'rejected':
        return `rejected ${hashName(e.hash)} ${e.code}`;
      case 'fill':
        return `fill ${hashName(e.makerHash)}<-${hashName(e.takerHash)} ${fmtX(e.amount)}@${fmtX(e.price)}`;
      case 'cancelled':
        return `cancelled ${hashName(e.hash)} ${e.reason} ${fmtX(e.remaining)}`;
      case 'expired':
        return `expired ${hashName(e.hash)}`;
      case 'cancelRejected':
        return e.clientId !== undefined && e.hash === '0x' ? `cancelRejected clientId ${e.clientId} ${e.code}` : `cancelRejected ${hashName(e.hash)} ${e.code}`;
      case 'deposited':
        return `deposited ${names[e.subaccount] ?? e.subaccount} ${e.assetId} ${fmtX(e.amount)}`;
      case 'withdrawn':
        return `withdrawn ${names[e.subaccount] ?? e.subaccount} ${e.assetId} ${fmtX(e.amount)}`;
      case 'withdrawalRejected':
        return `withdrawalRejected ${names[e.subaccount] ?? e.subaccount} ${e.code}`;
      case 'minNonceSet':
        return `minNonceSet ${names[e.subaccount] ?? e.subaccount} ${e.minNonce}`;
      case 'oracleUpdated':
        return `oracle ${e.marketId} ${fmtX(e.price)}`;
      case 'linkedSignerSet':
        return `linkedSigner ${names[e.subaccount] ?? e.subaccount} ${e.signer} ${e.expiry}`;
      case 'fundingUpdated':
        return `funding ${e.marketId} ${fmtX(e.rate)} cum ${fmtX(e.cumFunding)}`;
      case 'interestAccrued':
        return `interest ${e.assetId} ${fmtX(e.interest)} reserve ${fmtX(e.reserve)}`;
      case 'riskPlanSet':
        return `riskPlanSet ${n(e.subaccount)} ${e.plan.nonce}`;
      case 'riskPlanRejected':
        return `riskPlanRejected ${n(e.subaccount)} ${e.code}`;
      case 'marginCall':
        return `marginCall ${n(e.subaccount)} at ${e.at} until ${e.graceEnds}`;
      case 'marginCallCleared':
        return `marginCallCleared ${n(e.subaccount)}`;
      case 'deRiskOrder':
        return `deRiskOrder ${n(e.subaccount)} ${e.marketId} ${e.isBuy ? 'buy' : 'sell'} ${fmtX(e.amount)}@${fmtX(e.price)}`;
      case 'deRiskRejected':
        return `deRiskRejected ${n(e.subaccount)} ${e.code}`;
      case 'liquidated':
        return `liquidated ${n(e.subaccount)} by ${n(e.liquidator)} ${e.marketId} ${fmtX(e.amount)} for ${fmtX(e.quote)} fund ${fmtX(e.insuranceShare)}`;
      case 'liquidationRejected':
        return `liquidationRejected ${n(e.subaccount)} ${e.code}`;
      case 'absorbed':
        return `absorbed ${n(e.subaccount)} deficit ${fmtX(e.deficit)}`;
      case 'absorbRejected':
        return `absorbRejected ${n(e.subaccount)} ${e.code}`;
      case 'deleveraged':
        return `deleveraged ${n(e.subaccount)} vs ${n(e.counterparty)} ${e.marketId} ${fmtX(e.amount)} for ${fmtX(e.quote)}`;
      case 'deleverageRejected':
        return `deleverageRejected ${n(e.subaccount)} ${e.code}`;
      case 'configApplied':
        return `configApplied ${e.requestId}`;
      case 'configRefused':
        return `configRefused ${e.requestId} ${e.reason}`;
      default:
        return assertNever(e);
    }
  });
}

function assertNever(e: never): never {
  throw new Error(`an event brief does not know: ${JSON.stringify(e)}`);
}

/** A queued deposit as a batch takes it from the chain (`amount` a human decimal string). */
export function depositRequest(id: bigint, subaccount: Hex, assetId: number, amount: string): ChainRequest {
  return { id, kind: RequestKind.Deposit, subaccount, assetId, amount: x(amount), data: `0x${'0'.repeat(64)}` };
}
