/**
 * How a refused input is judged: the verdict travels with the error's code, so no catch block
 * decides it. REJECT is for a provably bad message — one no honest peer relays, because any node
 * checks it the same way with no state involved: it is malformed or badly signed. Everything
 * else — a duplicate, a full mempool, a stale cancel, a check that failed on this node's side —
 * is IGNORE: valid perhaps, but not for this node now.
 */
import { ErrorCode, KestrelError } from '@kestrel/core';
import type { Verdict } from '../gossip/network.js';

export type { Verdict };

const PROVABLY_BAD: ReadonlySet<string> = new Set([ErrorCode.MALFORMED, ErrorCode.INVALID_SIGNATURE]);

/** The gossip verdict a refusal carries. */
export function verdictOf(err: unknown): 'IGNORE' | 'REJECT' {
  return err instanceof KestrelError && PROVABLY_BAD.has(err.code) ? 'REJECT' : 'IGNORE';
}
