/**
 * The engine's inputs about markets rather than orders: oracle prices, linked signers, and the
 * perps' premium clock and funding updates (spec/perps.md). Each checks its input, changes the state
 * and reports what it did.
 */
import { ErrorCode } from '../codes.js';
import { KestrelError, malformed } from '../errors.js';
import { isHex, type Hex } from '../hex.js';
import { bookPremium, clampFundingRate, nextCumFunding, premiumRate, samplePremium } from '../perp.js';
import { INT128_MAX, UINT128_MAX, UINT64_MAX } from '../x18.js';
import { ZERO_ADDRESS, type EngineState } from './state.js';
import { DEFAULT_MAX_FUNDING_RATE, type EngineEvent } from './types.js';

export function setOracle(s: EngineState, marketId: number, price: bigint, publishedAt: bigint | undefined, events: EngineEvent[]): void {
  if (!s.markets.has(marketId)) throw new KestrelError(ErrorCode.UNKNOWN_MARKET, `oracle: unknown market ${String(marketId)}`, { marketId });
  if (typeof price !== 'bigint' || price <= 0n || price > UINT128_MAX) throw malformed('oracle: price must be a bigint in 1..2^128-1');
  const at = publishedAt ?? s.now;
  if (typeof at !== 'bigint' || at < 0n || at > UINT64_MAX) throw malformed('oracle: publishedAt must be a uint64 of seconds');
  s.oracles.set(marketId, price);
  s.oracleTimes.set(marketId, at);
  s.priceEpoch++;
  // a perp's funding clock starts when a batch first prices it (the contract's rule)
  if (s.markets.get(marketId)!.config.kind === 'PERP' && s.accounts.perps.fundingAt(marketId) === 0n) s.accounts.perps.setFundingAt(marketId, s.now);
  events.push({ kind: 'oracleUpdated', marketId, price, publishedAt: at });
}

export function setLinkedSigner(s: EngineState, requestId: bigint, subaccount: Hex, signer: Hex, expiry: bigint, events: EngineEvent[]): void {
  if (typeof requestId !== 'bigint') throw malformed('linkedSigner: bad requestId');
  if (!isHex(signer, 20)) throw malformed('linkedSigner: signer must be a 20-byte address');
  if (typeof expiry !== 'bigint' || expiry < 0n || expiry > UINT64_MAX) throw malformed('linkedSigner: expiry must be a uint64');
  const who = signer.toLowerCase() as Hex;
  if (who === ZERO_ADDRESS) {
    s.linkedSigners.delete(subaccount);
    events.push({ kind: 'linkedSignerSet', requestId, subaccount, signer: who, expiry: 0n });
    return;
  }
  s.linkedSigners.set(subaccount, { signer: who, expiry });
  events.push({ kind: 'linkedSignerSet', requestId, subaccount, signer: who, expiry });
}

/** Each perp's premium over its index, sampled at a batch's time (perp.ts, PremiumClock). */
export function samplePremiums(s: EngineState, t: bigint): void {
  for (const id of s.accounts.perps.marketIds()) {
    const m = s.markets.get(id)!;
    const tick = m.config.tickSize;
    const bid = m.book.bestTick(true);
    const ask = m.book.bestTick(false);
    const premium = bookPremium(Number.isNaN(bid) ? undefined : BigInt(bid) * tick, Number.isNaN(ask) ? undefined : BigInt(ask) * tick, s.oracles.get(id));
    s.accounts.perps.setPremium(id, samplePremium(s.accounts.perps.premium(id), t, premium));
  }
}

/**
 * A perp's funding update: the given rate, or the engine's own from its premium clock (per hour),
 * clamped, times the index, for the seconds since the market's last update.
 */
export function updateFunding(s: EngineState, marketId: number, given: bigint | undefined, events: EngineEvent[]): void {
  const market = s.markets.get(marketId);
  if (market?.config.kind !== 'PERP') throw new KestrelError(ErrorCode.UNKNOWN_MARKET, `funding: ${String(marketId)} is not a perp market`, { marketId });
  if (given !== undefined && (typeof given !== 'bigint' || given > INT128_MAX || given < -INT128_MAX))
    throw malformed('funding: rate must be a bigint within ±2^127');
  const index = s.oracles.get(marketId);
  if (index === undefined) throw malformed(`funding: market ${marketId} has no oracle price`);
  const computed = premiumRate(s.accounts.perps.premium(marketId), s.now);
  s.accounts.perps.setPremium(marketId, computed.clock);
  const rate = given ?? computed.rate;
  const maxRate = market.config.maxFundingRate ?? DEFAULT_MAX_FUNDING_RATE;
  const elapsed = s.now - s.accounts.perps.fundingAt(marketId);
  const cumFunding = nextCumFunding(s.accounts.perps.cumFunding(marketId), rate, maxRate, index, elapsed);
  s.accounts.perps.setCumFunding(marketId, cumFunding);
  s.accounts.perps.setFundingAt(marketId, s.now);
  events.push({ kind: 'fundingUpdated', marketId, rate: clampFundingRate(rate, maxRate), cumFunding });
}
