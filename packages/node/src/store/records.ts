/**
 * What the ledger writes to its store besides the mempool and the engine's records: the batch
 * log, the signed orders it holds, the batch meta and what the last batch replaced (see `Ledger`).
 */
import type { Hex, Order, Proposal, SettlementArgs } from '@kestrel/core';
import type { ArchivedOrder } from './archive.js';

/** A batch in the node's log: the signed proposal, what the chain was sent, and its transaction. */
export interface BatchRecord {
  proposal: Proposal;
  /** the `settleBatch` arguments (null for a batch this node applied without building them) */
  settlement: SettlementArgs | null;
  txHash: Hex | null;
  /** each input's mempool arrival number on this node (null if it never sat in this mempool) */
  seqs: Array<bigint | null>;
}

/** A signed order the node has seen: the batch that sequenced it, if any. */
export interface SignedOrderRecord {
  order: Order;
  signature: Hex;
  batchId: bigint | null;
}

/** Where the log stands after a batch. */
export interface BatchMeta {
  lastBatchId: string;
  lastTimestamp: string;
  requestCursor: string;
  stateHash: Hex;
}

/** What the last committed batch replaced (`undo:last`): the state records before it, the orders it archived. */
export interface UndoRecord {
  /** [record key, its bytes before the batch as hex, or null when it was absent] */
  records: Array<[string, Hex | null]>;
  archived: ArchivedOrder[];
  /** the signed order records the archiving removed */
  orders: Array<[Hex, SignedOrderRecord]>;
}

/**
 * A signed cancel is accepted only while its timestamp is within this many seconds of the node's
 * clock; within that window each cancel acts once (its digest is remembered), and outside it a
 * replayed cancel is stale. Five minutes leaves room for clock skew and slow clients.
 */
export const CANCEL_WINDOW_SECONDS = 300n;
