import type { BatchUpdate } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { BatchCursor, batchChannel, startSubscription, type KestrelSubscription, type StreamHandlers } from '../streams/subscription.js';

export type SubscribeBatchesParameters = StreamHandlers & {
  /** each batch the node commits, in order, once: its id, time, state hash and counts */
  onBatch: (batch: BatchUpdate) => void;
  /** the node rolled back a batch it had streamed; the batch that replaces it follows */
  onRollback?: ((batchId: bigint) => void) | undefined;
  /** start after this batch (replayed from the node's history); default: from now */
  fromBatchId?: bigint | undefined;
};
export type SubscribeBatchesReturnType = KestrelSubscription;

/**
 * Streams the batches the node commits over `/v1/ws` (channel `batches`), resuming after a
 * reconnect from the last one delivered (see {@link subscribeTrades} for gaps).
 *
 * @example
 * ```ts
 * client.subscribeBatches({ onBatch: (b) => console.log(b.batchId, b.fills, b.stateHash) });
 * ```
 */
export function subscribeBatches(client: KestrelBaseClient, parameters: SubscribeBatchesParameters): SubscribeBatchesReturnType {
  const cursor = new BatchCursor(parameters.fromBatchId ?? null);
  return startSubscription(
    client,
    'subscribeBatches',
    parameters,
    async () => undefined,
    () => ({ op: 'subscribe', channel: 'batches', ...cursor.resume() }),
    batchChannel('batches', 'subscribeBatches', cursor, parameters.onBatch, parameters.onRollback),
  );
}
