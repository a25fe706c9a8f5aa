/**
 * A backstop liquidator: it follows accounts through the node's streams and, when one is in the
 * backstop tier (equity below `backstopRatio` of its maintenance requirement), asks the Exchange
 * to let it take over part of a perp position at the index less the liquidation discount.
 *
 * Which streams, and why:
 * - `trades` on every market, to find accounts: anyone who trades may one day need the backstop,
 *   and a fill names the orders, whose signer's subaccount `getOrder` tells us.
 * - `account` for each account found: a margin call arrives as its own message, and an account in
 *   the backstop tier always had one first (the tier lies below maintenance).
 * - `batches`: an index move changes every account's health without touching the account, so no
 *   account message comes; after each batch the watcher reads afresh only the few accounts that
 *   are flagged. A quiet market has no batches, though, so the end of a grace window is a timer.
 *
 * The protocol lets the backstop act at once, grace window or not. This watcher, by default,
 * waits until a flagged account's grace window has passed: until then its owner may still deposit
 * or reduce, and its own plan runs first.
 */
import {
  formatUnitsExact,
  parseUnitsExact,
  type AccountResponse,
  type KestrelClient,
  type KestrelSubscription,
  type MarketWire,
  type Trade,
} from '@kestrel/sdk';
import type { Hex } from 'viem';

export interface WatcherOptions {
  /** the liquidator's subaccount: it takes over the positions, so it needs the margin for them */
  subaccountName: string;
  /** accounts to follow from the start, besides those found trading */
  watch: readonly Hex[];
  /** find accounts from the trades streams */
  discover: boolean;
  /** leave a flagged account alone until its grace window has passed */
  respectGrace: boolean;
}

export const DEFAULT_OPTIONS: WatcherOptions = { subaccountName: 'backstop', watch: [], discover: true, respectGrace: true };

export type WatcherEvent =
  | { type: 'watching'; subaccount: Hex }
  | { type: 'marginCall'; subaccount: Hex; graceEnds: string; maintenanceHealth: string }
  | { type: 'waiting'; subaccount: Hex; tier: string; graceEnds: string }
  | { type: 'requested'; subaccount: Hex; marketId: number; amount: string; requestId: string; tier: string; at: number; graceEnds: string | null }
  | { type: 'skipped'; subaccount: Hex; marketId: number; reason: string }
  | { type: 'liquidated'; subaccount: Hex; batchId: string | null }
  | { type: 'rejected'; subaccount: Hex; batchId: string | null }
  | { type: 'error'; message: string };

const X18 = 18;
const LIQUIDATABLE = new Set(['backstop', 'bankrupt']);
/** a request not seen processed after this long is taken as lost (a reorg, a node that missed it) and may be sent again */
const PENDING_MS = 60_000;

export interface Watcher {
  /** the accounts followed so far */
  readonly watched: ReadonlySet<Hex>;
  /** every stream subscribed, for a caller that wants to wait for them */
  readonly ready: Promise<void>;
  stop(): void;
}

export async function startWatcher(client: KestrelClient, options: WatcherOptions, onEvent: (e: WatcherEvent) => void = () => {}): Promise<Watcher> {
  const markets = await client.getMarkets();
  const perps = new Map(markets.filter((m) => m.kind === 'PERP').map((m) => [m.marketId, m]));
  const me = (await client.getAccount({ subaccountName: options.subaccountName })).subaccount.toLowerCase() as Hex;
  const subs: KestrelSubscription[] = [];
  const watched = new Set<Hex>();
  /** flagged accounts and when their window ends (unix seconds), from the account streams */
  const flagged = new Map<Hex, bigint>();
  /** requests sent and not yet seen processed */
  const pending = new Map<Hex, number>();
  const report = (err: unknown): void => onEvent({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  let stopped = false;

  const watch = (subaccount: Hex): void => {
    const s = subaccount.toLowerCase() as Hex;
    // our own account is not ours to liquidate (the Exchange refuses it too)
    if (watched.has(s) || s === me || stopped) return;
    watched.add(s);
    onEvent({ type: 'watching', subaccount: s });
    subs.push(
      client.subscribeAccount({
        subaccount: s,
        onAccount: (account, update) => {
          if (account.marginCall === null) flagged.delete(s);
          else if (flagged.get(s) !== BigInt(account.marginCall.graceEnds)) flag(s, BigInt(account.marginCall.graceEnds));
          // the batch that processed our request says how it went, on the target's own stream
          if (update.events.includes('liquidated')) settle(s, 'liquidated', update.batchId);
          else if (update.events.includes('liquidationRejected')) settle(s, 'rejected', update.batchId);
        },
        onMarginCall: (call) => {
          onEvent({ type: 'marginCall', subaccount: s, graceEnds: call.graceEnds, maintenanceHealth: call.maintenanceHealth });
          flag(s, BigInt(call.graceEnds));
        },
        onError: report,
      }),
    );
  };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const flag = (s: Hex, graceEnds: bigint): void => {
    flagged.set(s, graceEnds);
    void judgeAll();
    // look again just after the window closes, whether or not a batch comes then
    const t = setTimeout(
      () => {
        timers.delete(t);
        void judgeAll();
      },
      Math.max(0, Number(graceEnds) * 1000 - Date.now() + 500),
    );
    timers.add(t);
  };
  const settle = (s: Hex, type: 'liquidated' | 'rejected', batchId: bigint | null): void => {
    if (!pending.delete(s)) return;
    onEvent({ type, subaccount: s, batchId: batchId === null ? null : batchId.toString() });
  };

  // One judgement at a time: batches come every few hundred ms, a judgement sends a transaction
  // and waits for its receipt, and two overlapping ones would liquidate the same account twice.
  // A call that finds one under way asks for another pass after it instead of being lost.
  let judging = false;
  let again = false;
  const judgeAll = async (): Promise<void> => {
    if (stopped) return;
    if (judging) {
      again = true;
      return;
    }
    judging = true;
    try {
      do {
        again = false;
        for (const s of [...flagged.keys()]) await judge(s);
      } while (again && !stopped);
    } catch (err) {
      report(err);
    } finally {
      judging = false;
    }
  };
  const waitingSaid = new Set<Hex>();
  const judge = async (s: Hex): Promise<void> => {
    const sent = pending.get(s);
    if (sent !== undefined && Date.now() - sent < PENDING_MS) return;
    // the stream's last view can be a batch old and the index has moved since: read afresh
    const account = await client.getAccount({ subaccount: s });
    const tier = account.health?.tier;
    if (tier === undefined || !LIQUIDATABLE.has(tier)) return;
    const graceEnds = account.marginCall === null ? null : BigInt(account.marginCall.graceEnds);
    const now = Math.floor(Date.now() / 1000);
    if (options.respectGrace && graceEnds !== null && BigInt(now) < graceEnds) {
      if (!waitingSaid.has(s)) onEvent({ type: 'waiting', subaccount: s, tier, graceEnds: graceEnds.toString() });
      waitingSaid.add(s);
      return;
    }
    const target = largestPosition(account, perps);
    if (target === null) return;
    const { market, size } = target;
    // Ask for the whole position: the batch caps it (half per step, all of it once equity is
    // negative) and prices it; asking for less than the cap only leaves more for a second request.
    // What the batch will not do is let us take more than our own margin carries: check first.
    const amount = await affordable(client, options.subaccountName, market, size);
    if (amount === 0n) {
      onEvent({ type: 'skipped', subaccount: s, marketId: market.marketId, reason: 'our own margin cannot carry even one lot of it' });
      return;
    }
    const { requestId } = await client.liquidate({ account: s, marketId: market.marketId, amount: fmt(amount), subaccountName: options.subaccountName });
    pending.set(s, Date.now());
    onEvent({
      type: 'requested',
      subaccount: s,
      marketId: market.marketId,
      amount: fmt(amount),
      requestId: requestId.toString(),
      tier,
      at: now,
      graceEnds: graceEnds === null ? null : graceEnds.toString(),
    });
  };

  subs.push(client.subscribeBatches({ onBatch: () => void judgeAll(), onError: report }));
  if (options.discover) {
    const seen = new Set<string>();
    const learn = async (trades: readonly Trade[]): Promise<void> => {
      for (const t of trades) {
        for (const h of [t.makerHash, t.takerHash]) {
          if (seen.has(h)) continue;
          seen.add(h);
          try {
            watch((await client.getOrder({ orderHash: h })).order.subaccount);
          } catch {
            // a plan order has an id but no signed order behind it: its account is watched already (it was flagged)
          }
        }
      }
    };
    for (const m of markets) subs.push(client.subscribeTrades({ market: m, onTrades: (trades) => void learn(trades).catch(report), onError: report }));
  }
  for (const s of options.watch) watch(s);

  return {
    watched,
    // the trades and batches streams; each account stream is awaited as it comes
    ready: Promise.all(subs.map((s) => s.ready)).then(() => undefined),
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const s of subs) s.unsubscribe();
    },
  };
}

/** The perp position with the largest notional at the index: the one whose takeover restores the most. */
function largestPosition(account: AccountResponse, perps: ReadonlyMap<number, MarketWire>): { market: MarketWire; size: bigint } | null {
  let best: { market: MarketWire; size: bigint; notional: bigint } | null = null;
  for (const p of account.positions) {
    const market = perps.get(p.marketId);
    if (market === undefined || p.indexPrice === null) continue;
    const size = decimal(p.size);
    const notional = (abs(size) * decimal(p.indexPrice)) / 10n ** 18n;
    if (size !== 0n && (best === null || notional > best.notional)) best = { market, size, notional };
  }
  return best === null ? null : { market: best.market, size: best.size };
}

/**
 * The most of `size` (the target's position; we take the other side of it) our account can carry,
 * by the what-if at the index: the whole, else halves of it down to one lot, else 0.
 */
async function affordable(client: KestrelClient, subaccountName: string, market: MarketWire, size: bigint): Promise<bigint> {
  const lot = parseUnitsExact(market.lotSize, X18, 'lotSize');
  // a long target sells to us: we buy
  const side = size > 0n ? 'buy' : 'sell';
  for (let amount = abs(size); amount >= lot; amount = (amount / 2n / lot) * lot) {
    const { allowed } = await client.simulate({ subaccountName, actions: [{ kind: 'trade', marketId: market.marketId, side, amount: fmt(amount) }] });
    if (allowed) return amount;
  }
  return 0n;
}

/** A signed X18 decimal string as the node writes it. */
export const decimal = (text: string): bigint => (text.startsWith('-') ? -parseUnitsExact(text.slice(1), X18, 'value') : parseUnitsExact(text, X18, 'value'));
const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const fmt = (v: bigint): string => (v < 0n ? `-${formatUnitsExact(-v, X18)}` : formatUnitsExact(v, X18));
