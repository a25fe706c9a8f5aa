/**
 * What the ledger writes to its store besides the mempool: the batch log, the signed orders it
 * has seen, the batch meta and the two alternating engine snapshots (see `Ledger`).
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
  /** where the engine snapshot after this batch is stored (absent before the first batch) */
  snapshotKey?: string;
}

/** Snapshots alternate between two keys by batch id parity: the one before the last survives. */
export const snapshotKey = (batchId: bigint): string => `snapshot:${batchId % 2n}`;

/**
 * A signed cancel is accepted only while its timestamp is within this many seconds of the node's
 * clock; within that window each cancel acts once (its digest is remembered), and outside it a
 * replayed cancel is stale. Five minutes leaves room for clock skew and slow clients.
 */
export const CANCEL_WINDOW_SECONDS = 300n;
