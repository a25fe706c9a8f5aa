/**
 * A nonce is spent when an order carrying it is filled (spec/orders.md: replay protection keys on the
 * digest and the nonce). The Exchange records a filled order by a bit per (subaccount, nonce),
 * one storage word for 256 nonces, so a market maker's orders with consecutive nonces cost one
 * storage write between them; the engine keeps the same rule.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/index.js';
import { alice, bob, config, Harness, order } from './fixtures.js';

function funded(): Harness {
  return new Harness().fund(alice, { USDC: '100000', WETH: '100' }).fund(bob, { USDC: '100000', WETH: '100' });
}

describe('spent nonces', () => {
  it('refuses a new order with the nonce of a filled one', () => {
    const h = funded();
    h.place('S', alice, 'sell', '100', '1', { nonce: 7n });
    h.place('B', bob, 'buy', '100', '1');
    expect(h.engine.getOrder(h.hashOf('S'))?.status).toBe('filled');
    h.place('S2', alice, 'sell', '101', '1', { nonce: 7n });
    expect(h.brief()).toEqual(['rejected S2 NONCE_USED']);
  });

  it('leaves the nonce of a partially filled order unspent', () => {
    const h = funded();
    h.place('S', alice, 'sell', '100', '2', { nonce: 7n });
    h.place('B', bob, 'buy', '100', '1');
    h.place('S2', alice, 'sell', '101', '1', { nonce: 7n });
    expect(h.brief()).toEqual(['accepted S2']);
  });

  it('cancels the open orders that share a nonce once one of them fills, and skips them within the match', () => {
    const h = funded();
    h.place('S1', alice, 'sell', '100', '1', { nonce: 9n });
    h.place('S2', alice, 'sell', '100.5', '1', { nonce: 9n });
    h.place('S3', alice, 'sell', '102', '1', { nonce: 9n });
    h.place('B', bob, 'buy', '101', '2');
    // S1 fills and spends nonce 9: S2 (next in the sweep) is dropped, S3 is cancelled after the match
    expect(h.brief()).toEqual(['accepted B', 'fill S1<-B 1@100', 'cancelled S2 NONCE 1', 'cancelled S3 NONCE 1']);
    expect(h.bookText().asks).toEqual([]);
  });

  it('an IOC that traded spends its nonce however much it filled: no later batch can trade it, as on chain', () => {
    const h = funded();
    h.time(1000n);
    h.place('S', alice, 'sell', '100', '1');
    h.place('R', bob, 'buy', '90', '1', { nonce: 5n }); // resting, same nonce as the IOC below
    h.place('B', bob, 'buy', '100', '2', { nonce: 5n, tif: 'IOC' });
    expect(h.brief()).toEqual(['accepted B', 'fill S<-B 1@100', 'cancelled R NONCE 1', 'cancelled B IOC_REMAINDER 1']);
    const copy = Engine.restore(config, h.engine.snapshot());
    expect(copy.stateHash()).toBe(h.engine.stateHash());
    expect(copy.validate(order(bob, 'buy', '99', '1', { nonce: 5n }).order, order(bob, 'buy', '99', '1', { nonce: 5n }).hash)).toBe('NONCE_USED');
    // an IOC that found nothing was never named on chain: its nonce stays free
    h.place('X', bob, 'buy', '50', '1', { nonce: 6n, tif: 'IOC' });
    h.place('Y', bob, 'buy', '50', '1', { nonce: 6n });
    expect(h.brief()).toEqual(['accepted Y']);
  });

  it('a taker filled in full spends its nonce too, and a restored engine remembers', () => {
    const h = funded();
    h.place('S', alice, 'sell', '100', '1');
    h.place('B', bob, 'buy', '100', '1', { nonce: 3n });
    const copy = Engine.restore(config, h.engine.snapshot());
    expect(copy.stateHash()).toBe(h.engine.stateHash());
    h.place('B2', bob, 'buy', '99', '1', { nonce: 3n });
    expect(h.brief()).toEqual(['rejected B2 NONCE_USED']);
  });
});
