import { describe, expect, it } from 'vitest';
import type { Hex } from '../../src/index.js';
import { alice, alice2, bob, BTC, carol, ETH, Harness } from './fixtures.js';

/** A book with alice's orders on two markets, bob's and carol's beside them. */
function setup(): Harness {
  const h = new Harness().fundAll();
  h.place('A1', alice, 'buy', '100', '1', { nonce: 1n });
  h.place('A2', alice, 'sell', '110', '2', { nonce: 2n });
  h.place('A3', alice, 'buy', '60000', '0.5', { market: BTC, nonce: 3n });
  h.place('A4', alice2, 'buy', '99', '1', { nonce: 1n });
  h.place('B1', bob, 'buy', '100', '1', { nonce: 1n });
  h.place('C1', carol, 'sell', '105', '1', { nonce: 1n });
  return h;
}

interface CancelCase {
  name: string;
  steps: (h: Harness) => void;
  /** events of the cancel under test */
  events: string[];
}

const cancel = (h: Harness, who: Hex, ...labels: string[]): void => {
  h.apply({ kind: 'cancel', subaccount: who, hashes: labels.map((l) => (l.startsWith('0x') ? (l as Hex) : h.hashOf(l))) });
};

const cases: CancelCase[] = [
  { name: 'cancel an open order', steps: (h) => cancel(h, alice, 'A1'), events: ['cancelled A1 USER 1'] },
  {
    name: 'cancel a partially filled order reports what remains',
    steps: (h) => {
      h.place('S', carol, 'sell', '100', '0.3');
      cancel(h, alice, 'A1');
    },
    events: ['cancelled A1 USER 0.7'],
  },
  {
    name: 'cancel twice: the second is rejected ORDER_NOT_OPEN (idempotent)',
    steps: (h) => {
      cancel(h, alice, 'A1');
      cancel(h, alice, 'A1');
    },
    events: ['cancelRejected A1 ORDER_NOT_OPEN'],
  },
  {
    name: 'the same hash twice in one cancel',
    steps: (h) => cancel(h, alice, 'A1', 'A1'),
    events: ['cancelled A1 USER 1', 'cancelRejected A1 ORDER_NOT_OPEN'],
  },
  {
    name: 'unknown hash',
    steps: (h) => cancel(h, alice, `0x${'ab'.repeat(32)}`),
    events: [`cancelRejected 0x${'ab'.repeat(4)} UNKNOWN_ORDER`],
  },
  {
    name: 'an upper-case spelling names the same order (events carry the lower-case hash)',
    steps: (h) => {
      const hash = h.hashOf('A1');
      h.apply({ kind: 'cancel', subaccount: alice, hashes: [`0x${hash.slice(2).toUpperCase()}` as Hex, `0X${hash.slice(2)}` as Hex] });
    },
    events: ['cancelled A1 USER 1', 'cancelRejected A1 ORDER_NOT_OPEN'],
  },
  {
    name: 'a malformed hash is unknown',
    steps: (h) => h.apply({ kind: 'cancel', subaccount: alice, hashes: ['0xAB' as Hex, `0x${'g'.repeat(64)}` as Hex] }),
    events: ['cancelRejected 0xab UNKNOWN_ORDER', `cancelRejected 0x${'g'.repeat(8)} UNKNOWN_ORDER`],
  },
  { name: "someone else's order", steps: (h) => cancel(h, bob, 'A1'), events: ['cancelRejected A1 NOT_ORDER_OWNER'] },
  {
    name: 'another subaccount of the same owner is not the order owner',
    steps: (h) => cancel(h, alice2, 'A1'),
    events: ['cancelRejected A1 NOT_ORDER_OWNER'],
  },
  {
    name: 'a filled order is not open',
    steps: (h) => {
      h.place('S', carol, 'sell', '100', '2');
      cancel(h, alice, 'A1');
    },
    events: ['cancelRejected A1 ORDER_NOT_OPEN'],
  },
  {
    name: 'a rejected order is not open',
    steps: (h) => {
      h.place('R', alice, 'buy', '200', '1', { tif: 'POST_ONLY' });
      cancel(h, alice, 'R');
    },
    events: ['cancelRejected R ORDER_NOT_OPEN'],
  },
  {
    name: 'a mixed list answers each hash',
    steps: (h) => cancel(h, alice, 'A2', 'B1', 'A3'),
    events: ['cancelled A2 USER 2', 'cancelRejected B1 NOT_ORDER_OWNER', 'cancelled A3 USER 0.5'],
  },
  {
    name: 'cancelAll on every market, by sequence',
    steps: (h) => h.apply({ kind: 'cancelAll', subaccount: alice, marketId: 0 }),
    events: ['cancelled A1 USER 1', 'cancelled A2 USER 2', 'cancelled A3 USER 0.5'],
  },
  {
    name: 'cancelAll on one market',
    steps: (h) => h.apply({ kind: 'cancelAll', subaccount: alice, marketId: BTC }),
    events: ['cancelled A3 USER 0.5'],
  },
  {
    name: 'cancelAll with nothing open',
    steps: (h) => {
      h.apply({ kind: 'cancelAll', subaccount: alice, marketId: 0 });
      h.apply({ kind: 'cancelAll', subaccount: alice, marketId: 0 });
    },
    events: [],
  },
  {
    name: 'cancelUpTo cancels lower nonces after announcing the new minNonce',
    steps: (h) => h.apply({ kind: 'cancelUpTo', requestId: 7n, subaccount: alice, minNonce: 3n }),
    events: ['minNonceSet alice 3', 'cancelled A1 NONCE 1', 'cancelled A2 NONCE 2'],
  },
  {
    name: 'cancelUpTo never lowers minNonce',
    steps: (h) => {
      h.apply({ kind: 'cancelUpTo', requestId: 7n, subaccount: alice, minNonce: 3n });
      h.apply({ kind: 'cancelUpTo', requestId: 8n, subaccount: alice, minNonce: 1n });
    },
    events: ['minNonceSet alice 3'],
  },
];

describe('cancels', () => {
  it.each(cases)('$name', (c) => {
    const h = setup();
    c.steps(h);
    expect(h.brief(), c.name).toEqual(c.events);
  });

  it('a cancelled order leaves the book, the open-order index and keeps its status', () => {
    const h = setup();
    cancel(h, alice, 'A1');
    expect(h.bookText(ETH)).toEqual({ bids: ['100 x 1', '99 x 1'], asks: ['105 x 1', '110 x 2'] });
    expect(h.engine.openOrders(alice).map((o) => h.labels.get(o.hash))).toEqual(['A2', 'A3']);
    expect(h.engine.getOrder(h.hashOf('A1'))).toMatchObject({ status: 'cancelled', cancelReason: 'USER', filled: 0n });
  });

  it('a rejected cancel changes nothing', () => {
    const h = setup();
    cancel(h, alice, 'A1');
    const before = h.engine.stateHash();
    cancel(h, alice, 'A1');
    cancel(h, bob, 'A2');
    expect(h.engine.stateHash()).toBe(before);
  });

  it('cancelUpTo leaves other subaccounts, equal nonces and later orders alone', () => {
    const h = setup();
    h.apply({ kind: 'cancelUpTo', requestId: 1n, subaccount: alice, minNonce: 3n });
    expect(h.engine.openOrders(alice).map((o) => h.labels.get(o.hash))).toEqual(['A3']);
    expect(h.engine.openOrders(alice2)).toHaveLength(1);
    expect(h.engine.minNonce(alice)).toBe(3n);
    expect(h.engine.minNonce(alice2)).toBe(0n);
    h.place('late', alice, 'buy', '100', '1', { nonce: 2n });
    expect(h.brief()).toEqual(['rejected late NONCE_USED']);
    h.place('ok', alice, 'buy', '100', '1', { nonce: 3n });
    expect(h.brief()).toEqual(['accepted ok']);
    expect(h.engine.getOrder(h.hashOf('A1'))?.cancelReason).toBe('NONCE');
  });

  it('restingOrderCount follows places, fills and cancels over all markets', () => {
    const h = setup();
    expect(h.engine.restingOrderCount()).toBe(6);
    h.place('S', carol, 'sell', '100', '1');
    expect(h.engine.restingOrderCount()).toBe(5); // A1 filled whole, the taker rests nothing
    cancel(h, alice, 'A3');
    expect(h.engine.restingOrderCount()).toBe(4);
  });
});
