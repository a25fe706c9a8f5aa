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
 * once it runs; `NODE_OPTIONS` does not accept this flag. That also lets the limit follow the heap:
 * {@link watchHeapGrowing} holds the old generation to the percentage only while the heap alive
 * after a full collection exceeds `heapGrowingAboveMib`, where the slack costs hundreds of MiB,
 * and leaves V8 its heuristic below (a node with a small book pays no collections for it).
 */
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** The most the configuration may ask for: tenfold growth is already V8's own upper range. */
export const MAX_HEAP_GROWING_PERCENT = 1_000;
/** The largest live-heap threshold the configuration takes (1 TiB: no heap reaches it). */
export const MAX_HEAP_GROWING_ABOVE_MIB = 1 << 20;
/** Below this share of the threshold the heuristic comes back: a heap near the line does not flip at every collection. */
const RELEASE_SHARE = 0.8;

/** The V8 flag for `percent`, or null for 0 (V8's own heuristic). */
export function heapGrowingFlag(percent: number): string | null {
  return percent > 0 ? `--heap-growing-percent=${percent}` : null;
}

/**
 * Whether the percentage should hold after a full collection that left `liveBytes` alive, given
 * whether it holds now: on above `aboveMiB`, off again below {@link RELEASE_SHARE} of it.
 */
export function heapGrowingEngaged(liveBytes: number, aboveMiB: number, engaged: boolean): boolean {
  const line = aboveMiB * 2 ** 20;
  return engaged ? liveBytes >= line * RELEASE_SHARE : liveBytes > line;
}

/**
 * Holds this process's old generation to `percent` over the live heap while that exceeds
 * `aboveMiB` (0: at any size); below it, V8's own heuristic. Each full
 * collection is watched; the heap in use read just after one is what it left alive (plus what was
 * allocated since; `liveBytes` and `setFlag` stand in for V8 in tests). Returns a function that
 * stops watching and gives V8 its heuristic back.
 */
export function watchHeapGrowing(
  percent: number,
  aboveMiB: number,
  liveBytes: () => number = () => getHeapStatistics().used_heap_size,
  setFlag: (flag: string) => void = setFlagsFromString,
): () => void {
  const flag = heapGrowingFlag(percent);
  if (flag === null) return () => {};
  if (aboveMiB === 0) {
    setFlag(flag);
    return () => setFlag('--heap-growing-percent=0');
  }
  let engaged = false;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      const next = heapGrowingEngaged(liveBytes(), aboveMiB, engaged);
      if (next === engaged) continue;
      engaged = next;
      // 0 is V8's own value of the flag: its heuristic decides again
      setFlag(engaged ? flag : '--heap-growing-percent=0');
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    observer.disconnect();
    if (engaged) setFlag('--heap-growing-percent=0');
  };
}
