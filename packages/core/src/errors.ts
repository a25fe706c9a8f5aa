/**
 * The root of every error Kestrel code throws — the core's, the SDK's and the node's: a stable
 * code, a one-line message, structured details and the cause, with `walk()` to find an error
 * inside the chain of causes.
 */
import { ErrorCode } from './codes.js';
import type { Hex } from './hex.js';

export interface KestrelErrorOptions<Details> {
  details?: Details | undefined;
  cause?: unknown;
  /** the full message, when it says more than the short one (the SDK adds the code and details) */
  message?: string | undefined;
}

/** How deep `walk` follows causes: an explicit bound, so a cycle of causes cannot hang it. */
const MAX_CAUSES = 32;

export class KestrelBaseError<Code extends string = string, Details extends object = Record<string, unknown>> extends Error {
  override name = 'KestrelBaseError';
  /** a stable UPPER_SNAKE code, for programs */
  readonly code: Code;
  /** one line, for people */
  readonly shortMessage: string;
  /** structured, JSON-serializable context */
  readonly details: Details;

  constructor(code: Code, shortMessage: string, options: KestrelErrorOptions<Details> = {}) {
    super(options.message ?? shortMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.shortMessage = shortMessage;
    this.details = options.details ?? ({} as Details);
  }

  /**
   * Follows the chain of causes from this error: returns the first error `accept` takes (null if
   * none does), or without `accept` the innermost cause.
   */
  walk(accept?: (err: unknown) => boolean): unknown {
    let err: unknown = this;
    for (let depth = 0; depth < MAX_CAUSES; depth++) {
      if (accept?.(err)) return err;
      const next = err instanceof Error ? err.cause : undefined;
      if (next === undefined) break;
      err = next;
    }
    return accept ? null : err;
  }
}

/** The details each code carries, where it carries some (others: any JSON-serializable record). */
export interface ErrorDetails {
  MALFORMED: { field?: string };
  INVALID_SIGNATURE: { digest: Hex };
  UNKNOWN_ORDER: { orderHash: Hex };
  DUPLICATE_ORDER: { orderHash: Hex };
  DUPLICATE_CANCEL: { digest: Hex };
  STALE_CANCEL: { timestamp: string; now: string };
  MEMPOOL_FULL: { limit: number; scope?: 'total' | 'subaccount' | 'owner' };
  INVALID_PLAN: { planHash: Hex };
}

export type DetailsOf<C extends ErrorCode> = (C extends keyof ErrorDetails ? ErrorDetails[C] : unknown) & Record<string, unknown>;

/** An error of the protocol's own: one of the stable codes above, with the details that code carries. */
export class KestrelError<C extends ErrorCode = ErrorCode> extends KestrelBaseError<C, DetailsOf<C>> {
  override name = 'KestrelError';
  constructor(code: C, message: string, details: DetailsOf<C> = {} as DetailsOf<C>, options: { cause?: unknown } = {}) {
    super(code, message, { details, cause: options.cause });
  }
}

/** The error for an input no honest sequencer sends (wrong types, out of range). */
export function malformed(message: string): KestrelError {
  return new KestrelError(ErrorCode.MALFORMED, message);
}
