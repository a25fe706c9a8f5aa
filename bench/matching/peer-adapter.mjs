// The peer: nodejs-order-book 10.1.1 (the best-known JS order book), from the repo's node_modules
// (or NOB_PATH), driven through the harness's adapter interface.
import { createRequire } from 'node:module';

const { OrderBook } = createRequire(import.meta.url)(process.env.NOB_PATH || 'nodejs-order-book');

export const name = 'nodejs-order-book';

export function makeEngine(n) {
  const book = new OrderBook();
  // string ids are made before the clock starts: the peer keys orders by string
  const ids = Array.from({ length: n }, (_, i) => String(i));
  return {
    limit(side, price, size, id) {
      const r = book.limit({ side: side === 0 ? 'buy' : 'sell', id: ids[id], size, price });
      return size - r.quantityLeft;
    },
    cancel(id) {
      return book.cancel(ids[id]) ? 1 : 0;
    },
    summary() {
      const [asks, bids] = book.depth();
      const volume = (levels) => levels.reduce((sum, [, v]) => sum + v, 0);
      return { askLevels: asks.length, bidLevels: bids.length, askVol: volume(asks), bidVol: volume(bids) };
    },
  };
}
