/**
 * The engine state as records (spec/matching.md, "State commitment"): each a key and canonical
 * bytes. The commitment hashes them, a node stores them, a snapshot lists them, and a batch is
 * undone by writing back the ones it changed. Integers are big-endian and fixed-width (signed
 * ones two's complement); lists are in ascending order.
 *
 * ```
 * "g"                 globals: u64 now, u64 sequence,
 *                     u32 #oracles, per market (ascending): u32 id, u128 price, u64 publishedAt
 *                     u32 #assets, per asset (ascending): u32 id, u256 supplyScaled,
 *                       u256 borrowScaled, u256 supplyIndex, u256 borrowIndex, u64 lastAccrual,
 *                       i256 cash moved in the current batch
 *                     u32 #perps, per perp (ascending): u32 id, i256 cumFunding, premium clock:
 *                       i256 sum, u64 since, i256 last, u64 sampledAt; u64 funding clock
 * "a" ‖ subaccount    an account (absent when it holds nothing): u16 #balances, per asset with a
 *                     stored value or a move (ascending): u8 id, i256 scaled, i256 the batch's move
 *                     u16 #positions, per market (ascending): u32 id, i256 size, i256 vQuote,
 *                       i256 lastCumFunding, i256 the batch's net size, i256 net vQuote
 *                     u64 minNonce; u8 0 | 1 linked signer: u160 signer, u64 expiry;
 *                     u8 0 | 1 risk plan: u32 #markets, u32 each, u16 maxSlippageBps,
 *                       u32 graceSeconds, u64 nonce; u8 0 | 1 margin call: u64 flagged at
 * "n" ‖ subaccount ‖ nonce (16 hex)   a spent nonce: u8 1
 * order hash          an open order: u8 1, bytes32 subaccount, u32 marketId, u8 isBuy,
 *                       u128 price, u128 amount, u64 nonce, u64 expiry, u32 flags, u64 clientId,
 *                       u8 status (0 open, 1 partially filled), u128 filled, u64 sequence
 *                     a finished order (filled, cancelled, expired or rejected): u8 2, u64 expiry
 *                       — kept until its expiry so that it cannot be placed again
 * ```
 */
import { ErrorCode } from '../codes.js';
import { KestrelError } from '../errors.js';
import { decodeFlags, SelfTradeMode, TimeInForce } from '../flags.js';
import { isHex, type Hex } from '../hex.js';
import { ONE, UINT128_MAX } from '../x18.js';
import { ByteReader, ByteWriter } from './bytes.js';
import type { RecordBytes } from './changes.js';
import { accountKey, GLOBALS_KEY, nonceKey } from './record-keys.js';
import { OrderRecord } from './order-record.js';
import type { EngineState } from './state.js';
import { NonceSet } from './nonce-set.js';
import { uintKey, uintOf } from './uint-keys.js';
import { isWellFormed } from './validate.js';

export { accountKey, GLOBALS_KEY, nonceKey } from './record-keys.js';

const OPEN = 1;
const FINISHED = 2;

function bad(message: string): never {
  throw new KestrelError(ErrorCode.MALFORMED, `state record: ${message}`);
}

// ------------------------------------------------------------------ encode

/** A record's bytes as the state holds it now, or null when the state has no such record. */
export function encodeRecord(s: EngineState, key: string): RecordBytes {
  switch (key.charCodeAt(0)) {
    case 0x67: // g
      return encodeGlobals(s);
    case 0x61: // a
      return encodeAccount(s, key.slice(1) as Hex);
    case 0x6e: {
      // n
      const sub = key.slice(1, 67) as Hex;
      return s.nonceSpent(sub, BigInt(`0x${key.slice(67)}`)) ? Uint8Array.of(1) : null;
    }
    default:
      return encodeOrder(s, key as Hex);
  }
}

function encodeGlobals(s: EngineState): Uint8Array {
  const w = new ByteWriter(256);
  w.uint(s.now, 8);
  w.uint(s.sequence, 8);
  const oracleIds = [...s.oracles.keys()].sort((a, b) => a - b);
  w.uint(BigInt(oracleIds.length), 4);
  for (const id of oracleIds) {
    w.uint(BigInt(id), 4);
    w.uint(s.oracles.get(id)!, 16);
    w.uint(s.oracleTimes.get(id) ?? 0n, 8);
  }
  const assetIds = [...s.assets.keys()].sort((a, b) => a - b);
  w.uint(BigInt(assetIds.length), 4);
  for (const id of assetIds) {
    const p = s.accounts.pool(id);
    w.uint(BigInt(id), 4);
    w.uint(p.supplyScaled, 32);
    w.uint(p.borrowScaled, 32);
    w.uint(p.supplyIndex, 32);
    w.uint(p.borrowIndex, 32);
    w.uint(p.lastAccrual, 8);
    w.int(s.accounts.cashMoved(id), 32);
  }
  const perps = s.accounts.perps;
  const perpIds = perps.marketIds();
  w.uint(BigInt(perpIds.length), 4);
  for (const id of perpIds) {
    w.uint(BigInt(id), 4);
    w.int(perps.cumFunding(id), 32);
    const c = perps.premium(id);
    w.int(c.sum, 32);
    w.uint(c.since, 8);
    w.int(c.last, 32);
    w.uint(c.sampledAt, 8);
    w.uint(perps.fundingAt(id), 8);
  }
  return w.finish();
}

function encodeAccount(s: EngineState, sub: Hex): RecordBytes {
  const account = s.accounts.find(sub);
  const balances = account === undefined ? [] : s.accounts.storedOf(account);
  const positions = account === undefined ? [] : s.accounts.perps.storedOf(account);
  const minNonce = s.minNonces.get(sub) ?? 0n;
  const linked = s.linkedSigners.get(sub);
  const plan = s.riskPlans.get(sub);
  const call = s.marginCalls.get(sub);
  if (balances.length === 0 && positions.length === 0 && minNonce === 0n && !linked && !plan && call === undefined) return null;
  const w = new ByteWriter(128);
  w.uint(BigInt(balances.length), 2);
  for (const [id, scaled, net] of balances) {
    w.u8(id);
    w.int(scaled, 32);
    w.int(net, 32);
  }
  w.uint(BigInt(positions.length), 2);
  for (const [id, p] of positions) {
    w.uint(BigInt(id), 4);
    for (const v of [p.size, p.vQuote, p.lastCumFunding, p.dSize, p.dVQuote]) w.int(v, 32);
  }
  w.uint(minNonce, 8);
  w.u8(linked ? 1 : 0);
  if (linked) {
    w.address(linked.signer);
    w.uint(linked.expiry, 8);
  }
  w.u8(plan ? 1 : 0);
  if (plan) {
    w.uint(BigInt(plan.marketOrder.length), 4);
    for (const id of plan.marketOrder) w.uint(BigInt(id), 4);
    w.uint(BigInt(plan.maxSlippageBps), 2);
    w.uint(BigInt(plan.graceSeconds), 4);
    w.uint(plan.nonce, 8);
  }
  w.u8(call === undefined ? 0 : 1);
  if (call !== undefined) w.uint(call, 8);
  return w.finish();
}

function encodeOrder(s: EngineState, hash: Hex): RecordBytes {
  const rec = s.orders.get(hash);
  const w = new ByteWriter(rec?.isOpen ? 200 : 9);
  if (rec === undefined || !rec.isOpen) {
    const expiry = rec === undefined ? s.tombstones.get(hash) : rec.expiry;
    if (expiry === undefined) return null;
    w.u8(FINISHED);
    w.uint(expiry, 8);
    return w.finish();
  }
  const lotSize = s.markets.get(rec.marketId)!.config.lotSize;
  w.u8(OPEN);
  w.bytes32(rec.subaccount);
  w.uint(BigInt(rec.marketId), 4);
  w.u8(rec.isBuy ? 1 : 0);
  w.uint(rec.price, 16);
  w.uint(rec.amount, 16);
  w.uint(rec.nonce, 8);
  w.uint(rec.expiry, 8);
  w.uint(BigInt(rec.flags), 4);
  w.uint(rec.clientId, 8);
  w.u8(rec.status === 'open' ? 0 : 1);
  w.uint(BigInt(rec.filledLots) * lotSize, 16);
  w.uint(rec.sequence, 8);
  return w.finish();
}

/** Every record key the state holds (unsorted). */
export function recordKeys(s: EngineState): string[] {
  const keys = [GLOBALS_KEY];
  const subs = new Set<Hex>([...s.minNonces.keys(), ...s.linkedSigners.keys(), ...s.riskPlans.keys(), ...s.marginCalls.keys()]);
  for (const a of s.accounts.handles()) {
    subs.add(a.subaccount);
    for (const n of a.spentNonces ?? []) keys.push(nonceKey(a.subaccount, uintOf(n)));
  }
  for (const sub of subs) if (encodeAccount(s, sub) !== null) keys.push(accountKey(sub));
  for (const h of s.orders.keys()) keys.push(h);
  for (const h of s.tombstones.keys()) keys.push(h);
  return keys;
}

// ------------------------------------------------------------------ import

/**
 * Writes a record into the state, replacing what the state holds under its key (null removes
 * it), with the derived indexes (books, open orders, expiries) following. The caller mutes the
 * change tracker: a record written back is not a change.
 */
export function importRecord(s: EngineState, key: string, bytes: RecordBytes): void {
  switch (key.charCodeAt(0)) {
    case 0x67:
      if (bytes === null) bad('the globals cannot be absent');
      importGlobals(s, bytes);
      return;
    case 0x61:
      if (!isHex(key.slice(1), 32)) bad(`bad account key ${key.slice(0, 20)}`);
      importAccount(s, key.slice(1) as Hex, bytes);
      return;
    case 0x6e: {
      const sub = key.slice(1, 67);
      const nonce = key.slice(67);
      if (!isHex(sub, 32) || !/^[0-9a-f]{16}$/.test(nonce)) bad(`bad nonce key ${key.slice(0, 20)}`);
      const account = s.accounts.of(sub as Hex);
      const k = uintKey(BigInt(`0x${nonce}`));
      if (bytes === null) account.spentNonces?.delete(k);
      else (account.spentNonces ??= new NonceSet()).add(k);
      return;
    }
    default:
      if (!isHex(key, 32) || key !== key.toLowerCase()) bad(`bad key ${key.slice(0, 20)}`);
      importOrder(s, key as Hex, bytes);
  }
}

function importGlobals(s: EngineState, bytes: Uint8Array): void {
  const r = new ByteReader(bytes);
  s.now = r.uint(8);
  s.sequence = r.uint(8);
  s.priceEpoch++;
  s.oracles.clear();
  s.oracleTimes.clear();
  for (let n = r.num(4); n > 0; n--) {
    const id = r.num(4);
    const price = r.uint(16);
    if (!s.markets.has(id) || price <= 0n) bad(`bad oracle of market ${id}`);
    s.oracles.set(id, price);
    s.oracleTimes.set(id, r.uint(8));
  }
  for (let n = r.num(4); n > 0; n--) {
    const id = r.num(4);
    if (!s.assets.has(id)) bad(`pool of unknown asset ${id}`);
    const pool = { supplyScaled: r.uint(32), borrowScaled: r.uint(32), supplyIndex: r.uint(32), borrowIndex: r.uint(32), lastAccrual: r.uint(8) };
    if (pool.supplyIndex < ONE || pool.borrowIndex < ONE) bad(`bad pool of asset ${id}`);
    s.accounts.setPool(id, pool);
    s.accounts.setCashMoved(id, r.int(32));
  }
  const perps = s.accounts.perps;
  for (let n = r.num(4); n > 0; n--) {
    const id = r.num(4);
    if (s.markets.get(id)?.config.kind !== 'PERP') bad(`funding of market ${id}, which is not a perp`);
    perps.setCumFunding(id, r.int(32));
    perps.setPremium(id, { sum: r.int(32), since: r.uint(8), last: r.int(32), sampledAt: r.uint(8) });
    perps.setFundingAt(id, r.uint(8));
  }
  r.end();
}

function importAccount(s: EngineState, sub: Hex, bytes: RecordBytes): void {
  const account = s.accounts.of(sub);
  s.accounts.clear(account);
  s.minNonces.delete(sub);
  s.linkedSigners.delete(sub);
  s.riskPlans.delete(sub);
  s.marginCalls.delete(sub);
  if (bytes === null) return;
  const r = new ByteReader(bytes);
  for (let n = r.num(2); n > 0; n--) {
    const id = r.u8();
    if (!s.assets.has(id)) bad(`balance of unknown asset ${id}`);
    s.accounts.setStored(sub, id, r.int(32), r.int(32));
  }
  for (let n = r.num(2); n > 0; n--) {
    const id = r.num(4);
    if (s.markets.get(id)?.config.kind !== 'PERP') bad(`position in market ${id}, which is not a perp`);
    s.accounts.setPosition(sub, id, { size: r.int(32), vQuote: r.int(32), lastCumFunding: r.int(32), dSize: r.int(32), dVQuote: r.int(32) });
  }
  const minNonce = r.uint(8);
  if (minNonce !== 0n) s.minNonces.set(sub, minNonce);
  if (r.u8() === 1) {
    const signer = r.address();
    if (BigInt(signer) === 0n) bad('a linked signer cannot be the zero address');
    s.linkedSigners.set(sub, { signer, expiry: r.uint(8) });
  }
  if (r.u8() === 1) {
    const marketOrder: number[] = [];
    for (let n = r.num(4); n > 0; n--) marketOrder.push(r.num(4));
    if (!marketOrder.every((id) => s.markets.has(id))) bad('a risk plan names an unknown market');
    s.riskPlans.set(sub, { subaccount: sub, marketOrder, maxSlippageBps: r.num(2), graceSeconds: r.num(4), nonce: r.uint(8) });
  }
  if (r.u8() === 1) s.marginCalls.set(sub, r.uint(8));
  r.end();
}

function importOrder(s: EngineState, hash: Hex, bytes: RecordBytes): void {
  s.dropOrder(hash);
  if (bytes === null) return;
  const r = new ByteReader(bytes);
  const tag = r.u8();
  if (tag === FINISHED) {
    s.addTombstone(hash, r.uint(8));
    r.end();
    return;
  }
  if (tag !== OPEN) bad(`order ${hash}: unknown tag ${tag}`);
  const order = {
    subaccount: r.bytes32(),
    marketId: r.num(4),
    isBuy: r.u8() === 1,
    price: r.uint(16),
    amount: r.uint(16),
    nonce: r.uint(8),
    expiry: r.uint(8),
    flags: r.num(4),
    clientId: r.uint(8),
  };
  const status = r.u8() === 0 ? 'open' : 'partially_filled';
  const filled = r.uint(16);
  const sequence = r.uint(8);
  r.end();
  const market = s.markets.get(order.marketId);
  const flags = decodeFlags(order.flags);
  if (market === undefined || flags === null || !isWellFormed(hash, order) || order.price > UINT128_MAX) bad(`order ${hash}: malformed fields`);
  const { tickSize, lotSize } = market.config;
  if (order.price % tickSize !== 0n || order.amount % lotSize !== 0n || filled % lotSize !== 0n || filled >= order.amount || sequence === 0n) {
    bad(`order ${hash}: off the market's grid or filled`);
  }
  const rec = new OrderRecord(
    hash,
    order,
    Number(order.price / tickSize),
    Number(order.amount / lotSize),
    flags.timeInForce ?? TimeInForce.GTC,
    flags.selfTrade ?? SelfTradeMode.CANCEL_MAKER,
    sequence,
    market.config,
    s.subaccountString(order.subaccount),
  );
  rec.filledLots = Number(filled / lotSize);
  rec.status = status;
  s.restOrdered(rec, market);
}
