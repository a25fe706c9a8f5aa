/**
 * The Kestrel client: node URL, optional account and viem clients, and a lazily loaded view of the
 * deployment (`/v1/info`, `/v1/markets`) shared by every action. Actions are plain functions
 * `(client, parameters)`; `createKestrelClient` (createKestrelClient.ts) binds them all, and
 * `extend` adds your own.
 */
import { ErrorCode, isHex } from '@kestrel/core';
import type { Account, Address, Client } from 'viem';
import { parseAccount } from 'viem/accounts';
import type { InfoResponse, MarketWire } from '@kestrel/api';
import { KestrelSdkError, SdkErrorCode } from './errors.js';
import type { StreamBackoff, StreamConnection } from './streams/connection.js';
import type { WebSocketLike } from './streams/websocket-native.js';

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
  /**
   * The Exchange contract address, from your own configuration (a deployment you know), never
   * from the node: required, with the chain id, for a client that has an account. The client
   * refuses a node whose `/v1/info` names another (`DEPLOYMENT_MISMATCH`): a hostile node cannot
   * have orders signed for, or deposits sent to, another contract.
   */
  exchange?: Address | undefined;
  /** The chain id of that deployment; default: the chain of `walletClient`, else of `publicClient`. */
  chainId?: number | undefined;
  /** Wall clock in ms, for default nonces and cancel timestamps; defaults to `Date.now`. */
  now?: (() => number) | undefined;
  /**
   * The lane of this client's default nonces, 0 to 1,023. Processes that sign with one key give
   * each a lane of its own and their nonces never collide; default: a random lane (two clients
   * then share one with a chance of 1 in 1,024).
   */
  nonceLane?: number | undefined;
  /**
   * The WebSocket class streams use; default: the platform's (browsers, Node 22+), else the `ws`
   * package on Node 20.
   */
  webSocket?: WebSocketLike | undefined;
  /** How streams reconnect after a drop; default 250 ms doubling to 10 s, with jitter). */
  streamBackoff?: Partial<StreamBackoff> | undefined;
}

/** Lazily loaded deployment data, shared by a client and its extensions. Not meant to be read directly. */
export interface KestrelClientCache {
  info: Promise<InfoResponse> | undefined;
  markets: Promise<MarketWire[]> | undefined;
  lastNonce: bigint;
  /** the client's stream sockets (a second one only for a second subscription to the same channel and key) */
  streams: StreamConnection[];
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
  readonly chainId: number | undefined;
  readonly now: () => number;
  /** the lane of the default nonces (`nonceLane`) */
  readonly nonceLane: number;
  readonly webSocket: WebSocketLike | undefined;
  readonly streamBackoff: Partial<StreamBackoff>;
  /** the deployment view and nonce counter, shared with extensions */
  readonly cache: KestrelClientCache;
  /** Returns a new client with the members `fn` builds from this one added. */
  extend<const T extends object>(fn: (client: this) => T): this & T;
}

/** How many nonce lanes there are: processes of one key that take distinct `nonceLane`s never collide. */
export const NONCE_LANES = 1024;

/** A lane from the platform's random source (Node.js 20 and browsers alike). */
function randomLane(): number {
  return globalThis.crypto.getRandomValues(new Uint16Array(1))[0]! % NONCE_LANES;
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
  const account = config.account === undefined ? walletAccount : parseAccount(config.account);
  const chainId = config.chainId ?? config.walletClient?.chain?.id ?? config.publicClient?.chain?.id;
  if (config.exchange !== undefined && !isHex(config.exchange, 20)) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, 'exchange must be a 20-byte hex address', { details: { exchange: String(config.exchange) } });
  }
  if (chainId !== undefined && (!Number.isSafeInteger(chainId) || chainId <= 0)) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, 'chainId must be a positive integer', { details: { chainId: String(chainId) } });
  }
  const nonceLane = config.nonceLane ?? randomLane();
  if (!Number.isInteger(nonceLane) || nonceLane < 0 || nonceLane >= NONCE_LANES) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, `nonceLane must be an integer from 0 to ${NONCE_LANES - 1}`, { details: { nonceLane: String(nonceLane) } });
  }
  if (account !== undefined && (config.exchange === undefined || chainId === undefined)) {
    throw new KestrelSdkError(
      SdkErrorCode.DEPLOYMENT_REQUIRED,
      'a client with an account needs the deployment from you, not from the node: give exchange and chainId (or a walletClient or publicClient with its chain)',
      { details: { exchange: config.exchange ?? null, chainId: chainId ?? null } },
    );
  }
  const client: KestrelBaseClient = {
    nodeUrl: config.nodeUrl?.replace(/\/+$/, ''),
    account,
    publicClient: config.publicClient,
    walletClient: config.walletClient,
    fetch: (input, init) => fetchFn(input, init),
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    pollingIntervalMs: config.pollingIntervalMs ?? DEFAULT_POLLING_INTERVAL_MS,
    exchange: config.exchange,
    chainId,
    now: config.now ?? Date.now,
    nonceLane,
    webSocket: config.webSocket,
    streamBackoff: config.streamBackoff ?? {},
    cache: { info: undefined, markets: undefined, lastNonce: 0n, streams: [] },
    extend(fn) {
      return { ...this, ...fn(this) };
    },
  };
  return client;
}
