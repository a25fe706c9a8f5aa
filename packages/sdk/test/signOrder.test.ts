import { domainSeparator, makeSubaccount, orderHash, recoverSigner, type Order } from '@kestrel/core';
import { describe, expect, it } from 'vitest';
import { KestrelSdkError, assertTypedData, buildOrder, signOrder } from '../src/index.js';
import { DOMAIN, WETH_USDC, alice, offlineClient } from './fixtures.js';

describe('signOrder', () => {
  it('signs an order whose signature recovers to the account under core hashing', async () => {
    const client = offlineClient();
    const order = await buildOrder(client, { market: WETH_USDC, side: 'buy', price: '1850.25', amount: '1.5', clientId: 42n, timeInForce: 'POST_ONLY' });
    const signed = await signOrder(client, { order, domain: DOMAIN });
    const digest = orderHash(domainSeparator(DOMAIN), order);
    expect(signed.orderHash).toBe(digest);
    expect(signed.signature).toMatch(/^0x[0-9a-f]{130}$/);
    expect(recoverSigner(digest, signed.signature)).toBe(alice.address.toLowerCase());
    // another domain (chain or contract) gives another digest: no replay across deployments
    const otherChain = orderHash(domainSeparator({ ...DOMAIN, chainId: 1n }), order);
    expect(recoverSigner(otherChain, signed.signature)).not.toBe(alice.address.toLowerCase());
  });

  it('produces canonical low-s signatures with v of 27 or 28', async () => {
    const client = offlineClient();
    for (let i = 0; i < 8; i++) {
      const order = await buildOrder(client, { market: WETH_USDC, side: i % 2 ? 'buy' : 'sell', price: '1850.25', amount: '1.5' });
      const { signature } = await signOrder(client, { order, domain: DOMAIN });
      const s = BigInt(`0x${signature.slice(66, 130)}`);
      const v = parseInt(signature.slice(130), 16);
      expect(s <= 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n, `order ${i}: s`).toBe(true);
      expect([27, 28], `order ${i}: v`).toContain(v);
    }
  });

  it('needs an account', async () => {
    const client = offlineClient({ account: undefined });
    const order = await buildOrder(offlineClient(), { market: WETH_USDC, side: 'buy', price: '1', amount: '1' });
    await expect(signOrder(client, { order, domain: DOMAIN })).rejects.toMatchObject({ code: 'ACCOUNT_REQUIRED' });
  });
});

describe('typed data is validated before signing', () => {
  const order: Order = {
    subaccount: makeSubaccount(alice.address, 'main'),
    marketId: 1,
    isBuy: true,
    price: 1n,
    amount: 1n,
    nonce: 1n,
    expiry: 0n,
    flags: 0,
    clientId: 0n,
  };
  const cases: Array<{ name: string; domain?: Partial<typeof DOMAIN>; order?: Partial<Order>; code: string }> = [
    { name: 'foreign domain name', domain: { name: 'Other' as 'Kestrel' }, code: 'INVALID_TYPED_DATA' },
    { name: 'wrong version', domain: { version: '2' as '1' }, code: 'INVALID_TYPED_DATA' },
    { name: 'zero chain id', domain: { chainId: 0n }, code: 'INVALID_TYPED_DATA' },
    { name: 'bad verifying contract', domain: { verifyingContract: '0x1234' }, code: 'INVALID_TYPED_DATA' },
    { name: 'price beyond uint128', order: { price: 1n << 128n }, code: 'INVALID_TYPED_DATA' },
    { name: 'nonce beyond uint64', order: { nonce: 1n << 64n }, code: 'INVALID_TYPED_DATA' },
    { name: 'marketId beyond uint32', order: { marketId: 2 ** 32 }, code: 'INVALID_TYPED_DATA' },
    { name: 'short subaccount', order: { subaccount: '0x1234' }, code: 'INVALID_TYPED_DATA' },
    { name: 'zero amount', order: { amount: 0n }, code: 'INVALID_TYPED_DATA' },
    { name: 'unknown flag bits', order: { flags: 1 << 5 }, code: 'INVALID_FLAGS' },
    { name: 'self-trade mode 3', order: { flags: 3 << 3 }, code: 'INVALID_FLAGS' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const domain = { ...DOMAIN, ...c.domain };
      const bad = { ...order, ...c.order };
      expect(() => assertTypedData(domain, { primaryType: 'Order', message: bad }), c.name).toThrow(KestrelSdkError);
      await expect(signOrder(offlineClient(), { order: bad, domain }), c.name).rejects.toMatchObject({ code: c.code });
    });
  }

  it('accepts a valid cancel and rejects a malformed hash in it', () => {
    const cancel = { subaccount: order.subaccount, orderHashes: [`0x${'11'.repeat(32)}` as const], timestamp: 5n };
    expect(() => assertTypedData(DOMAIN, { primaryType: 'Cancel', message: cancel })).not.toThrow();
    expect(() => assertTypedData(DOMAIN, { primaryType: 'Cancel', message: { ...cancel, orderHashes: ['0x11'] } })).toThrow(/Cancel/);
  });
});
