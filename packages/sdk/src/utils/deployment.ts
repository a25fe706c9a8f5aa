/**
 * The deployment as the client sees it: the node's `/v1/info` and market list, loaded once and
 * shared by the client's actions, and the account, subaccount and nonce every signed message needs.
 */
import { ErrorCode, makeSubaccount, isHex, type Eip712Domain, type Hex } from '@kestrel/core';
import type { Account, Address } from 'viem';
import type { InfoResponse, MarketWire } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode } from '../errors.js';
import { request } from './http.js';

/** Fetches `/v1/info` and stores it as the client's view of the deployment. */
export async function fetchInfo(client: KestrelBaseClient): Promise<InfoResponse> {
  const info = await request(client, 'info');
  if (typeof info.chainId !== 'number' || !isHex(info.exchange, 20) || !Array.isArray(info.assets)) {
    throw new KestrelSdkError(SdkErrorCode.INVALID_RESPONSE, 'GET /v1/info answered without chainId, exchange or assets', {
      details: { info },
    });
  }
  const exchangeDiffers = client.exchange !== undefined && client.exchange.toLowerCase() !== info.exchange.toLowerCase();
  if (exchangeDiffers || (client.chainId !== undefined && client.chainId !== info.chainId)) {
    throw new KestrelSdkError(
      SdkErrorCode.DEPLOYMENT_MISMATCH,
      `the node serves exchange ${info.exchange} on chain ${info.chainId}; this client was given ${client.exchange ?? 'any exchange'} on chain ${client.chainId ?? 'any'}`,
      { details: { client: { exchange: client.exchange ?? null, chainId: client.chainId ?? null }, node: { exchange: info.exchange, chainId: info.chainId } } },
    );
  }
  client.cache.info = Promise.resolve(info);
  return info;
}

/** `/v1/info`, loaded on first use and then reused. A failed load is retried on the next call. */
export function cachedInfo(client: KestrelBaseClient): Promise<InfoResponse> {
  if (!client.cache.info) {
    const p = fetchInfo(client);
    client.cache.info = p;
    p.catch(() => {
      if (client.cache.info === p) client.cache.info = undefined;
    });
  }
  return client.cache.info;
}

/** Fetches the market list and stores it as the client's view. */
export async function fetchMarkets(client: KestrelBaseClient): Promise<MarketWire[]> {
  const body = await request(client, 'markets');
  if (!Array.isArray(body.markets)) {
    throw new KestrelSdkError(SdkErrorCode.INVALID_RESPONSE, 'GET /v1/markets answered without a markets array', { details: {} });
  }
  client.cache.markets = Promise.resolve(body.markets);
  return body.markets;
}

export function cachedMarkets(client: KestrelBaseClient): Promise<MarketWire[]> {
  if (!client.cache.markets) {
    const p = fetchMarkets(client);
    client.cache.markets = p;
    p.catch(() => {
      if (client.cache.markets === p) client.cache.markets = undefined;
    });
  }
  return client.cache.markets;
}

/** How an action names a market: by id, by symbol, or with the market itself (no node needed). */
export type MarketRef =
  | { marketId: number; symbol?: undefined; market?: undefined }
  | { symbol: string; marketId?: undefined; market?: undefined }
  | { market: MarketWire; marketId?: undefined; symbol?: undefined };

/**
 * Finds a market in the client's list; a miss refreshes the list once (the market may be new),
 * then throws `UNKNOWN_MARKET`.
 */
export async function resolveMarket(client: KestrelBaseClient, ref: MarketRef): Promise<MarketWire> {
  if (ref.market !== undefined) return ref.market;
  const match = (m: MarketWire): boolean =>
    ref.marketId !== undefined ? m.marketId === ref.marketId : m.symbol.toUpperCase() === String(ref.symbol).toUpperCase();
  const found = (await cachedMarkets(client)).find(match) ?? (await fetchMarkets(client)).find(match);
  if (!found) {
    const key = ref.marketId !== undefined ? `marketId ${ref.marketId}` : `symbol "${String(ref.symbol)}"`;
    throw new KestrelSdkError(ErrorCode.UNKNOWN_MARKET, `no market with ${key}`, {
      details: ref.marketId !== undefined ? { marketId: ref.marketId } : { symbol: ref.symbol },
    });
  }
  return found;
}

/** The EIP-712 domain of a deployment (spec/orders.md). */
export function domainOf(info: Pick<InfoResponse, 'chainId' | 'exchange'>): Eip712Domain {
  return { name: 'Kestrel', version: '1', chainId: BigInt(info.chainId), verifyingContract: info.exchange };
}

/** The exchange address: the client's override, or the node's. */
export async function exchangeAddress(client: KestrelBaseClient): Promise<Address> {
  return client.exchange ?? (await cachedInfo(client)).exchange;
}

export function requireAccount(client: KestrelBaseClient, action: string): Account {
  if (!client.account) {
    throw new KestrelSdkError(
      SdkErrorCode.ACCOUNT_REQUIRED,
      `${action} needs an account: pass \`account\` or a \`walletClient\` with one to createKestrelClient`,
      {
        details: { action },
      },
    );
  }
  return client.account;
}

/**
 * The subaccount name used when an action is given neither `subaccount` nor `subaccountName`:
 * `'main'`, the subaccount the devnet funds for each trader.
 */
export const DEFAULT_SUBACCOUNT_NAME = 'main';

/** How an action names a subaccount: explicitly, or by name under the client's account (`'main'` by default). */
export interface SubaccountRef {
  /** the full 32-byte subaccount; takes precedence over `subaccountName` */
  subaccount?: Hex | undefined;
  /** name (≤ 12 bytes UTF-8) under the client's account; default {@link DEFAULT_SUBACCOUNT_NAME} (`'main'`) */
  subaccountName?: string | undefined;
}

export function resolveSubaccount(client: KestrelBaseClient, ref: SubaccountRef, action: string): Hex {
  if (ref.subaccount !== undefined) {
    if (!isHex(ref.subaccount, 32)) {
      throw new KestrelSdkError(ErrorCode.MALFORMED, 'subaccount must be 32 bytes of 0x hex', { details: { subaccount: ref.subaccount } });
    }
    return ref.subaccount.toLowerCase() as Hex;
  }
  const account = requireAccount(client, action);
  try {
    return makeSubaccount(account.address, ref.subaccountName ?? DEFAULT_SUBACCOUNT_NAME);
  } catch (cause) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, 'subaccountName must be at most 12 bytes of UTF-8', {
      details: { subaccountName: ref.subaccountName },
      cause,
    });
  }
}

/** Bits of a default nonce below the ms clock: a 10-bit lane, then a 10-bit sequence. */
const MS_SHIFT = 20n;
const LANE_SHIFT = 10n;
const SEQ_MASK = (1n << LANE_SHIFT) - 1n;

/**
 * The next default nonce: `ms << 20 | lane << 10 | seq` — the client's ms clock, its lane
 * (`nonceLane`), and a sequence for orders within one millisecond (past 1,024 of them, the next
 * millisecond's slot). Strictly increasing per client, also when the clock steps back; two clients
 * of one key in distinct lanes never issue the same nonce; and close to wall-clock time, so
 * `cancelUpTo(nonceAt(t))` cancels everything signed before `t` in every lane. Consecutive orders
 * of a burst take consecutive nonces, which the Exchange's spent-nonce bitmap keeps 256 to a word.
 */
export function nextNonce(client: KestrelBaseClient): bigint {
  const lane = BigInt(client.nonceLane) << LANE_SHIFT;
  const fromClock = nonceAt(client.now()) | lane;
  const last = client.cache.lastNonce;
  let next: bigint;
  if (fromClock > last) next = fromClock;
  else if ((last & SEQ_MASK) < SEQ_MASK) next = last + 1n;
  else next = (((last >> MS_SHIFT) + 1n) << MS_SHIFT) | lane;
  client.cache.lastNonce = next;
  return next;
}

/** The lowest default nonce of a wall-clock time in ms (`ms << 20`): lane 0, sequence 0. */
export function nonceAt(ms: number): bigint {
  return BigInt(Math.floor(ms)) << MS_SHIFT;
}

/** The client's clock in whole unix seconds. */
export function nowSeconds(client: KestrelBaseClient): bigint {
  return BigInt(Math.floor(client.now() / 1000));
}
