/**
 * What the ledger writes to its store besides the mempool and the engine's records: the batch
 * log, the signed orders it holds, the batch meta and what the last batch replaced (see `Ledger`).
 */
import type { Hex, Order, Proposal, SettlementArgs } from '@kestrel/core';

/** A batch in the node's log: the signed proposal, what the chain was sent, and its transaction. */
export interface BatchRecord {
  proposal: Proposal;
  /** the `settleBatch` arguments (null for a batch this node applied without building them) */
  settlement: SettlementArgs | null;
  txHash: Hex | null;
  /** each input's mempool arrival number on this node (null if it never sat in this mempool) */
  seqs: Array<bigint | null>;
  /** what the engine did that the chain's events tell too (follower/outcome.ts), for the audit; absent in older records */
  outcome?: string[];
}

/** A signed order the node has seen: the batch that sequenced it, if any. */
export interface SignedOrderRecord {
  order: Order;
  signature: Hex;
  batchId: bigint | null;
}

/**
 * A signed order as `order:<hash>` holds it: without the order's fields when the engine's state
 * records hold the same order (an open order; they are read back from there), else whole.
 */
export type StoredOrderRecord = SignedOrderRecord | Omit<SignedOrderRecord, 'order'>;

/** Where the log stands after a batch. */
export interface BatchMeta {
  lastBatchId: string;
  lastTimestamp: string;
  requestCursor: string;
  stateHash: Hex;
}

/**
 * What the last committed batch replaced (`undo:last`): the state records before it, and which
 * orders it archived. The archive entries themselves are on disk under their own keys, and a
 * held order's signed record is its archive entry's order, signature and batch: the undo names
 * them rather than holding a second copy of each (a rollback reads them back).
 */
export interface UndoRecord {
  /** [record key, its bytes before the batch as hex, or null when it was absent] */
  records: Array<[string, Hex | null]>;
  /** the orders the batch archived: [hash, the time it finished at] */
  archived: Array<[Hex, bigint]>;
  /** those among them whose signed record (`order:<hash>`) the batch removed */
  removed: Hex[];
}

/**
 * A signed cancel is accepted only while its timestamp is within this many seconds of the node's
 * clock; within that window each cancel acts once (its digest is remembered), and outside it a
 * replayed cancel is stale. Five minutes leaves room for clock skew and slow clients.
 */
export const CANCEL_WINDOW_SECONDS = 300n;
