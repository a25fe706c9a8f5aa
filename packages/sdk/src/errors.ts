/**
 * Errors thrown by the SDK, in viem's shape: a short one-line message, structured details, a
 * stable code and the underlying cause. Every error the SDK throws is a {@link KestrelSdkError};
 * errors answered by a node are the subclass {@link KestrelApiError}, carrying the node's code.
 */
import { KestrelBaseError, type ErrorCode } from '@kestrel/core';

/** The package version, shown at the foot of every error message. */
export const SDK_VERSION = '0.1.0';

/**
 * Codes the SDK raises on its own, beside the node's stable codes ({@link ErrorCode}).
 * Like the node's codes they are public API: never renamed, never reused.
 */
export const SdkErrorCode = {
  /** The node could not be reached (connection refused, DNS, reset). */
  NETWORK: 'NETWORK',
  /** A request or a wait ran past its deadline. */
  TIMEOUT: 'TIMEOUT',
  /** The node answered something that is not the documented shape. */
  INVALID_RESPONSE: 'INVALID_RESPONSE',
  /** A non-2xx answer without the `{error:{code,…}}` body. */
  HTTP_ERROR: 'HTTP_ERROR',
  /** The action needs an account (to sign or to send) and the client has none. */
  ACCOUNT_REQUIRED: 'ACCOUNT_REQUIRED',
  /** The action asks a node and the client has no `nodeUrl` (a chain-only client). */
  NODE_URL_REQUIRED: 'NODE_URL_REQUIRED',
  /** The action reads the chain and the client has no `publicClient`. */
  PUBLIC_CLIENT_REQUIRED: 'PUBLIC_CLIENT_REQUIRED',
  /** The action sends a transaction and the client has no `walletClient`. */
  WALLET_CLIENT_REQUIRED: 'WALLET_CLIENT_REQUIRED',
  /** The typed data failed validation before signing. */
  INVALID_TYPED_DATA: 'INVALID_TYPED_DATA',
  /** The account or wallet refused or failed to sign. */
  SIGNING_FAILED: 'SIGNING_FAILED',
  /** An amount has more fractional digits than its unit allows (18 for X18, the token's decimals for tokens). */
  TOO_MANY_DECIMALS: 'TOO_MANY_DECIMALS',
  /** An amount that must be positive is zero, negative or out of range. */
  INVALID_AMOUNT: 'INVALID_AMOUNT',
  /** A contract call reverted, in simulation or on chain. */
  CONTRACT_REVERTED: 'CONTRACT_REVERTED',
  /** The node serves another exchange or chain than the client was given: the client refuses it. */
  DEPLOYMENT_MISMATCH: 'DEPLOYMENT_MISMATCH',
  /** A client that signs or sends was given no `exchange` or no chain id: it would have to take them from the node. */
  DEPLOYMENT_REQUIRED: 'DEPLOYMENT_REQUIRED',
  /** A market order found nothing on the other side of the book. */
  NO_LIQUIDITY: 'NO_LIQUIDITY',
  /** The JSON-RPC layer failed (the chain, not the node). */
  RPC_ERROR: 'RPC_ERROR',
  /** The Exchange may not be frozen: batches land and no queued request has waited forceDelay. */
  NOT_STALLED: 'NOT_STALLED',
  /** The escape hatch's exits need a frozen Exchange. */
  NOT_FROZEN: 'NOT_FROZEN',
  /** The account's exit was paid already. */
  ALREADY_EXITED: 'ALREADY_EXITED',
  /** Nothing is claimable (no payout a token refused is waiting). */
  NOTHING_TO_CLAIM: 'NOTHING_TO_CLAIM',
  /** The request is not a deposit waiting for a batch (credited, sent back already, or another kind). */
  NOT_RECLAIMABLE: 'NOT_RECLAIMABLE',
  /** The node refused a stream subscription (an unknown market, too many subscriptions): the subscription ended. */
  STREAM_REFUSED: 'STREAM_REFUSED',
  /** After a reconnect the node could not replay every missed batch: `details` names them; read them from the history actions. */
  STREAM_GAP: 'STREAM_GAP',
  /** A stream callback threw; the stream goes on. */
  STREAM_CALLBACK_FAILED: 'STREAM_CALLBACK_FAILED',
  /** Streams need a WebSocket and the platform has none: give the client one (`webSocket`). */
  WEBSOCKET_REQUIRED: 'WEBSOCKET_REQUIRED',
} as const;
export type SdkErrorCode = (typeof SdkErrorCode)[keyof typeof SdkErrorCode];

/**
 * Every code an SDK error can carry: the node's codes, the SDK's own, or a code added to the node
 * after this SDK was published (kept as the string the node sent).
 */
export type KestrelErrorCode = ErrorCode | SdkErrorCode | (string & {});

export interface KestrelSdkErrorOptions {
  /** structured, JSON-serializable context: the field, the value, the limit it broke */
  details?: Record<string, unknown> | undefined;
  cause?: unknown;
}

/**
 * Base class of every error the SDK throws.
 *
 * @example
 * ```ts
 * import { KestrelSdkError } from '@kestrel/sdk';
 * try {
 *   await client.placeOrder({ symbol: 'WETH/USDC', side: 'buy', price: '1850.255', amount: '1' });
 * } catch (e) {
 *   if (e instanceof KestrelSdkError && e.code === 'OFF_TICK') console.log(e.shortMessage, e.details);
 * }
 * ```
 */
export class KestrelSdkError extends KestrelBaseError<KestrelErrorCode> {
  override name = 'KestrelSdkError';
  readonly version = SDK_VERSION;

  constructor(code: KestrelErrorCode, shortMessage: string, options: KestrelSdkErrorOptions = {}) {
    const details = options.details ?? {};
    const lines = [shortMessage, '', `Code: ${code}`];
    if (Object.keys(details).length > 0) lines.push(`Details: ${safeJson(details)}`);
    const causeMessage = causeText(options.cause);
    if (causeMessage) lines.push(`Cause: ${causeMessage}`);
    lines.push(`Version: @kestrel/sdk@${SDK_VERSION}`);
    super(code, shortMessage, { details, cause: options.cause, message: lines.join('\n') });
  }
}

export interface KestrelApiErrorOptions extends KestrelSdkErrorOptions {
  /** HTTP status of the answer */
  status: number;
  method: string;
  url: string;
  /** the answer's Retry-After, in seconds (a 503 `MEMPOOL_FULL` or a 429 `RATE_LIMITED` carries one) */
  retryAfterSeconds?: number | undefined;
}

/**
 * A node answered with an error (`{error:{code, message, details}}`). `code` is the node's stable
 * code (`OFF_TICK`, `INVALID_SIGNATURE`, `NONCE_USED`, …), `details` its structured details.
 * A refusal for load — `MEMPOOL_FULL` (503: the node took nothing, so nothing was lost) or
 * `RATE_LIMITED` (429) — carries `retryAfterSeconds`, when the same request may be sent again.
 *
 * @example
 * ```ts
 * import { KestrelApiError } from '@kestrel/sdk';
 * try {
 *   await client.getOrder({ orderHash });
 * } catch (e) {
 *   if (e instanceof KestrelApiError && e.status === 404) console.log('unknown order');
 * }
 * ```
 */
export class KestrelApiError extends KestrelSdkError {
  override name = 'KestrelApiError';
  readonly status: number;
  readonly method: string;
  readonly url: string;
  /** seconds to wait before sending the same request again, from the Retry-After header */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: KestrelErrorCode, shortMessage: string, options: KestrelApiErrorOptions) {
    super(code, shortMessage, {
      details: options.details,
      cause: options.cause,
    });
    this.status = options.status;
    this.method = options.method;
    this.url = options.url;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** True for an error thrown by the SDK with the given code. */
export function isKestrelError(error: unknown, code?: KestrelErrorCode): error is KestrelSdkError {
  return error instanceof KestrelSdkError && (code === undefined || error.code === code);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return String(value);
  }
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) {
    const short = (cause as { shortMessage?: unknown }).shortMessage;
    return typeof short === 'string' ? short : cause.message.split('\n')[0];
  }
  return String(cause);
}
