import { inputToWire } from '@kestrel/api';
import { describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { domainSeparator, EIP712_TYPES, makeSubaccount, parseX18, type Hex, type Order, orderInput } from '@kestrel/core';
import { inputFromWire, verifyOrder } from '../../src/admission/signature.js';
import { Ledger } from '../../src/store/ledger.js';
import { NodeStore } from '../../src/store/store.js';
import { tempDir } from '../helpers.js';

const exchange = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const domainSep = domainSeparator({ name: 'Kestrel', version: '1', chainId: 31337n, verifyingContract: exchange });
const trader = privateKeyToAccount(`0x${'07'.repeat(32)}`);
const stranger = privateKeyToAccount(`0x${'08'.repeat(32)}`);

async function signed(nonce: bigint, by = trader): Promise<{ order: Order; signature: Hex }> {
  const order: Order = {
    subaccount: makeSubaccount(trader.address, 'main'),
    marketId: 1,
    isBuy: true,
    price: parseX18('1850'),
    amount: parseX18('1'),
    nonce,
    expiry: 0n,
    flags: 0,
    clientId: 0n,
  };
  const signature = await by.signTypedData({
    domain: { name: 'Kestrel', version: '1', chainId: 31337, verifyingContract: exchange },
    types: EIP712_TYPES,
    primaryType: 'Order',
    message: order,
  });
  return { order, signature };
}

describe('verifying each input once', () => {
  it('skips recovery only for an input the node already verified: same digest and same signature', async () => {
    const store = await NodeStore.open(tempDir('kestrel-inputs-'));
    try {
      const ledger = await Ledger.open(
        {
          assets: [
            { assetId: 0, symbol: 'USDC', decimals: 6 },
            { assetId: 1, symbol: 'WETH', decimals: 18 },
          ],
          markets: [],
          feeSubaccount: `0x${'33'.repeat(32)}`,
        },
        domainSep,
        store,
      );
      const good = await signed(1n);
      const input = verifyOrder(domainSep, good.order, good.signature);
      await ledger.admit(input);
      const known = (i: Parameters<Ledger['knows']>[0]): boolean => ledger.knows(i);

      // the admitted input is vouched for; the same order under a stranger's signature is not
      const forged = { ...inputToWire(input), signature: (await signed(1n, stranger)).signature };
      expect(inputFromWire(domainSep, inputToWire(input), known)).toEqual(input);
      expect(ledger.knows({ ...input, signature: forged.signature as Hex })).toBe(false);
      expect(() => inputFromWire(domainSep, forged, known)).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }));
      // a vouched-for input is not recovered again: a vouch is all it takes (hence only for inputs this node verified)
      expect(() => inputFromWire(domainSep, forged, () => true)).not.toThrow();
      // an input the node never saw is recovered and checked
      const other = await signed(2n);
      expect(ledger.knows(verifyOrder(domainSep, other.order, other.signature))).toBe(false);
      expect(inputFromWire(domainSep, inputToWire(verifyOrder(domainSep, other.order, other.signature)), known)).toMatchObject({ type: 'order' });
    } finally {
      await store.close();
    }
  });
});

describe('who may sign', () => {
  it('the owner always; another key only when the engine says it is the subaccount’s linked signer', async () => {
    const byStranger = await signed(3n, stranger);
    const wire = inputToWire(verifyOrderUnchecked(byStranger));
    expect(() => inputFromWire(domainSep, wire)).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }));
    const linked = (subaccount: Hex, signer: Hex): boolean =>
      subaccount === makeSubaccount(trader.address, 'main') && signer === stranger.address.toLowerCase();
    expect(inputFromWire(domainSep, wire, undefined, linked)).toMatchObject({ type: 'order' });
    expect(() => inputFromWire(domainSep, wire, undefined, () => false)).toThrow(expect.objectContaining({ code: 'INVALID_SIGNATURE' }));
    const byOwner = await signed(4n);
    expect(inputFromWire(domainSep, inputToWire(verifyOrderUnchecked(byOwner)), undefined, () => false)).toMatchObject({ type: 'order' });
  });
});

function verifyOrderUnchecked(s: { order: Order; signature: Hex }): ReturnType<typeof orderInput> {
  return orderInput(domainSep, s.order, s.signature);
}
