/**
 * How far V8 lets the old generation grow past what the last full collection left alive. By
 * default V8 picks a factor from its own speed measurements, and on a node holding a large,
 * mostly static book it lets garbage pile up to about as much again as the live heap before it
 * collects: with a million resting orders the ledger's heap stood at 958 MiB of which 368 MiB
 * were alive (RSS 1,288 MiB); with the old generation held to 15% over the live heap the same
 * ledger read 794 MiB RSS (BENCHMARKS.md). The cost is a full collection more often: on the
 * 2-node devnet at 100k resting orders, ~10% of a core more on each node and POST p99 80 → 100 ms,
 * so the default leaves V8 its heuristic and an operator holding a large book chooses.
 *
 * V8 reads the factor each time it sets the next collection's limit, so a process can set it
 * once it runs; `NODE_OPTIONS` does not accept this flag.
 */
import { setFlagsFromString } from 'node:v8';

/** The most the configuration may ask for: tenfold growth is already V8's own upper range. */
export const MAX_HEAP_GROWING_PERCENT = 1_000;

/** The V8 flag for `percent`, or null for 0 (V8's own heuristic). */
export function heapGrowingFlag(percent: number): string | null {
  return percent > 0 ? `--heap-growing-percent=${percent}` : null;
}

/** Applies `heapGrowingPercent` to this process (the `kestrel start` command; an embedding application decides for itself). */
export function applyHeapGrowing(percent: number): void {
  const flag = heapGrowingFlag(percent);
  if (flag) setFlagsFromString(flag);
}
