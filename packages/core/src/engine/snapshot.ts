/**
 * Snapshot and restore of the whole engine state (spec/matching.md): plain JSON-safe data, bigints as
 * decimal strings, everything in sorted order so two engines in the same state produce
 * byte-identical JSON. Restore rebuilds the books in the recorded priority order and the
 * derived indexes (per-subaccount open orders, expiry heap) from the orders, then checks that
 * every open order rests exactly once, so a damaged snapshot fails loudly instead of running.
 */
import { ErrorCode } from '../codes.js';
import { KestrelError } from '../errors.js';
import type { Order } from '../eip712.js';
import { decodeFlags, SelfTradeMode, TimeInForce } from '../flags.js';
import { isHex, type Hex } from '../hex.js';
import { ONE, UINT128_MAX, UINT64_MAX } from '../x18.js';
import { OrderRecord } from './order-record.js';
import { bySequence, type EngineState } from './state.js';
import type { CancelReason, OrderStatus } from './types.js';
import { isWellFormed } from './validate.js';
import type { ErrorCode as Code } from '../codes.js';

/**
 * 5: the perps' funding clocks; 4: risk plans and margin-call flags; 3: the perps' premium
 * clocks; 2: balances stored scaled, with the batch's moves apart, and lending pools; 1 (read
 * only): X18 balances, no pools
 */
export const SNAPSHOT_VERSION = 5;
const READABLE = [SNAPSHOT_VERSION, 4, 3, 2, 1];

export interface OrderSnapshot {
  hash: Hex;
  order: {
    subaccount: Hex;
    marketId: number;
    isBuy: boolean;
    price: string;
    amount: string;
    nonce: string;
    expiry: string;
    flags: number;
    clientId: string;
  };
  status: OrderStatus;
  /** X18 base amount filled */
  filled: string;
  sequence: string;
  rejectCode?: Code;
  cancelReason?: CancelReason;
}

export interface EngineSnapshot {
  version: typeof SNAPSHOT_VERSION | 4 | 3 | 2 | 1;
  now: string;
  sequence: string;
  /** every order ever seen, ascending hash */
  orders: OrderSnapshot[];
  /** per market (ascending id), resting order hashes in priority order: best level first, FIFO */
  books: Array<{ marketId: number; bids: Hex[]; asks: Hex[] }>;
  /**
   * balances with a stored value or a move in the current batch: [subaccount, assetId, scaled
   * balance, the batch's net move (X18)], ascending subaccount then asset; version 1 had
   * [subaccount, assetId, X18 amount] (all pools then at index 1, so scaled = amount)
   */
  balances: Array<[Hex, number, string, string] | [Hex, number, string]>;
  /** non-zero minNonces, ascending subaccount */
  minNonces: Array<[Hex, string]>;
  /** linked signers: [subaccount, signer address, expiry], ascending subaccount (absent: none) */
  linkedSigners?: Array<[Hex, Hex, string]>;
  /**
   * perp positions: [subaccount, marketId, size, vQuote, lastCumFunding, the batch's net size,
   * the batch's net vQuote] (the last two absent in version 1), ascending subaccount then market
   * (absent in snapshots taken before perps: none)
   */
  positions?: Array<[Hex, number, string, string, string, string, string] | [Hex, number, string, string, string]>;
  /**
   * per perp market: [marketId, cumulative funding X18, premium clock: sum, since, last,
   * sampledAt, funding clock] (the premium clock absent before version 3: zero; the funding clock
   * before version 5: the premium clock's start), ascending (absent: all 0)
   */
  funding?: Array<[number, string, string, string, string, string, string] | [number, string, string, string, string, string] | [number, string]>;
  /** oracle prices: [marketId, X18 price, publishedAt] (publishedAt absent in version 1: the snapshot's clock), ascending market (absent: none) */
  oracles?: Array<[number, string, string] | [number, string]>;
  /**
   * lending pools: [assetId, supplyScaled, borrowScaled, supplyIndex, borrowIndex, lastAccrual,
   * cash moved in the current batch], ascending asset (absent: fresh pools)
   */
  pools?: Array<[number, string, string, string, string, string, string]>;
  /** risk plans: [subaccount, market ids, maxSlippageBps, graceSeconds, nonce], ascending subaccount (absent before version 4: none) */
  riskPlans?: Array<[Hex, number[], number, number, string]>;
  /** margin calls: [subaccount, flagged at], ascending subaccount (absent before version 4: none) */
  marginCalls?: Array<[Hex, string]>;
}

export function snapshotState(s: EngineState): EngineSnapshot {
  const orders: OrderSnapshot[] = [];
  for (const hash of [...s.orders.keys()].sort()) {
    const r = s.orders.get(hash)!;
    const o = r.order;
    const lotSize = s.markets.get(o.marketId)?.config.lotSize ?? 1n;
    const snap: OrderSnapshot = {
      hash,
      order: {
        subaccount: o.subaccount,
        marketId: o.marketId,
        isBuy: o.isBuy,
        price: o.price.toString(),
        amount: o.amount.toString(),
        nonce: o.nonce.toString(),
        expiry: o.expiry.toString(),
        flags: o.flags,
        clientId: o.clientId.toString(),
      },
      status: r.status,
      filled: (BigInt(r.filledLots) * lotSize).toString(),
      sequence: r.sequence.toString(),
    };
    if (r.rejectCode !== undefined) snap.rejectCode = r.rejectCode;
    if (r.cancelReason !== undefined) snap.cancelReason = r.cancelReason;
    orders.push(snap);
  }
  const books = s.marketIds.map((marketId) => {
    const { book } = s.markets.get(marketId)!;
    const side = (isBuy: boolean): Hex[] => {
      const out: Hex[] = [];
      book.forEachOrder(isBuy, (slot) => out.push(book.ref(slot)!.hash));
      return out;
    };
    return { marketId, bids: side(true), asks: side(false) };
  });
  return {
    version: SNAPSHOT_VERSION,
    now: s.now.toString(),
    sequence: s.sequence.toString(),
    orders,
    books,
    balances: s.accounts.stored().map(([sub, assetId, scaled, net]) => [sub, assetId, scaled.toString(), net.toString()]),
    minNonces: [...s.minNonces.keys()].sort().map((sub) => [sub, s.minNonces.get(sub)!.toString()]),
    linkedSigners: [...s.linkedSigners.keys()].sort().map((sub) => [sub, s.linkedSigners.get(sub)!.signer, s.linkedSigners.get(sub)!.expiry.toString()]),
    positions: s.accounts
      .storedPositions()
      .map(([sub, id, p]) => [sub, id, p.size.toString(), p.vQuote.toString(), p.lastCumFunding.toString(), p.dSize.toString(), p.dVQuote.toString()]),
    funding: s.accounts.perps.marketIds().map((id) => {
      const c = s.accounts.perps.premium(id);
      return [
        id,
        s.accounts.perps.cumFunding(id).toString(),
        c.sum.toString(),
        c.since.toString(),
        c.last.toString(),
        c.sampledAt.toString(),
        s.accounts.perps.fundingAt(id).toString(),
      ];
    }),
    oracles: [...s.oracles.keys()].sort((a, b) => a - b).map((id) => [id, s.oracles.get(id)!.toString(), (s.oracleTimes.get(id) ?? 0n).toString()]),
    pools: [...s.assets.keys()]
      .sort((a, b) => a - b)
      .map((id) => {
        const p = s.accounts.pool(id);
        return [
          id,
          p.supplyScaled.toString(),
          p.borrowScaled.toString(),
          p.supplyIndex.toString(),
          p.borrowIndex.toString(),
          p.lastAccrual.toString(),
          s.accounts.cashMoved(id).toString(),
        ];
      }),
    riskPlans: [...s.riskPlans.keys()].sort().map((sub) => {
      const p = s.riskPlans.get(sub)!;
      return [sub, [...p.marketOrder], p.maxSlippageBps, p.graceSeconds, p.nonce.toString()];
    }),
    marginCalls: [...s.marginCalls.keys()].sort().map((sub) => [sub, s.marginCalls.get(sub)!.toString()]),
  };
}

function bad(message: string): never {
  throw new KestrelError(ErrorCode.MALFORMED, `snapshot: ${message}`);
}

function int(text: unknown, what: string): bigint {
  if (typeof text !== 'string' || !/^-?\d{1,80}$/.test(text)) bad(`${what} is not a decimal integer string`);
  return BigInt(text);
}

const STATUSES: readonly OrderStatus[] = ['open', 'partially_filled', 'filled', 'cancelled', 'expired', 'rejected'];

/** Loads a snapshot into a freshly constructed state (same config as the one snapshotted). */
export function restoreState(s: EngineState, snap: EngineSnapshot): void {
  if (!READABLE.includes(snap?.version)) bad(`unsupported version ${String(snap?.version)}`);
  s.now = int(snap.now, 'now');
  s.priceEpoch++;
  s.sequence = int(snap.sequence, 'sequence');
  if (s.now < 0n || s.now > UINT64_MAX || s.sequence < 0n || s.sequence > UINT64_MAX) bad('now or sequence out of range');

  for (const o of snap.orders) {
    const rec = restoreOrder(s, o);
    if (s.orders.has(rec.hash)) bad(`duplicate order ${rec.hash}`);
    s.orders.set(rec.hash, rec);
    // the spent nonces are derived from the orders: those filled in full, and IOCs that traded
    if (rec.status === 'filled') s.markFilled(rec);
    else if (rec.timeInForce === TimeInForce.IOC && rec.filledLots > 0) s.spendNonce(rec);
  }
  s.justSpent.length = 0;

  const resting = new Set<OrderRecord>();
  for (const b of snap.books) {
    const market = s.markets.get(b.marketId) ?? bad(`unknown market ${b.marketId}`);
    for (const [isBuy, hashes] of [
      [true, b.bids],
      [false, b.asks],
    ] as const) {
      for (const h of hashes) {
        const rec = s.orders.get(h) ?? bad(`book lists unknown order ${h}`);
        if (!rec.isOpen || rec.order.marketId !== b.marketId || rec.order.isBuy !== isBuy || resting.has(rec)) {
          bad(`order ${h} cannot rest there`);
        }
        resting.add(rec);
        rec.slot = market.book.insert(isBuy, rec.tick, rec.remainingLots, rec);
      }
    }
  }
  const open = [...s.orders.values()].filter((r) => r.isOpen).sort(bySequence);
  for (const rec of open) {
    if (!resting.has(rec)) bad(`open order ${rec.hash} is on no book`);
    s.index(rec);
    if (rec.order.expiry !== 0n) s.expiries.push(rec);
  }

  for (const [id, supplyScaled, borrowScaled, supplyIndex, borrowIndex, lastAccrual, cash] of snap.pools ?? []) {
    if (!s.assets.has(id)) bad(`pool of unknown asset ${id}`);
    const pool = {
      supplyScaled: int(supplyScaled, 'supplyScaled'),
      borrowScaled: int(borrowScaled, 'borrowScaled'),
      supplyIndex: int(supplyIndex, 'supplyIndex'),
      borrowIndex: int(borrowIndex, 'borrowIndex'),
      lastAccrual: int(lastAccrual, 'lastAccrual'),
    };
    if (pool.supplyScaled < 0n || pool.borrowScaled < 0n || pool.supplyIndex < ONE || pool.borrowIndex < ONE || pool.lastAccrual < 0n)
      bad(`bad pool of asset ${id}`);
    s.accounts.setPool(id, pool);
    s.accounts.moveCash(id, int(cash, 'cash moved'));
  }
  const seen = new Set<string>();
  for (const entry of snap.balances) {
    const [sub, assetId, scaled] = entry;
    if (!isHex(sub, 32) || !s.assets.has(assetId) || (snap.version === 1) !== (entry.length === 3)) bad(`bad balance entry ${sub}/${assetId}`);
    const key = `${sub.toLowerCase()}/${assetId}`;
    if (seen.has(key)) bad(`duplicate balance ${key}`);
    seen.add(key);
    s.accounts.setStored(sub.toLowerCase() as Hex, assetId, int(scaled, 'balance'), entry.length === 4 ? int(entry[3], 'batch move') : 0n);
  }
  for (const id of s.assets.keys()) {
    const totals = s.accounts.scaledTotals(id);
    const pool = s.accounts.pool(id);
    if (snap.version === 1) s.accounts.setPool(id, { ...pool, ...totals });
    else if (pool.supplyScaled !== totals.supplyScaled || pool.borrowScaled !== totals.borrowScaled) bad(`pool of asset ${id} does not add up to its balances`);
  }
  for (const [sub, v] of snap.minNonces) {
    if (!isHex(sub, 32)) bad(`bad minNonce entry ${sub}`);
    const n = int(v, 'minNonce');
    if (n !== 0n) s.minNonces.set(sub.toLowerCase() as Hex, n);
  }
  for (const [sub, signer, expiry] of snap.linkedSigners ?? []) {
    if (!isHex(sub, 32) || !isHex(signer, 20) || BigInt(signer) === 0n) bad(`bad linked signer entry ${sub}`);
    const key = sub.toLowerCase() as Hex;
    if (s.linkedSigners.has(key)) bad(`duplicate linked signer ${sub}`);
    const e = int(expiry, 'linked signer expiry');
    if (e < 0n || e > UINT64_MAX) bad(`bad linked signer expiry ${sub}`);
    s.linkedSigners.set(key, { signer: signer.toLowerCase() as Hex, expiry: e });
  }
  const positionSeen = new Set<string>();
  for (const entry of snap.positions ?? []) {
    const [sub, marketId, size, vQuote, cum] = entry;
    if (!isHex(sub, 32) || s.markets.get(marketId)?.config.kind !== 'PERP') bad(`bad position entry ${sub}/${marketId}`);
    const key = sub.toLowerCase() as Hex;
    if (positionSeen.has(`${key}/${marketId}`)) bad(`duplicate position ${sub}/${marketId}`);
    positionSeen.add(`${key}/${marketId}`);
    const [dSize, dVQuote] = entry.length === 7 ? [int(entry[5], 'size move'), int(entry[6], 'vQuote move')] : [0n, 0n];
    s.accounts.setPosition(key, marketId, {
      size: int(size, 'size'),
      vQuote: int(vQuote, 'vQuote'),
      lastCumFunding: int(cum, 'lastCumFunding'),
      dSize,
      dVQuote,
    });
  }
  for (const entry of snap.funding ?? []) {
    const [marketId, cum] = entry;
    if (s.markets.get(marketId)?.config.kind !== 'PERP') bad(`funding of market ${marketId}, which is not a perp`);
    if (entry.length !== 2 && entry.length !== 6 && entry.length !== 7) bad(`bad funding entry ${marketId}`);
    s.accounts.perps.setCumFunding(marketId, int(cum, 'cumFunding'));
    if (entry.length >= 6) {
      const [, , sum, since, last, sampledAt] = entry;
      s.accounts.perps.setPremium(marketId, {
        sum: int(sum, 'premium sum'),
        since: int(since, 'premium since'),
        last: int(last, 'premium'),
        sampledAt: int(sampledAt, 'premium sampledAt'),
      });
      s.accounts.perps.setFundingAt(marketId, entry.length === 7 ? int(entry[6], 'funding clock') : int(since, 'premium since'));
    }
  }
  for (const [marketId, price, publishedAt] of snap.oracles ?? []) {
    const p = int(price, 'oracle price');
    if (!s.markets.has(marketId) || s.oracles.has(marketId) || p <= 0n || p > UINT128_MAX) bad(`bad oracle entry ${marketId}`);
    s.oracles.set(marketId, p);
    s.oracleTimes.set(marketId, publishedAt === undefined ? s.now : int(publishedAt, 'oracle publishedAt'));
  }
  for (const [sub, marketOrder, maxSlippageBps, graceSeconds, nonce] of snap.riskPlans ?? []) {
    const key = (isHex(sub, 32) ? sub.toLowerCase() : bad(`bad risk plan entry ${String(sub)}`)) as Hex;
    const ok = Array.isArray(marketOrder) && marketOrder.every((id) => s.markets.has(id)) && Number.isInteger(maxSlippageBps) && Number.isInteger(graceSeconds);
    if (!ok || s.riskPlans.has(key)) bad(`bad risk plan entry ${sub}`);
    s.riskPlans.set(key, { subaccount: key, marketOrder: [...marketOrder], maxSlippageBps, graceSeconds, nonce: int(nonce, 'plan nonce') });
  }
  for (const [sub, at] of snap.marginCalls ?? []) {
    const key = (isHex(sub, 32) ? sub.toLowerCase() : bad(`bad margin call entry ${String(sub)}`)) as Hex;
    if (s.marginCalls.has(key)) bad(`duplicate margin call ${sub}`);
    s.marginCalls.set(key, int(at, 'margin call time'));
  }
}

function restoreOrder(s: EngineState, o: OrderSnapshot): OrderRecord {
  if (!isHex(o.hash, 32) || !isHex(o.order?.subaccount, 32)) bad('order hash or subaccount is not 32 bytes of hex');
  if (!STATUSES.includes(o.status)) bad(`order ${o.hash}: bad status`);
  const order: Order = {
    subaccount: o.order.subaccount.toLowerCase() as Hex,
    marketId: o.order.marketId,
    isBuy: o.order.isBuy,
    price: int(o.order.price, 'price'),
    amount: int(o.order.amount, 'amount'),
    nonce: int(o.order.nonce, 'nonce'),
    expiry: int(o.order.expiry, 'expiry'),
    flags: o.order.flags,
    clientId: int(o.order.clientId, 'clientId'),
  };
  const hash = o.hash.toLowerCase() as Hex;
  if (!isWellFormed(hash, order) || order.price > UINT128_MAX || order.amount > UINT128_MAX) bad(`order ${hash}: malformed fields`);
  const market = s.markets.get(order.marketId)?.config;
  const flags = decodeFlags(order.flags);
  const onBook = o.status !== 'rejected' || o.rejectCode === ErrorCode.POST_ONLY_WOULD_CROSS;
  let tick = 0;
  let lots = 0;
  let filledLots = 0;
  if (onBook) {
    if (market === undefined || flags === null) bad(`order ${hash}: market or flags invalid for an accepted order`);
    tick = Number(order.price / market.tickSize);
    lots = Number(order.amount / market.lotSize);
    const filled = int(o.filled, 'filled');
    if (filled % market.lotSize !== 0n || filled < 0n || filled > order.amount) bad(`order ${hash}: bad filled amount`);
    filledLots = Number(filled / market.lotSize);
  }
  const rec = new OrderRecord(
    hash,
    order,
    tick,
    lots,
    flags?.timeInForce ?? TimeInForce.GTC,
    flags?.selfTrade ?? SelfTradeMode.CANCEL_MAKER,
    int(o.sequence, 'sequence'),
  );
  rec.filledLots = filledLots;
  rec.status = o.status;
  if (o.rejectCode !== undefined) rec.rejectCode = o.rejectCode;
  if (o.cancelReason !== undefined) rec.cancelReason = o.cancelReason;
  return rec;
}
