import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/index.js';
import { alice, bob, carol, config, dave, Harness, order } from './fixtures.js';

describe('expiry', () => {
  it('resting orders expire when the clock reaches their expiry, in (expiry, sequence) order', () => {
    const h = new Harness().fundAll();
    h.time(100n);
    h.place('late', bob, 'sell', '101', '1', { expiry: 300n });
    h.place('never', carol, 'sell', '102', '1');
    h.place('first', dave, 'sell', '103', '1', { expiry: 200n });
    h.place('tie', alice, 'buy', '99', '1', { expiry: 300n });
    expect(h.time(199n), 'nothing due at 199').toEqual([]);
    h.time(200n);
    expect(h.brief(), 'at 200').toEqual(['expired first']);
    h.time(1000n);
    expect(h.brief(), 'jump to 1000').toEqual(['expired late', 'expired tie']);
    expect(h.bookText()).toEqual({ bids: [], asks: ['102 x 1'] });
    expect(h.engine.getOrder(h.hashOf('late'))?.status).toBe('expired');
    expect(h.engine.openOrders(bob)).toEqual([]);
  });

  it('a lower timestamp is ignored and expires nothing', () => {
    const h = new Harness().fundAll();
    h.time(500n);
    h.place('o', bob, 'sell', '101', '1', { expiry: 600n });
    expect(h.time(400n)).toEqual([]);
    expect(h.engine.now).toBe(500n);
    expect(h.time(500n)).toEqual([]);
  });

  it('a cancelled or filled order never expires later', () => {
    const h = new Harness().fundAll();
    h.place('c', bob, 'sell', '101', '1', { expiry: 50n });
    h.place('f', carol, 'sell', '102', '1', { expiry: 50n });
    h.apply({ kind: 'cancel', subaccount: bob, hashes: [h.hashOf('c')] });
    h.place('t', alice, 'buy', '102', '1');
    expect(h.time(60n)).toEqual([]);
  });

  it('a partially filled order expires with its remainder', () => {
    const h = new Harness().fundAll();
    h.place('m', bob, 'sell', '101', '1', { expiry: 50n });
    h.place('t', alice, 'buy', '101', '0.4');
    h.time(50n);
    expect(h.brief()).toEqual(['expired m']);
    expect(h.engine.getOrder(h.hashOf('m'))).toMatchObject({ status: 'expired', filled: 400000000000000000n });
  });

  it('a maker found expired during matching is removed and matching continues', () => {
    // The clock sweep normally removes expired makers first; a state restored with a later clock
    // (or any path that skips the sweep) still never fills an expired maker.
    const h = new Harness().fundAll();
    h.place('old', bob, 'sell', '100', '1', { expiry: 50n });
    h.place('fresh', carol, 'sell', '100', '1');
    const snap = h.engine.snapshot();
    // the globals record starts with the clock (u64)
    const records = snap.records.map(([k, v]): [string, typeof v] =>
      k === 'g' ? [k, `0x${(60).toString(16).padStart(16, '0')}${v.slice(18)}` as typeof v] : [k, v],
    );
    const e = Engine.restore(config, { ...snap, records });
    const taker = order(alice, 'buy', '100', '1');
    h.label(taker.hash, 'T');
    const ev = e.apply({ kind: 'place', ...taker });
    expect(h.brief(ev)).toEqual(['accepted T', 'expired old', 'fill fresh<-T 1@100']);
    expect(e.getOrder(h.hashOf('old'))?.status).toBe('expired');
  });
});
