/**
 * Finished orders, kept for queries after they left the engine's hot state (spec/node.md,
 * "Archive"): each under `archive:<hash>` with its final state, its signature and the batch that
 * finished it, and indexed by time so that entries older than the retention are deleted a bounded
 * number per batch. The index holds one key per group of orders that finished together (a batch,
 * or a prune of expired mempool orders), `archive-at:<time>:<first hash>`, listing the group's
 * hashes: a LevelDB write costs per key, and a batch finishes hundreds of orders. (A store of
 * format 3 indexed each order alone, `archive-at:<time>:<hash>` → 1; both are read.)
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
/**
 * Expired archive entries deleted per batch, at most this many plus one group's: the deletion costs
 * what a batch costs, however far behind it is.
 */
export const ARCHIVE_PRUNE_PER_BATCH = 1000;

const pad = (t: bigint): string => t.toString().padStart(20, '0');
export const archiveKey = (hash: Hex): string => `archive:${hash}`;
const atKey = (finishedAt: bigint, hash: Hex): string => `archive-at:${pad(finishedAt)}:${hash}`;

type Op = { put: string; value: unknown } | { del: string };

/** Runs of entries that finished at the same time, in the order given: one index key each. */
function groups<T>(entries: readonly T[], at: (e: T) => bigint, hash: (e: T) => Hex): Array<{ key: string; hashes: Hex[] }> {
  const out: Array<{ key: string; hashes: Hex[]; at: bigint }> = [];
  for (const e of entries) {
    const last = out[out.length - 1];
    if (last !== undefined && last.at === at(e)) last.hashes.push(hash(e));
    else out.push({ key: atKey(at(e), hash(e)), hashes: [hash(e)], at: at(e) });
  }
  return out;
}

/** The writes that archive these orders. */
export function archiveOps(entries: readonly ArchivedOrder[]): Op[] {
  const ops: Op[] = entries.map((e) => ({ put: archiveKey(e.state.hash), value: e }));
  for (const g of groups(
    entries,
    (e) => e.finishedAt,
    (e) => e.state.hash,
  ))
    ops.push({ put: g.key, value: g.hashes });
  return ops;
}

/**
 * The writes that take these orders ([hash, finished at], as {@link archiveOps} was given them)
 * out of the archive again (a batch rolled back).
 */
export function unarchiveOps(entries: ReadonlyArray<readonly [Hex, bigint]>): Op[] {
  const ops: Op[] = entries.map(([hash]) => ({ del: archiveKey(hash) }));
  for (const g of groups(
    entries,
    ([, at]) => at,
    ([hash]) => hash,
  ))
    ops.push({ del: g.key });
  return ops;
}

/** Deletes of entries that finished before `cutoff`: whole index keys, until {@link ARCHIVE_PRUNE_PER_BATCH} entries are reached. */
export async function expiredArchiveOps(store: NodeStore, cutoff: bigint): Promise<Op[]> {
  const ops: Op[] = [];
  let entries = 0;
  for await (const [key, value] of store.scan<Hex[] | number>('archive-at:', { limit: ARCHIVE_PRUNE_PER_BATCH })) {
    const [, at, first] = key.split(':');
    if (BigInt(at!) >= cutoff || entries >= ARCHIVE_PRUNE_PER_BATCH) break;
    const hashes = Array.isArray(value) ? value : [first as Hex];
    ops.push({ del: key });
    for (const h of hashes) ops.push({ del: archiveKey(h) });
    entries += hashes.length;
  }
  return ops;
}
