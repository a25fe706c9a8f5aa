import { describe, expect, it } from 'vitest';
import { encodeFlags, Engine, ErrorCode, makeSubaccount, orderHash, parseX18 as x, TimeInForce, type EngineConfig, type Hex, type Order } from '@kestrel/core';
import { orderAdmission } from '../../src/admission.js';

const alice = makeSubaccount('0x1111111111111111111111111111111111111111', 'main') as Hex;
const config: EngineConfig = {
  assets: [
    { assetId: 0, symbol: 'USDC', decimals: 6 },
    { assetId: 1, symbol: 'WETH', decimals: 18 },
  ],
  markets: [
    {
      marketId: 1,
      symbol: 'WETH/USDC',
      kind: 'SPOT',
      baseAssetId: 1,
      quoteAssetId: 0,
      tickSize: x('0.01'),
      lotSize: x('0.001'),
      minSize: x('0.001'),
      makerFee: 0n,
      takerFee: 0n,
    },
  ],
  feeSubaccount: makeSubaccount('0x3333333333333333333333333333333333333333', 'fees') as Hex,
};
const DOMAIN = `0x${'11'.repeat(32)}` as Hex;
const LAST_BATCH = 1_000n;

function idleEngine(): Engine {
  const e = new Engine(config);
  e.apply({ kind: 'time', timestamp: LAST_BATCH });
  e.apply({ kind: 'endBatch' });
  return e;
}

const ioc = (expiry: bigint, timeInForce: TimeInForce = TimeInForce.IOC): [Order, Hex] => {
  const order: Order = {
    subaccount: alice,
    marketId: 1,
    isBuy: true,
    price: x('2000'),
    amount: x('1'),
    nonce: 1n,
    expiry,
    flags: encodeFlags({ timeInForce }),
    clientId: 0n,
  };
  return [order, orderHash(DOMAIN, order)];
};

describe('order admission', () => {
  it('takes an IOC with a short expiry after the exchange sat idle for an hour', () => {
    const now = LAST_BATCH + 3600n; // no batch for an hour: the engine's clock is the last batch's
    expect(orderAdmission(idleEngine(), ...ioc(now + 30n), now)).toBeNull();
    expect(orderAdmission(idleEngine(), ...ioc(now + 30n, TimeInForce.FOK), now)).toBeNull();
  });

  it('refuses an IOC without an expiry, or one expiring past the lifetime a batch allows from now', () => {
    const now = LAST_BATCH + 3600n;
    expect(orderAdmission(idleEngine(), ...ioc(0n), now)).toBe(ErrorCode.TAKER_EXPIRY);
    expect(orderAdmission(idleEngine(), ...ioc(now + 121n), now)).toBe(ErrorCode.TAKER_EXPIRY);
    expect(orderAdmission(idleEngine(), ...ioc(now + 120n), now)).toBeNull();
  });

  it('refuses an order already expired by this machine clock', () => {
    const now = LAST_BATCH + 3600n;
    expect(orderAdmission(idleEngine(), ...ioc(now), now)).toBe(ErrorCode.EXPIRED);
    expect(orderAdmission(idleEngine(), ...ioc(now - 1n), now)).toBe(ErrorCode.EXPIRED);
  });
});
