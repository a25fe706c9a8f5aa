/**
 * A two-sided quoting loop for one Kestrel market.
 *
 * The bot keeps one bid and one ask resting around the index price (the oracle price the
 * protocol margins with), replaces both when the index drifts or a quote fills, and limits its
 * inventory. Before it quotes anything it signs a risk plan: if a fast move puts its account in
 * margin call, it pulls its quotes and lets the plan — decided while calm — reduce the position
 * after the grace window, then goes back to quoting once the account is healthy again.
 */
import { formatUnitsExact, KestrelApiError, parseUnitsExact, type AccountResponse, type KestrelClient, type MarketWire } from '@kestrel/sdk';
import type { Hex } from 'viem';

export interface MarketMakerOptions {
  /** market to quote, e.g. 'ETH-PERP' or 'WETH/USDC' */
  symbol: string;
  /** the subaccount the bot trades from; give it one of its own, since it cancels every order it finds there in its market */
  subaccountName: string;
  /** base amount per side, decimal string */
  size: string;
  /** distance of each quote from the index, in basis points */
  halfSpreadBps: number;
  /** how far the index may drift from the price we quoted around before the quotes are replaced, in basis points */
  requoteBps: number;
  /** the most inventory (base, either direction) the bot accumulates from fills */
  maxInventory: string;
  /** the de-risking plan signed at start: worst price of a plan order (bps from the index), and the grace window in seconds */
  plan: { maxSlippageBps: number; graceSeconds: number };
  /** time between two looks at the account and the index, in ms */
  intervalMs: number;
}

export const DEFAULT_OPTIONS: MarketMakerOptions = {
  symbol: 'ETH-PERP',
  subaccountName: 'main',
  size: '1',
  halfSpreadBps: 25,
  requoteBps: 10,
  maxInventory: '5',
  plan: { maxSlippageBps: 200, graceSeconds: 120 },
  intervalMs: 250,
};

export interface Quote {
  orderHash: Hex;
  side: 'buy' | 'sell';
  price: string;
  amount: string;
}

export type MarketMakerEvent =
  | { type: 'plan'; nonce: string; marketOrder: number[]; maxSlippageBps: number; graceSeconds: number }
  | { type: 'quoted'; index: string; quotes: Quote[]; replaced: Hex[]; inventory: string }
  | { type: 'refused'; side: 'buy' | 'sell'; price: string; code: string }
  | { type: 'marginCall'; at: string; graceEnds: string; maintenanceHealth: string | null; inventory: string }
  | { type: 'recovered'; inventory: string }
  | { type: 'restricted'; initialHealth: string; inventory: string }
  | { type: 'error'; message: string }
  | { type: 'stopped'; cancelled: Hex[] };

const X18 = 18;
const BPS = 10_000n;

/**
 * Quotes until `signal` aborts, then cancels its quotes. Everything it does is reported through
 * `onEvent`, which is how `main()` logs and how a test checks it.
 */
export async function runMarketMaker(
  client: KestrelClient,
  options: MarketMakerOptions,
  { signal, onEvent = () => {} }: { signal: AbortSignal; onEvent?: (e: MarketMakerEvent) => void },
): Promise<void> {
  const { subaccountName } = options;
  const market = (await client.getMarkets()).find((m) => m.symbol === options.symbol);
  if (market === undefined) throw new Error(`no market ${options.symbol} on this node`);
  const tick = parseUnitsExact(market.tickSize, X18, 'tickSize');
  const lot = parseUnitsExact(market.lotSize, X18, 'lotSize');
  const minSize = parseUnitsExact(market.minSize, X18, 'minSize');
  const size = parseUnitsExact(options.size, X18, 'size');
  const maxInventory = parseUnitsExact(options.maxInventory, X18, 'maxInventory');

  // The plan comes first: a margin call can follow the very first fill, and a plan sent after
  // the flag would be judged under a market already moving against us.
  const plan = await client.setRiskPlan({
    subaccountName,
    marketOrder: [market.marketId],
    maxSlippageBps: options.plan.maxSlippageBps,
    graceSeconds: options.plan.graceSeconds,
  });
  // a plan takes effect only once a batch carries it: quoting before that would leave a window
  // in which the default plan (any market, the protocol's slippage) would apply
  await until(
    () => client.getAccount({ subaccountName }),
    (a) => a.riskPlan?.nonce === plan.plan.nonce.toString(),
    'the risk plan sequenced',
    signal,
  );
  onEvent({ type: 'plan', nonce: plan.plan.nonce.toString(), marketOrder: [...plan.plan.marketOrder], ...options.plan });

  // inventory is what fills added since we started: the account may hold the base asset for
  // other reasons (collateral on a spot market), and that is not ours to trade away
  const startExposure = exposure(await client.getAccount({ subaccountName }), market);
  // The node pushes a margin call on the account's stream the moment the flagging batch is
  // committed: it cuts the wait short, so the quotes come down at once rather than at the next look.
  let wake = new AbortController();
  const marginCalls = client.subscribeAccount({
    subaccountName,
    onAccount: () => {},
    onMarginCall: () => wake.abort(),
    onError: (err) => onEvent({ type: 'error', message: err.message }),
  });
  let quotes: Quote[] = [];
  // what we last meant to quote: a side the node refused (say, for margin) is not retried every
  // tick, only once the index or the inventory gives a reason to think it would now rest
  let attempted: Wanted[] = [];
  let quotedIndex: bigint | undefined;
  let inCall = false;
  let restricted = false;

  while (!signal.aborted) {
    try {
      const [account, risk] = await Promise.all([client.getAccount({ subaccountName }), client.getRisk()]);
      const indexText = risk.prices.find((p) => p.marketId === market.marketId)?.price;
      const mine = account.openOrders.filter((o) => o.marketId === market.marketId).map((o) => o.orderHash.toLowerCase() as Hex);
      const inventory = exposure(account, market) - startExposure;

      if (account.marginCall !== null) {
        if (!inCall) {
          onEvent({
            type: 'marginCall',
            at: account.marginCall.at,
            graceEnds: account.marginCall.graceEnds,
            maintenanceHealth: account.health?.maintenanceHealth ?? null,
            inventory: fmt(inventory),
          });
        }
        inCall = true;
        // Stand aside. A resting bid would add to the very exposure that caused the call, and one
        // in the plan's way would only be cancelled by it (self-trade prevention cancels the maker).
        if (mine.length > 0) await cancelAndWait(client, subaccountName, mine, signal);
        quotes = [];
        attempted = [];
        quotedIndex = undefined;
      } else {
        if (inCall) onEvent({ type: 'recovered', inventory: fmt(inventory) });
        inCall = false;
        const initialHealth = account.initialHealth === null ? null : decimal(account.initialHealth);
        if (initialHealth !== null && initialHealth < 0n) {
          // Restricted: out of margin call but below initial margin. The node rests no order of
          // an account in the red (each is judged as if everything filled), so quoting would only
          // collect refusals; wait for funds, or for the market to come back.
          if (!restricted) onEvent({ type: 'restricted', initialHealth: fmt(initialHealth), inventory: fmt(inventory) });
          restricted = true;
          quotes = [];
          attempted = [];
          quotedIndex = undefined;
        } else if (indexText !== undefined) {
          restricted = false;
          const index = parseUnitsExact(indexText, X18, 'index');
          const wanted = desiredQuotes(index, inventory, { size, maxInventory, tick, lot, minSize, halfSpreadBps: BigInt(options.halfSpreadBps) });
          const live = new Set(mine);
          // a quote missing from the book has filled (or was cancelled by someone else): either way the book no longer shows what we mean to show
          const intact = quotes.length === mine.length && quotes.every((q) => live.has(q.orderHash));
          const drifted = quotedIndex === undefined || abs(index - quotedIndex) * BPS > BigInt(options.requoteBps) * quotedIndex;
          const resized = !sameShape(attempted, wanted);
          if (!intact || drifted || resized) {
            if (mine.length > 0) await cancelAndWait(client, subaccountName, mine, signal);
            quotes = await place(client, subaccountName, market, wanted, onEvent);
            attempted = wanted;
            quotedIndex = index;
            onEvent({ type: 'quoted', index: indexText, quotes, replaced: mine, inventory: fmt(inventory) });
          }
        }
      }
    } catch (err) {
      if (signal.aborted) break;
      // one failed look (a node restarting, a request timing out) is no reason to stop quoting
      onEvent({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
    if (wake.signal.aborted) wake = new AbortController();
    await sleep(options.intervalMs, AbortSignal.any([signal, wake.signal]));
  }
  marginCalls.unsubscribe();

  // leave nothing resting behind: a quote nobody manages is a free option for everyone else
  const left = (await client.getAccount({ subaccountName })).openOrders.filter((o) => o.marketId === market.marketId).map((o) => o.orderHash);
  if (left.length > 0) await client.cancelOrders({ subaccountName, orderHashes: left });
  onEvent({ type: 'stopped', cancelled: left });
}

interface Wanted {
  side: 'buy' | 'sell';
  price: bigint;
  amount: bigint;
}

/**
 * One bid and one ask `halfSpreadBps` from the index, on the tick grid and away from the index
 * (never inside the spread we meant), each side shrunk so a fill cannot take the inventory past
 * its limit; a side left below the market's minimum size is not quoted.
 */
export function desiredQuotes(
  index: bigint,
  inventory: bigint,
  p: { size: bigint; maxInventory: bigint; tick: bigint; lot: bigint; minSize: bigint; halfSpreadBps: bigint },
): Wanted[] {
  const bid = ((index * (BPS - p.halfSpreadBps)) / BPS / p.tick) * p.tick;
  const askRaw = (index * (BPS + p.halfSpreadBps) + BPS - 1n) / BPS;
  const ask = ((askRaw + p.tick - 1n) / p.tick) * p.tick;
  const room = (r: bigint): bigint => {
    const a = r < p.size ? r : p.size;
    return a <= 0n ? 0n : (a / p.lot) * p.lot;
  };
  const out: Wanted[] = [];
  const bidAmount = room(p.maxInventory - inventory);
  const askAmount = room(p.maxInventory + inventory);
  if (bid > 0n && bidAmount >= p.minSize && bidAmount > 0n) out.push({ side: 'buy', price: bid, amount: bidAmount });
  if (askAmount >= p.minSize && askAmount > 0n) out.push({ side: 'sell', price: ask, amount: askAmount });
  return out;
}

function sameShape(a: readonly Wanted[], b: readonly Wanted[]): boolean {
  return a.length === b.length && b.every((w) => a.some((q) => q.side === w.side && q.amount === w.amount));
}

/**
 * Sends the quotes in one request and waits until the node has sequenced each, so the next look
 * at the account sees them. A side the account cannot back (every resting order needs margin,
 * as if it filled) is halved until it rests or falls below the market's minimum: a smaller quote
 * still earns the spread, and the node, not a guess here, says what the account can carry.
 */
async function place(
  client: KestrelClient,
  subaccountName: string,
  market: MarketWire,
  wanted: readonly Wanted[],
  onEvent: (e: MarketMakerEvent) => void,
): Promise<Quote[]> {
  if (wanted.length === 0) return [];
  const lot = parseUnitsExact(market.lotSize, X18, 'lotSize');
  const minSize = parseUnitsExact(market.minSize, X18, 'minSize');
  const params = (w: Wanted) => ({
    market,
    subaccountName,
    side: w.side,
    price: fmt(w.price),
    amount: fmt(w.amount),
    // a maker only: a quote that would cross the book is dropped rather than taking liquidity at a price we did not choose
    timeInForce: 'POST_ONLY' as const,
  });
  const first = await client.placeOrders({ orders: wanted.map(params) });
  const placed: Quote[] = [];
  for (const [i, r] of first.entries()) {
    let w = wanted[i]!;
    let answer: { orderHash: Hex } | { code: string } = 'error' in r ? { code: r.error.code } : { orderHash: r.orderHash };
    while ('code' in answer && answer.code === 'INSUFFICIENT_MARGIN') {
      const half = (w.amount / 2n / lot) * lot;
      if (half === 0n || half < minSize) break;
      w = { ...w, amount: half };
      try {
        answer = { orderHash: (await client.placeOrder(params(w))).orderHash };
      } catch (err) {
        if (!(err instanceof KestrelApiError)) throw err;
        answer = { code: err.code };
      }
    }
    if ('code' in answer) {
      onEvent({ type: 'refused', side: w.side, price: fmt(w.price), code: answer.code });
      continue;
    }
    const status = await client.waitForOrder({ orderHash: answer.orderHash, timeoutMs: 10_000 });
    if (status.status === 'open' || status.status === 'partially_filled') {
      placed.push({ orderHash: answer.orderHash.toLowerCase() as Hex, side: w.side, price: fmt(w.price), amount: fmt(w.amount) });
    } else {
      onEvent({ type: 'refused', side: w.side, price: fmt(w.price), code: status.rejectCode ?? status.cancelReason ?? status.status });
    }
  }
  return placed;
}

/**
 * Cancels and waits until the node's account view no longer lists the orders. Replacing only
 * after that matters: every resting order needs margin, and the old and new quotes together
 * could need more than the account has.
 */
async function cancelAndWait(client: KestrelClient, subaccountName: string, orderHashes: readonly Hex[], signal: AbortSignal): Promise<void> {
  await client.cancelOrders({ subaccountName, orderHashes });
  const gone = new Set(orderHashes.map((h) => h.toLowerCase()));
  await until(
    () => client.getAccount({ subaccountName }),
    (a) => !a.openOrders.some((o) => gone.has(o.orderHash.toLowerCase())),
    'the cancelled quotes off the book',
    signal,
  );
}

/** The account's exposure in the market: the perp position, or on a spot market the base asset balance. */
export function exposure(account: AccountResponse, market: MarketWire): bigint {
  const text =
    market.kind === 'PERP'
      ? account.positions.find((p) => p.marketId === market.marketId)?.size
      : account.balances.find((b) => b.assetId === market.baseAssetId)?.balance;
  return text === undefined ? 0n : decimal(text);
}

/** A signed X18 decimal string as the node writes it (balances, positions and healths go negative). */
export const decimal = (text: string): bigint => (text.startsWith('-') ? -parseUnitsExact(text.slice(1), X18, 'value') : parseUnitsExact(text, X18, 'value'));
const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const fmt = (v: bigint): string => (v < 0n ? `-${formatUnitsExact(-v, X18)}` : formatUnitsExact(v, X18));

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Reads until `done` holds; gives up after `ms` (a node that never sequences is a problem to report, not to wait out). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, signal: AbortSignal, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (signal.aborted || Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await sleep(100, signal);
  }
}
