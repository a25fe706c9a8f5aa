// Our adapter for the matching harness (harness.mjs): drives the real
// @kestrel/core order book from the built package, through its low-level integer API
// (ticks, lots, numeric slots), the same API the Engine uses under its bigint boundary.
import { Book } from '../../packages/core/dist/engine/book.js';

export const name = 'kestrel-core';

export function makeEngine(n) {
  const book = new Book(1 << 16);
  // harness id -> book slot; a slot is reused once freed, so cancel checks the slot's ref
  const slotOf = new Int32Array(n).fill(-1);
  return {
    limit(side, price, size, id) {
      const isBuy = side === 0;
      const left = book.match(isBuy, price, size, null);
      if (left > 0) slotOf[id] = book.insert(isBuy, price, left, id);
      return size - left;
    },
    cancel(id) {
      const slot = slotOf[id];
      if (slot < 0) return 0;
      slotOf[id] = -1;
      if (book.ref(slot) !== id) return 0; // filled meanwhile (slot free or reused)
      book.remove(slot);
      return 1;
    },
    summary() {
      let askVol = 0,
        bidVol = 0;
      for (const [, lots] of book.depth(false, Infinity)) askVol += Number(lots);
      for (const [, lots] of book.depth(true, Infinity)) bidVol += Number(lots);
      return { askLevels: book.levelCount(false), bidLevels: book.levelCount(true), askVol, bidVol };
    },
  };
}
