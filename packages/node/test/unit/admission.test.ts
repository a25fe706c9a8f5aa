import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFlags, makeSubaccount, orderInput, parseX18 as x, TimeInForce, type EngineConfig, type Hex, type Order } from '@kestrel/core';
import { Admission } from '../../src/admission/admission.js';
import { Ledger } from '../../src/store/ledger.js';
import { NodeStore } from '../../src/store/store.js';
import { tempDir } from '../helpers.js';

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
const NOW = LAST_BATCH + 3600n; // no batch for an hour: the engine's clock is the last batch's

let store: NodeStore;
let admission: Admission;

beforeAll(async () => {
  store = await NodeStore.open(tempDir('kestrel-admission-'));
  const ledger = await Ledger.open(config, DOMAIN, store);
  ledger.engine.apply({ kind: 'time', timestamp: LAST_BATCH });
  ledger.engine.apply({ kind: 'endBatch' });
  admission = new Admission({ ledger, marketIds: [1], recover: async () => null, nowSeconds: () => NOW });
});

afterAll(async () => {
  await store?.close();
});

const taker = (expiry: bigint, timeInForce: TimeInForce = TimeInForce.IOC) => {
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
  return orderInput(DOMAIN, order, `0x${'22'.repeat(65)}`);
};
const refusal = (f: () => void): string | null => {
  try {
    f();
    return null;
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('order admission', () => {
  it('takes an IOC with a short expiry after the exchange sat idle for an hour', () => {
    expect(refusal(() => admission.precheck(taker(NOW + 30n)))).toBeNull();
    expect(refusal(() => admission.precheck(taker(NOW + 30n, TimeInForce.FOK)))).toBeNull();
  });

  it('refuses an IOC without an expiry, or one expiring past the lifetime a batch allows from now', () => {
    expect(refusal(() => admission.precheck(taker(0n)))).toBe('TAKER_EXPIRY');
    expect(refusal(() => admission.precheck(taker(NOW + 121n)))).toBe('TAKER_EXPIRY');
    expect(refusal(() => admission.precheck(taker(NOW + 120n)))).toBeNull();
  });

  it("refuses an order already expired by this machine's clock", () => {
    expect(refusal(() => admission.precheck(taker(NOW)))).toBe('EXPIRED');
    expect(refusal(() => admission.precheck(taker(NOW - 1n)))).toBe('EXPIRED');
  });

  it('refuses a badly signed input from a peer, and tells gossip to penalize it', async () => {
    await expect(admission.admit(taker(NOW + 30n), 'api')).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
    const wire = { type: 'order', order: { nonsense: true }, signature: '0x' };
    expect(await admission.admitGossip(wire)).toBe('REJECT');
  });
});
