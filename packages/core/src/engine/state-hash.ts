/**
 * The state hash: keccak-256 over a canonical byte serialization of the whole engine state.
 * Every node that applied the same input log produces the same bytes, so followers compare one
 * 32-byte value with the leader's (spec/matching.md, spec/contracts.md). Integers are big-endian and fixed-width;
 * strings are a u8 length and ASCII; iteration is always in sorted order.
 *
 * ```
 * STATE_HASH_TAG ("kestrel/engine-state/v6")   tag (u8 length + ASCII)
 * u64 now, u64 sequence
 * u32 #markets, per market (ascending id):
 *   u32 marketId
 *   bids then asks: u32 #levels, per level (best first):
 *     u128 price, u32 #orders, per order (FIFO): bytes32 hash, u128 remaining amount
 * u64 #orders, per order (ascending hash; live and terminal):
 *   bytes32 hash, bytes32 subaccount, u32 marketId, u8 isBuy, u128 price, u128 amount,
 *   u64 nonce, u64 expiry, u32 flags, u64 clientId,
 *   str status, u128 filled, u64 sequence, str rejectCode ("" = none), str cancelReason ("" = none)
 * u64 #balances, per balance with a stored value or a move in the current batch (ascending
 *   subaccount, then asset id):
 *   bytes32 subaccount, u32 assetId, i256 scaled balance, i256 the batch's net move (two's complement)
 * u64 #minNonces, per non-zero minNonce (ascending subaccount): bytes32 subaccount, u64 minNonce
 * u64 #linkedSigners, per subaccount with one (ascending): bytes32 subaccount, u160 signer, u64 expiry
 * u64 #positions, per position stored or moved in the current batch (ascending subaccount, then
 *   market id):
 *   bytes32 subaccount, u32 marketId, i256 size, i256 vQuote, i256 lastCumFunding,
 *   i256 the batch's net size, i256 the batch's net vQuote
 * u32 #oracles, per market with an oracle price (ascending id): u32 marketId, u128 price,
 *   u64 publishedAt
 * u32 #assets, per asset (ascending id): u32 assetId, u256 supplyScaled, u256 borrowScaled,
 *   u256 supplyIndex, u256 borrowIndex, u64 lastAccrual, i256 cash moved in the current batch
 * u32 #perp markets, per perp market (ascending id): u32 marketId, i256 cumFunding,
 *   premium clock: i256 sum, u64 since, i256 last premium, u64 sampledAt; u64 funding clock
 * u64 #riskPlans, per subaccount with a plan (ascending): bytes32 subaccount, u32 #markets,
 *   u32 marketId each, u16 maxSlippageBps, u32 graceSeconds, u64 nonce
 * u64 #marginCalls, per flagged subaccount (ascending): bytes32 subaccount, u64 flagged at
 * ```
 *
 * v2 added positions and oracle prices (v1 had neither); v3 stores balances scaled by the
 * lending indexes with the current batch's moves apart (positions likewise), linked signers, the
 * lending pools
 * and the perps' cumulative funding; v4 the perps' premium clocks (the next funding rate); v5 risk
 * plans and margin-call flags; v6 the perps' funding clocks (funding is applied per second).
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, type Hex } from '../hex.js';
import type { OrderRecord } from './order-record.js';
import type { EngineState, MarketState } from './state.js';

export const STATE_HASH_TAG = 'kestrel/engine-state/v6';

/** The canonical bytes (exposed for debugging a hash mismatch between nodes). */
export function serializeState(s: EngineState): Uint8Array {
  const w = new ByteWriter(1024);
  w.str(STATE_HASH_TAG);
  w.uint(s.now, 8);
  w.uint(s.sequence, 8);

  w.uint(BigInt(s.marketIds.length), 4);
  for (const id of s.marketIds) {
    const m = s.markets.get(id)!;
    w.uint(BigInt(id), 4);
    writeSide(w, m, true);
    writeSide(w, m, false);
  }

  const hashes = [...s.orders.keys()].sort();
  w.uint(BigInt(hashes.length), 8);
  for (const h of hashes) writeOrder(w, s, s.orders.get(h)!);

  const balances = s.accounts.stored();
  w.uint(BigInt(balances.length), 8);
  for (const [sub, assetId, scaled, net] of balances) {
    w.bytes32(sub);
    w.uint(BigInt(assetId), 4);
    w.uint(BigInt.asUintN(256, scaled), 32);
    w.uint(BigInt.asUintN(256, net), 32);
  }

  const subs = [...s.minNonces.keys()].sort();
  w.uint(BigInt(subs.length), 8);
  for (const sub of subs) {
    w.bytes32(sub);
    w.uint(s.minNonces.get(sub)!, 8);
  }

  const linked = [...s.linkedSigners.keys()].sort();
  w.uint(BigInt(linked.length), 8);
  for (const sub of linked) {
    const l = s.linkedSigners.get(sub)!;
    w.bytes32(sub);
    w.uint(BigInt(l.signer), 20);
    w.uint(l.expiry, 8);
  }

  const positions = s.accounts.storedPositions();
  w.uint(BigInt(positions.length), 8);
  for (const [sub, marketId, p] of positions) {
    w.bytes32(sub);
    w.uint(BigInt(marketId), 4);
    for (const v of [p.size, p.vQuote, p.lastCumFunding, p.dSize, p.dVQuote]) w.uint(BigInt.asUintN(256, v), 32);
  }

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
    w.uint(BigInt.asUintN(256, s.accounts.cashMoved(id)), 32);
  }

  const perpIds = s.accounts.perps.marketIds();
  w.uint(BigInt(perpIds.length), 4);
  for (const id of perpIds) {
    w.uint(BigInt(id), 4);
    w.uint(BigInt.asUintN(256, s.accounts.perps.cumFunding(id)), 32);
    const c = s.accounts.perps.premium(id);
    w.uint(BigInt.asUintN(256, c.sum), 32);
    w.uint(c.since, 8);
    w.uint(BigInt.asUintN(256, c.last), 32);
    w.uint(c.sampledAt, 8);
    w.uint(s.accounts.perps.fundingAt(id), 8);
  }

  const planned = [...s.riskPlans.keys()].sort();
  w.uint(BigInt(planned.length), 8);
  for (const sub of planned) {
    const p = s.riskPlans.get(sub)!;
    w.bytes32(sub);
    w.uint(BigInt(p.marketOrder.length), 4);
    for (const id of p.marketOrder) w.uint(BigInt(id), 4);
    w.uint(BigInt(p.maxSlippageBps), 2);
    w.uint(BigInt(p.graceSeconds), 4);
    w.uint(p.nonce, 8);
  }

  const flagged = [...s.marginCalls.keys()].sort();
  w.uint(BigInt(flagged.length), 8);
  for (const sub of flagged) {
    w.bytes32(sub);
    w.uint(s.marginCalls.get(sub)!, 8);
  }
  return w.finish();
}

export function stateHash(s: EngineState): Hex {
  return bytesToHex(keccak_256(serializeState(s)));
}

function writeSide(w: ByteWriter, m: MarketState, isBuy: boolean): void {
  const { book, config } = m;
  const n = book.levelCount(isBuy);
  w.uint(BigInt(n), 4);
  for (let i = 0; i < n; i++) {
    const lvl = book.levelAt(isBuy, i);
    w.uint(BigInt(book.levelTick(lvl)) * config.tickSize, 16);
    w.uint(BigInt(book.levelOrderCount(lvl)), 4);
    for (let slot = book.levelHead(lvl); slot !== -1; slot = book.next(slot)) {
      w.bytes32(book.ref(slot)!.hash);
      w.uint(BigInt(book.lots(slot)) * config.lotSize, 16);
    }
  }
}

function writeOrder(w: ByteWriter, s: EngineState, r: OrderRecord): void {
  const o = r.order;
  const lotSize = s.markets.get(o.marketId)?.config.lotSize ?? 1n;
  w.bytes32(r.hash);
  w.bytes32(o.subaccount);
  w.uint(BigInt(o.marketId), 4);
  w.u8(o.isBuy ? 1 : 0);
  w.uint(o.price, 16);
  w.uint(o.amount, 16);
  w.uint(o.nonce, 8);
  w.uint(o.expiry, 8);
  w.uint(BigInt(o.flags), 4);
  w.uint(o.clientId, 8);
  w.str(r.status);
  w.uint(BigInt(r.filledLots) * lotSize, 16);
  w.uint(r.sequence, 8);
  w.str(r.rejectCode ?? '');
  w.str(r.cancelReason ?? '');
}

const HEX_VALUE = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[97 + i] = 10 + i;
    t[65 + i] = 10 + i;
  }
  return t;
})();

/** A growable big-endian byte writer. */
export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  /** An unsigned integer in exactly `width` bytes; throws if it does not fit. */
  uint(v: bigint, width: number): void {
    if (v < 0n || v >> BigInt(width * 8) !== 0n) throw new RangeError(`state hash: ${v} does not fit ${width} bytes`);
    this.ensure(width);
    const buf = this.buf;
    let x = v;
    // 32 bits at a time keeps the bigint work small
    let i = this.pos + width - 1;
    while (i >= this.pos) {
      let chunk = Number(x & 0xffffffffn);
      x >>= 32n;
      for (let k = 0; k < 4 && i >= this.pos; k++, i--) {
        buf[i] = chunk & 0xff;
        chunk >>>= 8;
      }
    }
    this.pos += width;
  }

  /** 32 bytes from 0x-prefixed hex. */
  bytes32(hex: Hex): void {
    if (hex.length !== 66) throw new RangeError(`state hash: expected 32 bytes of hex, got ${hex.slice(0, 20)}`);
    this.ensure(32);
    const buf = this.buf;
    for (let i = 0; i < 32; i++) {
      const hi = HEX_VALUE[hex.charCodeAt(2 + 2 * i)] ?? -1;
      const lo = HEX_VALUE[hex.charCodeAt(3 + 2 * i)] ?? -1;
      if (hi < 0 || lo < 0) throw new RangeError(`state hash: not hex: ${hex.slice(0, 20)}`);
      buf[this.pos + i] = (hi << 4) | lo;
    }
    this.pos += 32;
  }

  /** A u8 length and ASCII bytes. */
  str(text: string): void {
    if (text.length > 255) throw new RangeError('state hash: string too long');
    this.u8(text.length);
    this.ensure(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.pos++] = text.charCodeAt(i) & 0x7f;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
