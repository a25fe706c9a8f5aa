/**
 * A basis trade on one Kestrel account: long spot WETH, bought with borrowed USDC, and short the
 * same amount of ETH-PERP. The two legs cancel each other's price risk, and the portfolio margin
 * sees that: the pair needs only the basis charge, a fraction of what either leg needs alone. What
 * is left is the carry — funding the short receives while the perp trades above the index, less
 * the interest on the loan.
 *
 * Nothing is sent before a what-if (`simulate`) has said the account can carry each step: the
 * spot leg alone first (it settles in a batch of its own, before the hedge exists), then both.
 */
import {
  formatUnitsExact,
  marketOrderLimit,
  parseUnitsExact,
  type AccountResponse,
  type KestrelClient,
  type MarketWire,
  type PlaceMarketOrderReturnType,
  type SimulateReturnType,
} from '@kestrel/sdk';
import type { Hex } from 'viem';

export interface BasisTradeOptions {
  /** the spot market bought and the perp sold: one underlying, so they offset in one risk group */
  spot: string;
  perp: string;
  /** base amount of each leg, decimal string */
  amount: string;
  subaccountName: string;
  /** USDC to deposit into the subaccount first (none: trade on what it holds) */
  deposit?: string | undefined;
  /** how far past the best price each leg may fill, in basis points */
  slippageBps: number;
}

export const DEFAULT_OPTIONS: BasisTradeOptions = {
  spot: 'WETH/USDC',
  perp: 'ETH-PERP',
  amount: '10',
  subaccountName: 'basis',
  deposit: '2500',
  slippageBps: 50,
};

/** The what-if of one step, as the trade judged it. */
export interface WhatIf {
  legs: 'spot' | 'spot+perp';
  allowed: boolean;
  /** initial health, its requirement and tier afterwards, decimal strings (null: the node could not price the account) */
  initialHealth: string | null;
  requirementIM: string | null;
  tier: string | null;
}

export type BasisTradeEvent =
  | { type: 'deposited'; amount: string }
  | { type: 'whatIf'; whatIf: WhatIf }
  | { type: 'refused'; reason: string }
  | { type: 'leg'; leg: 'spot' | 'perp'; orderHash: Hex; side: 'buy' | 'sell'; limit: string; filled: string }
  | { type: 'opened'; spotBalance: string; quoteBalance: string; perpSize: string; initialHealth: string | null; maintenanceHealth: string | null };

export type BasisTradeResult = { opened: true; account: AccountResponse } | { opened: false; reason: string };

const X18 = 18;

/** Opens the trade, or explains why not; every step is reported through `onEvent`. */
export async function openBasisTrade(
  client: KestrelClient,
  options: BasisTradeOptions,
  onEvent: (e: BasisTradeEvent) => void = () => {},
): Promise<BasisTradeResult> {
  const { subaccountName } = options;
  const markets = await client.getMarkets();
  const spot = markets.find((m) => m.symbol === options.spot && m.kind === 'SPOT');
  const perp = markets.find((m) => m.symbol === options.perp && m.kind === 'PERP');
  if (spot === undefined || perp === undefined) return refuse(onEvent, `no spot market ${options.spot} or perp ${options.perp} here`);
  if (spot.baseAssetId !== perp.baseAssetId) return refuse(onEvent, `${options.spot} and ${options.perp} are not on the same asset: they would not hedge`);

  if (options.deposit !== undefined) {
    const before = balance(await client.getAccount({ subaccountName }), spot.quoteAssetId);
    await client.deposit({ assetId: spot.quoteAssetId, amount: options.deposit, subaccountName });
    // the deposit moves the tokens at once, but the account is credited by the next batch: a
    // what-if before that would judge the trade against the old balance
    const want = before + parseUnitsExact(options.deposit, X18, 'deposit');
    await poll(
      () => client.getAccount({ subaccountName }),
      (a) => balance(a, spot.quoteAssetId) >= want,
      'the deposit credited',
    );
    onEvent({ type: 'deposited', amount: options.deposit });
  }

  // The what-if prices each leg at the worst price its order accepts, not at the index: if the
  // account can carry the trade filled that badly, it can carry whatever better fill it gets.
  const [spotBook, perpBook] = await Promise.all([client.getBook({ market: spot, depth: 1 }), client.getBook({ market: perp, depth: 1 })]);
  const bestAsk = spotBook.asks[0]?.[0];
  const bestBid = perpBook.bids[0]?.[0];
  if (bestAsk === undefined || bestBid === undefined)
    return refuse(onEvent, `no ${bestAsk === undefined ? `asks in ${spot.symbol}` : `bids in ${perp.symbol}`} to trade against`);
  const buyLimit = limitOf('buy', bestAsk, spot, options.slippageBps);
  const sellLimit = limitOf('sell', bestBid, perp, options.slippageBps);
  const buy = { kind: 'trade', marketId: spot.marketId, side: 'buy', amount: options.amount, price: buyLimit } as const;
  const sell = { kind: 'trade', marketId: perp.marketId, side: 'sell', amount: options.amount, price: sellLimit } as const;

  const spotAlone = judge('spot', await client.simulate({ subaccountName, actions: [buy] }));
  onEvent({ type: 'whatIf', whatIf: spotAlone });
  const both = judge('spot+perp', await client.simulate({ subaccountName, actions: [buy, sell] }));
  onEvent({ type: 'whatIf', whatIf: both });
  if (!spotAlone.allowed) {
    return refuse(
      onEvent,
      `the account cannot carry ${options.amount} ${spot.symbol} unhedged until the short lands (initial health after: ${spotAlone.initialHealth})`,
    );
  }
  if (!both.allowed || both.initialHealth === null || decimal(both.initialHealth) <= 0n) {
    return refuse(onEvent, `the hedged position would leave initial health at ${both.initialHealth}`);
  }

  // Borrow and buy: on Kestrel a loan is not a separate step. Buying with more USDC than the
  // account holds borrows the rest from the USDC pool, at its rate, against the whole account.
  const bought = await takeAll(
    client,
    { market: spot, side: 'buy', amount: options.amount, subaccountName, slippageBps: options.slippageBps },
    'spot',
    onEvent,
  );
  if (bought === 0n) return refuse(onEvent, `nothing of ${spot.symbol} filled within ${options.slippageBps} bps`);
  // hedge what was bought, not what was asked for: a partly filled spot leg gets a short of the same size
  const sold = await takeAll(client, { market: perp, side: 'sell', amount: fmt(bought), subaccountName, slippageBps: options.slippageBps }, 'perp', onEvent);
  if (sold !== bought) {
    // an unhedged remainder is a naked position the what-if never approved: say so loudly
    return refuse(onEvent, `only ${fmt(sold)} of ${fmt(bought)} ${perp.symbol} sold: the trade is not hedged`);
  }

  const account = await client.getAccount({ subaccountName });
  onEvent({
    type: 'opened',
    spotBalance: fmt(balance(account, spot.baseAssetId)),
    quoteBalance: fmt(balance(account, spot.quoteAssetId)),
    perpSize: account.positions.find((p) => p.marketId === perp.marketId)?.size ?? '0',
    initialHealth: account.health?.initialHealth ?? null,
    maintenanceHealth: account.health?.maintenanceHealth ?? null,
  });
  return { opened: true, account };
}

/**
 * Market orders (IOC) until `amount` has filled, at most three tries: an IOC takes what the book
 * shows within the slippage and the rest is cancelled, so a thin book can need another pass.
 * Waits for settlement on chain, so the next leg is judged against what really happened.
 */
async function takeAll(
  client: KestrelClient,
  p: { market: MarketWire; side: 'buy' | 'sell'; amount: string; subaccountName: string; slippageBps: number },
  leg: 'spot' | 'perp',
  onEvent: (e: BasisTradeEvent) => void,
): Promise<bigint> {
  const want = parseUnitsExact(p.amount, X18, 'amount');
  let filled = 0n;
  for (let attempt = 0; attempt < 3 && filled < want; attempt++) {
    let placed: PlaceMarketOrderReturnType;
    try {
      placed = await client.placeMarketOrder({ ...p, amount: fmt(want - filled) });
    } catch (err) {
      if ((err as { code?: string }).code === 'NO_LIQUIDITY') break;
      throw err;
    }
    const done = await client.waitForOrder({
      orderHash: placed.orderHash,
      until: (o) => o.status !== 'pending' && o.status !== 'open' && o.status !== 'partially_filled' && o.settlement !== 'pending',
      timeoutMs: 30_000,
    });
    const got = parseUnitsExact(done.filled, X18, 'filled');
    filled += got;
    onEvent({ type: 'leg', leg, orderHash: placed.orderHash, side: p.side, limit: fmt(placed.order.price), filled: done.filled });
    if (got === 0n) break;
  }
  return filled;
}

function judge(legs: WhatIf['legs'], r: SimulateReturnType): WhatIf {
  return {
    legs,
    allowed: r.allowed,
    initialHealth: r.after === null ? null : fmt(r.after.initialHealth),
    requirementIM: r.after === null ? null : fmt(r.after.requirementIM),
    tier: r.after?.tier ?? null,
  };
}

/** The limit `placeMarketOrder` will use, so the what-if and the order agree on the worst price. */
function limitOf(side: 'buy' | 'sell', best: string, market: MarketWire, slippageBps: number): string {
  return fmt(marketOrderLimit(side, parseUnitsExact(best, X18, 'price'), slippageBps, parseUnitsExact(market.tickSize, X18, 'tickSize')));
}

function refuse(onEvent: (e: BasisTradeEvent) => void, reason: string): BasisTradeResult {
  onEvent({ type: 'refused', reason });
  return { opened: false, reason };
}

export function balance(account: AccountResponse, assetId: number): bigint {
  const b = account.balances.find((x) => x.assetId === assetId)?.balance;
  return b === undefined ? 0n : decimal(b);
}

/** A signed X18 decimal string as the node writes it (a loan is a negative balance). */
export const decimal = (text: string): bigint => (text.startsWith('-') ? -parseUnitsExact(text.slice(1), X18, 'value') : parseUnitsExact(text, X18, 'value'));
const fmt = (v: bigint): string => (v < 0n ? `-${formatUnitsExact(-v, X18)}` : formatUnitsExact(v, X18));

async function poll<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
