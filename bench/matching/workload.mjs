// The matching yardstick's workload, W1 and W2 (engine-independent, deterministic).
//
// N limit orders (GTC) around a slowly drifting mid price: 40% cross the spread by 0–4 ticks, the
// rest rest 1–50 ticks away; sizes 1–100 lots. Each order k is cancelled just before order
// k + L, L uniform in [1, maxLife] (W1: 5,000; W2, a deep book: 100,000); a cancel of an order
// already filled misses. Any correct price-time engine hits the checksums in CHECKSUMS below.
//
// Records are 5 int32 each: [op (0 limit | 1 cancel), side (0 buy | 1 sell), price ticks, size, id].

/** The checksums of the 1,000,000-order workloads, equal for every correct price-time book. */
export const CHECKSUMS = {
  W1: { ops: 1_997_494, filledQty: 11_458_628, cancelHits: 545_573, askLevels: 54, askVol: 38_273, bidLevels: 52, bidVol: 34_416 },
  W2: { ops: 1_950_040, filledQty: 12_411_210, cancelHits: 480_760, askLevels: 58, askVol: 762_195, bidLevels: 67, bidVol: 663_730 },
};

/** maxLife of each named workload. */
export const LIFE = { W1: 5000, W2: 100_000 };

/** A 32-bit generator (Tommy Ettinger's Mulberry32): uniform floats in [0, 1). */
export function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = Math.imul(state ^ (state >>> 15), state | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The op stream: an Int32Array of 5-int records (cancels of orders due at k come before order
 * k, the latest scheduled first).
 */
export function workload({
  n = 1_000_000,
  seed = 42,
  mid = 100_000,
  crossShare = 0.4,
  restTicks = 50,
  crossTicks = 5,
  maxSize = 100,
  maxLife = 5000,
  driftShare = 0.01,
} = {}) {
  const random = prng(seed);
  const records = new Int32Array(n * 10);
  // cancels due at each order index: a linked list per index, newest first
  const firstDue = new Int32Array(n + 1).fill(-1);
  const nextDue = new Int32Array(n).fill(-1);
  let at = 0;
  const put = (op, side, price, size, id) => {
    records[at] = op;
    records[at + 1] = side;
    records[at + 2] = price;
    records[at + 3] = size;
    records[at + 4] = id;
    at += 5;
  };
  for (let k = 0; k < n; k++) {
    for (let id = firstDue[k]; id !== -1; id = nextDue[id]) put(1, 0, 0, 0, id);
    const drift = random();
    if (drift < driftShare) mid += drift < driftShare / 2 ? -1 : 1;
    const side = random() < 0.5 ? 0 : 1;
    const crosses = random() < crossShare;
    const ticks = crosses ? Math.floor(random() * crossTicks) : 1 + Math.floor(random() * restTicks);
    const towardAsks = side === 0 ? crosses : !crosses; // a crossing buy or a resting sell sits above mid
    put(0, side, towardAsks ? mid + ticks : mid - ticks, 1 + Math.floor(random() * maxSize), k);
    const due = k + 1 + Math.floor(random() * maxLife);
    if (due < n) {
      nextDue[k] = firstDue[due];
      firstDue[due] = k;
    }
  }
  return records.subarray(0, at);
}
