/**
 * The Kestrel client: node URL, optional account and viem clients, and a lazily loaded view of the
 * deployment (`/v1/info`, `/v1/markets`) shared by every action. Actions are plain functions
 * `(client, parameters)`; `createKestrelClient` (createKestrelClient.ts) binds them all, and
 * `extend` adds your own.
 */
import { ErrorCode } from '@kestrel/core';
import type { Account, Address, Client } from 'viem';
import { parseAccount } from 'viem/accounts';
import type { InfoResponse, MarketWire } from '@kestrel/api';
import { KestrelSdkError } from './errors.js';

/** Request timeout when none is configured, in ms: long enough for a loaded node, short enough to notice a dead one. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Polling interval of `waitForOrder` when none is configured, in ms (about two batches at the default 250 ms batch interval). */
export const DEFAULT_POLLING_INTERVAL_MS = 500;

export interface KestrelClientConfig {
  /**
   * Base URL of a Kestrel node, e.g. `http://127.0.0.1:8545` (no trailing `/v1`). Without one
   * the client acts on the chain alone (give `exchange`): deposits, withdrawals, on-chain
   * cancels and the escape hatch keep working when no node answers.
   */
  nodeUrl?: string | undefined;
  /**
   * The account that signs orders and cancels and sends transactions: a viem local account
   * (`privateKeyToAccount(…)`) or, with a `walletClient`, an address the wallet controls.
   * Defaults to the wallet client's account.
   */
  account?: Account | Address | undefined;
  /** A viem client for reads (`deposit`, `getChainBalance`, …). */
  publicClient?: Client | undefined;
  /** A viem client for transactions, and for signing when `account` is not a local account. */
  walletClient?: Client | undefined;
  /** `fetch` to use; defaults to the global one. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Per-request timeout in ms; default {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number | undefined;
  /** Polling interval of `waitForOrder` in ms; default {@link DEFAULT_POLLING_INTERVAL_MS}. */
  pollingIntervalMs?: number | undefined;
  /** The Exchange contract address; defaults to the node's `/v1/info` answer. */
  exchange?: Address | undefined;
  /** Wall clock in ms, for default nonces and cancel timestamps; defaults to `Date.now`. */
  now?: (() => number) | undefined;
}

/** Lazily loaded deployment data, shared by a client and its extensions. Not meant to be read directly. */
export interface KestrelClientCache {
  info: Promise<InfoResponse> | undefined;
  markets: Promise<MarketWire[]> | undefined;
  lastNonce: bigint;
}

/** The client's configuration, resolved; what every action receives. */
export interface KestrelBaseClient {
  /** undefined for a chain-only client: node actions fail with `NODE_URL_REQUIRED` */
  readonly nodeUrl: string | undefined;
  readonly account: Account | undefined;
  readonly publicClient: Client | undefined;
  readonly walletClient: Client | undefined;
  readonly fetch: typeof globalThis.fetch;
  readonly timeoutMs: number;
  readonly pollingIntervalMs: number;
  readonly exchange: Address | undefined;
  readonly now: () => number;
  /** the deployment view and nonce counter, shared with extensions */
  readonly cache: KestrelClientCache;
  /** Returns a new client with the members `fn` builds from this one added. */
  extend<const T extends object>(fn: (client: this) => T): this & T;
}

/**
 * Creates a client without actions bound; call actions as functions, `getBook(client, {...})`,
 * which keeps bundles small.
 */
export function createKestrelBaseClient(config: KestrelClientConfig): KestrelBaseClient {
  if (config.nodeUrl === undefined ? config.exchange === undefined : typeof config.nodeUrl !== 'string' || !/^https?:\/\//.test(config.nodeUrl)) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, 'nodeUrl must be an http(s) URL (or, for a chain-only client, give exchange)', {
      details: { nodeUrl: String(config.nodeUrl) },
    });
  }
  const fetchFn = config.fetch ?? globalThis.fetch;
  const walletAccount = (config.walletClient as { account?: Account } | undefined)?.account;
  const client: KestrelBaseClient = {
    nodeUrl: config.nodeUrl?.replace(/\/+$/, ''),
    account: config.account === undefined ? walletAccount : parseAccount(config.account),
    publicClient: config.publicClient,
    walletClient: config.walletClient,
    fetch: (input, init) => fetchFn(input, init),
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    pollingIntervalMs: config.pollingIntervalMs ?? DEFAULT_POLLING_INTERVAL_MS,
    exchange: config.exchange,
    now: config.now ?? Date.now,
    cache: { info: undefined, markets: undefined, lastNonce: 0n },
    extend(fn) {
      return { ...this, ...fn(this) };
    },
  };
  return client;
}
