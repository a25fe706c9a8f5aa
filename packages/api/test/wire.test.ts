import { KestrelError, makeSubaccount, orderInput, type Hex, type Order } from '@kestrel/core';
import { describe, expect, it } from 'vitest';
import {
  cancelAllFromWire,
  cancelAllToWire,
  cancelFromWire,
  cancelToWire,
  decodeInput,
  decodeProposal,
  marketToWire,
  orderFromWire,
  orderToWire,
} from '../src/index.js';

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

describe('an order the reader holds already', () => {
  const domain = `0x${'42'.repeat(32)}` as Hex;
  const signature = `0x${'ab'.repeat(65)}` as Hex;
  const wire = { type: 'order', order: orderToWire(order), signature };

  it('takes the held digest for the same signature and fields, and hashes anything else anew', () => {
    const fresh = orderInput(domain, order, signature);
    // a digest the held input says, so that a reuse is visible
    const held = { ...fresh, hash: `0x${'77'.repeat(32)}` as Hex };
    expect(decodeInput(domain, wire, (s) => (s === signature ? held : undefined))).toEqual(held);
    expect(decodeInput(domain, wire)).toEqual(fresh);
    // any field that differs, under the same signature: hashed from what was read
    for (const [field, value] of [
      ['amount', order.amount + 1n],
      ['price', order.price + 1n],
      ['nonce', order.nonce + 1n],
      ['expiry', order.expiry + 1n],
      ['clientId', order.clientId + 1n],
      ['flags', order.flags + 1],
      ['marketId', order.marketId + 1],
      ['isBuy', !order.isBuy],
      ['subaccount', makeSubaccount('0x2222222222222222222222222222222222222222', 'main')],
    ] as const) {
      const other = { ...held, order: { ...order, [field]: value } };
      expect(
        decodeInput(domain, wire, () => other),
        field,
      ).toEqual(fresh);
    }
    // a held cancel under the signature is no order
    expect(
      decodeInput(domain, wire, () => ({
        type: 'cancel',
        cancel: { subaccount: order.subaccount, orderHashes: [], timestamp: 1n },
        signature,
        hash: held.hash,
      })),
    ).toEqual(fresh);
  });

  it('takes a held order spelled as the sequencer spells it without decoding it, and decodes any other spelling', () => {
    const held = { ...orderInput(domain, order, signature), hash: `0x${'77'.repeat(32)}` as Hex };
    const asked: string[] = [];
    const known = (s: Hex) => {
      asked.push(s);
      return s === signature ? held : undefined;
    };
    // the very objects held come back: nothing was parsed
    const same = decodeInput(domain, wire, known);
    expect(same).toEqual(held);
    expect(same.type === 'order' && same.order).toBe(held.order);
    expect(asked).toEqual([signature]);
    // other spellings of the same order and signature: decoded, then matched by value (one more look when the signature was not lower-case)
    const ow = wire.order;
    for (const [name, w, looks] of [
      ['trailing zeros in the price', { ...wire, order: { ...ow, price: `${ow.price}0` } }, 1],
      ['an upper-case subaccount', { ...wire, order: { ...ow, subaccount: ow.subaccount.toUpperCase().replace('0X', '0x') } }, 1],
      ['an upper-case signature', { ...wire, signature: signature.toUpperCase().replace('0X', '0x') }, 2],
    ] as const) {
      asked.length = 0;
      const got = decodeInput(domain, w, known);
      expect(got, name).toEqual(held);
      expect(got.type === 'order' && got.order, name).not.toBe(held.order);
      expect(asked.length, name).toBe(looks);
    }
    // malformed fields beside a held signature are still refused
    expect(() => decodeInput(domain, { ...wire, order: { ...ow, price: 'x' } }, known)).toThrow(/order\.price/);
    expect(() => decodeInput(domain, { ...wire, order: null }, known)).toThrow(/order/);
  });

  it('is asked through decodeProposal for each of its orders', () => {
    const proposal = {
      batchId: '1',
      timestamp: '1',
      requestCursor: '0',
      prices: [],
      funding: [],
      requests: [],
      inputs: [wire, wire],
      prevStateHash: `0x${'00'.repeat(32)}`,
      stateHash: `0x${'00'.repeat(32)}`,
      signature,
    };
    const asked: Hex[] = [];
    const p = decodeProposal(domain, proposal, (s) => {
      asked.push(s);
      return undefined;
    });
    expect(asked).toEqual([signature, signature]);
    expect(p.inputs).toEqual([orderInput(domain, order, signature), orderInput(domain, order, signature)]);
  });
});
