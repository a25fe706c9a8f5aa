/**
 * Whether the node takes a new order into its mempool: the engine's checks, judged at the time
 * the order reaches a batch (this machine's clock, which the batch clock follows), not at the
 * last batch's time — an exchange may have been idle for hours, and an IOC's short expiry is
 * measured from the batch that will fill it (guide/concepts.md, Flags).
 */
import type { Engine, ErrorCode, Hex, Order } from '@kestrel/core';

export function orderAdmission(engine: Engine, order: Order, hash: Hex, now: bigint): ErrorCode | null {
  return engine.validate(order, hash, now);
}
