import type { Trade } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { BatchCursor, batchChannel, startSubscription, type KestrelSubscription, type StreamHandlers } from '../streams/subscription.js';
import { resolveMarket, type MarketRef } from '../utils/deployment.js';

export type SubscribeTradesParameters = MarketRef &
  StreamHandlers & {
    /** the trades of one batch, in the order they happened; never a batch twice */
    onTrades: (trades: Trade[], batchId: bigint) => void;
    /**
     * The node rolled back a batch it had streamed (the chain settled another version): its
     * trades no longer hold; the trades of the batch that replaces it follow.
     */
    onRollback?: ((batchId: bigint) => void) | undefined;
    /** start after this batch (the node replays the trades since, from its history); default: from now */
    fromBatchId?: bigint | undefined;
  };
export type SubscribeTradesReturnType = KestrelSubscription;

/**
 * Streams a market's trades over `/v1/ws` (channel `trades`). After a reconnect the client asks
 * for the batches after the last one it delivered and the node replays them: no trade is missed
 * or delivered twice. If the node cannot replay them (it joined from a snapshot since, or the
 * client was away too long) `onError` gets STREAM_GAP naming the batches, to read with
 * `getTrades`.
 *
 * @example
 * ```ts
 * client.subscribeTrades({
 *   symbol: 'WETH/USDC',
 *   onTrades: (trades, batchId) => trades.forEach((t) => console.log(batchId, t.price, t.amount)),
 *   onError: (e) => console.error(e.code, e.details),
 * });
 * ```
 */
export function subscribeTrades(client: KestrelBaseClient, parameters: SubscribeTradesParameters): SubscribeTradesReturnType {
  const cursor = new BatchCursor(parameters.fromBatchId ?? null);
  return startSubscription(
    client,
    'subscribeTrades',
    parameters,
    async () => parameters.marketId ?? (await resolveMarket(client, parameters)).marketId,
    (marketId) => ({ op: 'subscribe', channel: 'trades', marketId, ...cursor.resume() }),
    batchChannel('trades', 'subscribeTrades', cursor, (data) => parameters.onTrades(data.trades, BigInt(data.batchId)), parameters.onRollback),
  );
}
