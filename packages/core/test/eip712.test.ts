import { describe, expect, it } from 'vitest';
import { hashTypedData, recoverTypedDataAddress, type Hex as ViemHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  EIP712_TYPES,
  cancelAllDigest,
  cancelDigest,
  domainSeparator,
  makeSubaccount,
  orderHash,
  recoverSigner,
  riskPlanDigest,
  sameOrder,
  subaccountOwner,
  type Eip712Domain,
  type Order,
} from '../src/index.js';

const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const domain: Eip712Domain = {
  name: 'Kestrel',
  version: '1',
  chainId: 31337n,
  verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
};
const order: Order = {
  subaccount: makeSubaccount(account.address, 'main'),
  marketId: 1,
  isBuy: true,
  price: 1850_250000000000000000n,
  amount: 1_500000000000000000n,
  nonce: 7n,
  expiry: 1_900_000_000n,
  flags: 9,
  clientId: 42n,
};

describe('EIP-712 hashing', () => {
  const sep = domainSeparator(domain);

  it('tells the same order without hashing: equal exactly when every signed field is, as the digests are', () => {
    expect(sameOrder(order, { ...order })).toBe(true);
    const changed: Array<[string, Partial<Order>]> = [
      ['subaccount', { subaccount: makeSubaccount(account.address, 'other') }],
      ['marketId', { marketId: 2 }],
      ['isBuy', { isBuy: false }],
      ['price', { price: order.price + 1n }],
      ['amount', { amount: order.amount + 1n }],
      ['nonce', { nonce: 8n }],
      ['expiry', { expiry: 0n }],
      ['flags', { flags: 8 }],
      ['clientId', { clientId: 0n }],
    ];
    for (const [field, change] of changed) {
      const other = { ...order, ...change };
      expect(sameOrder(order, other), field).toBe(false);
      expect(orderHash(sep, other), field).not.toBe(orderHash(sep, order));
    }
  });

  it('order hash equals a generic typed-data encoder', () => {
    const expected = hashTypedData({ domain, types: EIP712_TYPES, primaryType: 'Order', message: order });
    expect(orderHash(sep, order)).toBe(expected);
  });

  it('digests under each domain as given, however domains alternate, and a malformed one changes nothing', () => {
    const other: Eip712Domain = { ...domain, chainId: 6342n, verifyingContract: '0x1111111111111111111111111111111111111111' };
    const otherSep = domainSeparator(other);
    const want = (d: Eip712Domain) => hashTypedData({ domain: d, types: EIP712_TYPES, primaryType: 'Order', message: order });
    for (const [d, s] of [
      [domain, sep],
      [other, otherSep],
      [domain, sep],
      [other, otherSep],
    ] as const) {
      expect(orderHash(s, order)).toBe(want(d));
      expect(() => orderHash('0x1234', order)).toThrow();
      expect(orderHash(s, order)).toBe(want(d));
    }
  });

  it('cancel and cancel-all digests equal a generic encoder', () => {
    const cancel = { subaccount: order.subaccount, orderHashes: [orderHash(sep, order), `0x${'11'.repeat(32)}` as const], timestamp: 5n };
    expect(cancelDigest(sep, cancel)).toBe(hashTypedData({ domain, types: EIP712_TYPES, primaryType: 'Cancel', message: cancel }));
    const empty = { ...cancel, orderHashes: [] };
    expect(cancelDigest(sep, empty)).toBe(hashTypedData({ domain, types: EIP712_TYPES, primaryType: 'Cancel', message: empty }));
    const all = { subaccount: order.subaccount, marketId: 0, timestamp: 9n };
    expect(cancelAllDigest(sep, all)).toBe(hashTypedData({ domain, types: EIP712_TYPES, primaryType: 'CancelAll', message: all }));
  });

  it('risk plan digest equals a generic encoder (empty and several markets)', () => {
    for (const marketOrder of [[], [3], [3, 4, 1]]) {
      const plan = { subaccount: order.subaccount, marketOrder, maxSlippageBps: 150, graceSeconds: 600, nonce: 12n };
      expect(riskPlanDigest(sep, plan), marketOrder.join(',')).toBe(hashTypedData({ domain, types: EIP712_TYPES, primaryType: 'RiskPlan', message: plan }));
    }
  });

  it('recovers the signer of a viem signature and rejects tampering', async () => {
    const signature = await account.signTypedData({ domain, types: EIP712_TYPES, primaryType: 'Order', message: order });
    const digest = orderHash(sep, order);
    expect(recoverSigner(digest, signature)).toBe(account.address.toLowerCase());
    expect(await recoverTypedDataAddress({ domain, types: EIP712_TYPES, primaryType: 'Order', message: order, signature })).toBe(account.address);
    const other = orderHash(sep, { ...order, amount: order.amount + 1n });
    expect(recoverSigner(other, signature)).not.toBe(account.address.toLowerCase());
  });

  it('rejects malleable high-s, bad v and malformed signatures', async () => {
    const signature = await account.signTypedData({ domain, types: EIP712_TYPES, primaryType: 'Order', message: order });
    const digest = orderHash(sep, order);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${signature.slice(66, 130)}`);
    const v = parseInt(signature.slice(130), 16);
    const highS = `${signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as ViemHex;
    expect(recoverSigner(digest, highS)).toBeNull();
    expect(recoverSigner(digest, `${signature.slice(0, 130)}1d` as ViemHex)).toBeNull();
    // v as 0/1 is refused: the contract takes 27/28 only, and the node must not accept what cannot settle
    expect(recoverSigner(digest, `${signature.slice(0, 130)}${(v - 27).toString(16).padStart(2, '0')}` as ViemHex)).toBeNull();
    expect(recoverSigner(digest, signature.slice(0, 100) as ViemHex)).toBeNull();
    expect(recoverSigner(digest, `0x${'00'.repeat(65)}`)).toBeNull();
  });

  it('subaccount embeds its owner', () => {
    expect(subaccountOwner(order.subaccount)).toBe(account.address.toLowerCase());
    expect(order.subaccount).toHaveLength(66);
    expect(() => makeSubaccount(account.address, 'a-name-too-long')).toThrow();
  });
});
