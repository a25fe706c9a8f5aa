/**
 * A batch's clock: the wall clock (a second back), never ahead of the block that will include it
 * (`pending`, the chain's next timestamp), never behind the last batch, and never more than half
 * of maxBatchAge behind the chain — a chain whose clock runs ahead of this machine's (a local
 * chain stamps each block a second after the last) must still take the batch when it lands.
 */
export function batchClock(now: bigint, pending: bigint, last: bigint, maxBatchAge: bigint): bigint {
  let t = now - 1n < pending ? now - 1n : pending;
  const floor = pending - maxBatchAge / 2n;
  if (t < floor) t = floor;
  return t > last ? t : last;
}
