import { KestrelError, makeSubaccount, type Order } from '@kestrel/core';
import { describe, expect, it } from 'vitest';
import { cancelAllFromWire, cancelAllToWire, cancelFromWire, cancelToWire, marketToWire, orderFromWire, orderToWire } from '../src/index.js';

const order: Order = {
  subaccount: makeSubaccount('0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 'main'),
  marketId: 1,
  isBuy: true,
  price: 1850_250000000000000000n,
  amount: 1_500000000000000000n,
  nonce: 1_704_067_200_000_000n,
  expiry: 1_900_000_000n,
  flags: 11,
  clientId: 42n,
};

describe('wire codecs round-trip', () => {
  const orders: Array<[string, Order]> = [
    ['typical', order],
    ['smallest units', { ...order, price: 1n, amount: 1n, nonce: 0n, expiry: 0n, flags: 0, clientId: 0n }],
    [
      'largest values',
      {
        ...order,
        marketId: 2 ** 32 - 1,
        isBuy: false,
        price: (1n << 128n) - 1n,
        amount: (1n << 128n) - 1n,
        nonce: (1n << 64n) - 1n,
        expiry: (1n << 64n) - 1n,
        clientId: (1n << 64n) - 1n,
      },
    ],
  ];
  for (const [name, o] of orders) {
    it(`order: ${name}`, () => {
      const wire = orderToWire(o);
      expect(orderFromWire(JSON.parse(JSON.stringify(wire))), name).toEqual(o);
    });
  }

  it('order in human units on the wire', () => {
    expect(orderToWire(order)).toEqual({
      subaccount: order.subaccount,
      marketId: 1,
      isBuy: true,
      price: '1850.25',
      amount: '1.5',
      nonce: '1704067200000000',
      expiry: '1900000000',
      flags: 11,
      clientId: '42',
    });
  });

  it('cancel and cancel-all', () => {
    const cancel = { subaccount: order.subaccount, orderHashes: [`0x${'ab'.repeat(32)}` as const, `0x${'01'.repeat(32)}` as const], timestamp: 1_704_067_200n };
    expect(cancelFromWire(JSON.parse(JSON.stringify(cancelToWire(cancel))))).toEqual(cancel);
    const all = { subaccount: order.subaccount, marketId: 0, timestamp: 1_704_067_200n };
    expect(cancelAllFromWire(JSON.parse(JSON.stringify(cancelAllToWire(all))))).toEqual(all);
  });

  it('rejects malformed orders naming the field', () => {
    const wire = orderToWire(order);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['price with 19 decimals', { price: '1.0000000000000000001' }, 'order.price'],
      ['nonce as a number', { nonce: 5 }, 'order.nonce'],
      ['marketId as a string', { marketId: '1' }, 'order.marketId'],
      ['short subaccount', { subaccount: '0x12' }, 'order.subaccount'],
      ['isBuy as a string', { isBuy: 'true' }, 'order.isBuy'],
    ];
    for (const [name, patch, field] of cases) {
      let error: unknown;
      try {
        orderFromWire({ ...wire, ...patch });
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(KestrelError);
      expect((error as KestrelError).code, name).toBe('MALFORMED');
      expect((error as KestrelError).details, name).toEqual({ field });
    }
  });
});

describe('market listing on the wire', () => {
  it('gives steps and fees as exact decimal strings, a rebate negative', () => {
    const wire = marketToWire({
      marketId: 3,
      symbol: 'ETH-PERP',
      kind: 'PERP',
      baseAssetId: 1,
      quoteAssetId: 0,
      tickSize: 10_000000000000000n,
      lotSize: 100000000000000n,
      minSize: 1_000000000000000n,
      makerFee: -100000000000000n,
      takerFee: 500000000000000n,
    });
    expect(wire).toEqual({
      marketId: 3,
      symbol: 'ETH-PERP',
      kind: 'PERP',
      baseAssetId: 1,
      quoteAssetId: 0,
      tickSize: '0.01',
      lotSize: '0.0001',
      minSize: '0.001',
      makerFee: '-0.0001',
      takerFee: '0.0005',
    });
  });
});
