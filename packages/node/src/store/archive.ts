/**
 * Finished orders, kept for queries after they left the engine's hot state (spec/node.md,
 * "Archive"): each under `archive:<hash>` with its final state, its signature and the batch that
 * finished it, and indexed by that batch's time under `archive-at:<time>:<hash>` so that entries
 * older than the retention are deleted a bounded number per batch.
 */
import type { Hex, OrderState } from '@kestrel/core';
import type { NodeStore } from './store.js';

/** A finished order as the archive keeps it. */
export interface ArchivedOrder {
  state: OrderState;
  /** its signature, if this node saw it signed */
  signature: Hex | null;
  /** the batch that sequenced it (null: refused before any batch) */
  batchId: bigint | null;
  /** the time of the batch it finished in (unix seconds) */
  finishedAt: bigint;
}

/**
 * How long finished orders stay queryable: 30 days covers a trader's reconciliation of a month's
 * statements; longer history is an indexer's job.
 */
export const DEFAULT_ARCHIVE_RETENTION_SECONDS = 30n * 24n * 3600n;
/** Expired archive entries deleted per batch at most: the deletion costs what a batch costs, however far behind it is. */
export const ARCHIVE_PRUNE_PER_BATCH = 1000;

const pad = (t: bigint): string => t.toString().padStart(20, '0');
export const archiveKey = (hash: Hex): string => `archive:${hash}`;
const atKey = (finishedAt: bigint, hash: Hex): string => `archive-at:${pad(finishedAt)}:${hash}`;

type Op = { put: string; value: unknown } | { del: string };

/** The writes that archive these orders. */
export function archiveOps(entries: readonly ArchivedOrder[]): Op[] {
  return entries.flatMap((e) => [
    { put: archiveKey(e.state.hash), value: e },
    { put: atKey(e.finishedAt, e.state.hash), value: 1 },
  ]);
}

/** The writes that take these orders ([hash, finished at]) out of the archive again (a batch rolled back). */
export function unarchiveOps(entries: ReadonlyArray<readonly [Hex, bigint]>): Op[] {
  return entries.flatMap(([hash, finishedAt]) => [{ del: archiveKey(hash) }, { del: atKey(finishedAt, hash) }]);
}

/** Deletes of entries that finished before `cutoff`, at most {@link ARCHIVE_PRUNE_PER_BATCH}. */
export async function expiredArchiveOps(store: NodeStore, cutoff: bigint): Promise<Op[]> {
  const ops: Op[] = [];
  for await (const [key] of store.scan<number>('archive-at:', { limit: ARCHIVE_PRUNE_PER_BATCH })) {
    const [, at, hash] = key.split(':');
    if (BigInt(at!) >= cutoff) break;
    ops.push({ del: key }, { del: archiveKey(hash as Hex) });
  }
  return ops;
}
