import type { BookResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { startSubscription, type KestrelSubscription, type StreamHandlers } from '../streams/subscription.js';
import { resolveMarket, type MarketRef } from '../utils/deployment.js';

export type SubscribeBookParameters = MarketRef &
  StreamHandlers & {
    /** the book, 50 levels a side: on subscribing, after every batch that changed it, and again after each reconnect */
    onBook: (book: BookResponse) => void;
  };
export type SubscribeBookReturnType = KestrelSubscription;

/**
 * Streams a market's book over `/v1/ws` (channel `book`): each message is the whole book as the
 * node committed it (`sequence` rises with every change), so a reconnect misses nothing — the
 * next message is the book as it is.
 *
 * @example
 * ```ts
 * const sub = client.subscribeBook({ symbol: 'WETH/USDC', onBook: (b) => console.log(b.bids[0], b.asks[0]) });
 * await sub.ready;
 * // …
 * sub.unsubscribe();
 * ```
 */
export function subscribeBook(client: KestrelBaseClient, parameters: SubscribeBookParameters): SubscribeBookReturnType {
  return startSubscription(
    client,
    'subscribeBook',
    parameters,
    async () => parameters.marketId ?? (await resolveMarket(client, parameters)).marketId,
    (marketId) => ({ op: 'subscribe', channel: 'book', marketId }),
    (msg) => {
      if (msg.channel === 'book') parameters.onBook(msg.data);
    },
  );
}
