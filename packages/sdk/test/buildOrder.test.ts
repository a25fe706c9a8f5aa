import { UINT64_MAX, decodeFlags, makeSubaccount, parseX18 } from '@kestrel/core';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_RESTING_EXPIRY_SECONDS,
  DEFAULT_TAKER_EXPIRY_SECONDS,
  KestrelSdkError,
  NONCE_LANES,
  buildOrder,
  type BuildOrderParameters,
} from '../src/index.js';
import { nextNonce } from '../src/utils/deployment.js';
import { ETH_PERP, T0_MS, WETH_USDC, alice, offlineClient } from './fixtures.js';

type Base = Omit<BuildOrderParameters, 'marketId' | 'symbol' | 'market'>;
const base: Base = { side: 'buy', price: '1850.25', amount: '1.5' };

describe('buildOrder: decimal strings to X18, exactly', () => {
  const cases: Array<{ name: string; price: string; amount: string; price18: bigint; amount18: bigint }> = [
    { name: 'plain', price: '1850.25', amount: '1.5', price18: 1850_250000000000000000n, amount18: 1_500000000000000000n },
    { name: 'integers', price: '2000', amount: '3', price18: 2000n * 10n ** 18n, amount18: 3n * 10n ** 18n },
    { name: 'trailing zeros', price: '1850.2500', amount: '0.010', price18: 1850_250000000000000000n, amount18: 10_000000000000000n },
    { name: 'tiny tick', price: '0.01', amount: '0.011', price18: 10_000000000000000n, amount18: 11_000000000000000n },
    // 0.1 + 0.2 style inputs stay exact: no float anywhere
    { name: 'no float drift', price: '1850.33', amount: '0.3', price18: 1850_330000000000000000n, amount18: 300000000000000000n },
    {
      name: 'huge',
      price: '123456789012345678.01',
      amount: '98765432109876.543',
      price18: 123456789012345678_010000000000000000n,
      amount18: 98765432109876_543000000000000000n,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const order = await buildOrder(offlineClient(), { market: WETH_USDC, side: 'sell', price: c.price, amount: c.amount });
      expect(order.price, `${c.name}: price`).toBe(c.price18);
      expect(order.amount, `${c.name}: amount`).toBe(c.amount18);
      expect(order.price, `${c.name}: parseX18 agrees`).toBe(parseX18(c.price));
      expect(order.isBuy).toBe(false);
    });
  }

  it('fills the defaults: own subaccount, GTC, clock nonce, expiry in 30 days, clientId 0', async () => {
    const order = await buildOrder(offlineClient(), { market: WETH_USDC, ...base });
    expect(order).toEqual({
      subaccount: makeSubaccount(alice.address, 'main'),
      marketId: 1,
      isBuy: true,
      price: 1850_250000000000000000n,
      amount: 1_500000000000000000n,
      nonce: BigInt(T0_MS) << 20n,
      expiry: BigInt(T0_MS / 1000) + 30n * 86_400n,
      flags: 0,
      clientId: 0n,
    });
  });

  it('gives resting orders 30 days and takers 30 s by default; expiry 0 rests until cancelled', async () => {
    const client = offlineClient();
    const now = BigInt(Math.floor(T0_MS / 1000));
    const built = async (extra: Partial<Base>) => (await buildOrder(client, { market: WETH_USDC, ...base, ...extra })).expiry;
    expect(await built({ timeInForce: 'POST_ONLY' })).toBe(now + DEFAULT_RESTING_EXPIRY_SECONDS);
    expect(await built({ timeInForce: 'IOC' })).toBe(now + DEFAULT_TAKER_EXPIRY_SECONDS);
    expect(await built({ timeInForce: 'FOK' })).toBe(now + DEFAULT_TAKER_EXPIRY_SECONDS);
    expect(await built({ expiry: 0 })).toBe(0n);
    expect(await built({ timeInForce: 'POST_ONLY', expiry: 0 })).toBe(0n);
  });

  it('encodes time in force, self-trade mode and reduce-only into flags', async () => {
    const client = offlineClient();
    const cases: Array<[Partial<Base>, { timeInForce: number; reduceOnly: boolean; selfTrade: number }]> = [
      [{ timeInForce: 'IOC' }, { timeInForce: 1, reduceOnly: false, selfTrade: 0 }],
      [
        { timeInForce: 'FOK', selfTrade: 'CANCEL_BOTH' },
        { timeInForce: 2, reduceOnly: false, selfTrade: 2 },
      ],
      [
        { timeInForce: 'POST_ONLY', selfTrade: 'CANCEL_TAKER' },
        { timeInForce: 3, reduceOnly: false, selfTrade: 1 },
      ],
      [
        { timeInForce: 'IOC', reduceOnly: true },
        { timeInForce: 1, reduceOnly: true, selfTrade: 0 },
      ],
    ];
    for (const [extra, expected] of cases) {
      const order = await buildOrder(client, { market: ETH_PERP, side: 'sell', price: '2000.1', amount: '0.5', ...extra });
      expect(decodeFlags(order.flags), JSON.stringify(extra)).toEqual(expected);
    }
  });

  it('takes the subaccount name, an explicit subaccount, nonce, expiry and clientId', async () => {
    const client = offlineClient();
    const named = await buildOrder(client, {
      market: WETH_USDC,
      ...base,
      subaccountName: 'hedge',
      nonce: 5n,
      expiry: 1_800_000_000,
      clientId: '18446744073709551615',
    });
    expect(named.subaccount).toBe(makeSubaccount(alice.address, 'hedge'));
    expect(named.nonce).toBe(5n);
    expect(named.expiry).toBe(1_800_000_000n);
    expect(named.clientId).toBe(UINT64_MAX);
    const explicit = `0x${'ab'.repeat(32)}` as const;
    expect((await buildOrder(client, { market: WETH_USDC, ...base, subaccount: explicit })).subaccount).toBe(explicit);
  });

  it('issues strictly increasing nonces, even within one millisecond and when the clock steps back', async () => {
    let now = T0_MS;
    const client = offlineClient({ now: () => now });
    const nonces: bigint[] = [];
    for (let i = 0; i < 5; i++) nonces.push((await buildOrder(client, { market: WETH_USDC, ...base })).nonce);
    now -= 10_000;
    nonces.push((await buildOrder(client, { market: WETH_USDC, ...base })).nonce);
    now += 20_000;
    nonces.push((await buildOrder(client, { market: WETH_USDC, ...base })).nonce);
    for (let i = 1; i < nonces.length; i++) expect(nonces[i]! > nonces[i - 1]!, `nonce ${i}`).toBe(true);
    expect(nonces[0]).toBe(BigInt(T0_MS) << 20n);
    expect(nonces.at(-1)).toBe(BigInt(T0_MS + 10_000) << 20n);
  });

  it('never issues one nonce twice across clients of one key in distinct lanes, each strictly increasing', () => {
    // any clocks (stepping back too), any interleaving, bursts past the 1,024 a millisecond holds
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: NONCE_LANES - 1 }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(3), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 1, max: 1_500 })), { maxLength: 40 }),
        (lanes, steps) => {
          const clocks = lanes.map(() => T0_MS);
          const clients = lanes.map((nonceLane, i) => offlineClient({ nonceLane, now: () => clocks[i]! }));
          const seen = new Set<bigint>();
          const last = lanes.map(() => -1n);
          for (const [who, tick, burst] of steps) {
            const i = who % clients.length;
            clocks[i]! += tick;
            for (let k = 0; k < burst; k++) {
              const n = nextNonce(clients[i]!);
              if (seen.has(n) || n <= last[i]!) return false;
              seen.add(n);
              last[i] = n;
            }
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('takes a random lane by default and refuses one out of range', () => {
    const lanes = new Set(Array.from({ length: 64 }, () => offlineClient({ nonceLane: undefined }).nonceLane));
    for (const lane of lanes) expect(lane >= 0 && lane < NONCE_LANES).toBe(true);
    expect(lanes.size).toBeGreaterThan(1);
    for (const nonceLane of [-1, NONCE_LANES, 1.5]) expect(() => offlineClient({ nonceLane })).toThrow(/nonceLane must be an integer/);
  });
});

describe('buildOrder: rejected locally with a clear code', () => {
  const cases: Array<{ name: string; params: Partial<BuildOrderParameters>; code: string; details?: Record<string, unknown> }> = [
    { name: 'price off tick', params: { price: '1850.255' }, code: 'OFF_TICK', details: { price: '1850.255', tickSize: '0.01', marketId: 1 } },
    { name: 'amount off lot', params: { amount: '1.0005' }, code: 'OFF_LOT', details: { amount: '1.0005', lotSize: '0.001' } },
    { name: 'below min size', params: { amount: '0.009' }, code: 'BELOW_MIN_SIZE', details: { amount: '0.009', minSize: '0.01' } },
    { name: 'zero amount', params: { amount: '0' }, code: 'BELOW_MIN_SIZE' },
    { name: 'negative amount', params: { amount: '-1' }, code: 'MALFORMED' },
    { name: 'zero price', params: { price: '0' }, code: 'PRICE_OUT_OF_RANGE' },
    { name: 'negative price', params: { price: '-1850.25' }, code: 'PRICE_OUT_OF_RANGE' },
    { name: 'price beyond uint128', params: { price: '340282366920938463463.38' }, code: 'PRICE_OUT_OF_RANGE' },
    { name: 'amount beyond uint128', params: { amount: '340282366920938463464' }, code: 'SIZE_TOO_LARGE' },
    { name: '19 fractional digits', params: { price: '1850.2500000000000000001' }, code: 'TOO_MANY_DECIMALS' },
    { name: 'exponent', params: { price: '1.85e3' }, code: 'MALFORMED' },
    { name: 'spaces', params: { amount: ' 1.5' }, code: 'MALFORMED' },
    { name: 'a number, not a string', params: { amount: 1.5 as unknown as string }, code: 'MALFORMED' },
    { name: 'unknown side', params: { side: 'long' as 'buy' }, code: 'MALFORMED' },
    { name: 'unknown time in force', params: { timeInForce: 'GTD' as 'GTC' }, code: 'INVALID_FLAGS' },
    { name: 'unknown self-trade mode', params: { selfTrade: 'ALLOW' as 'CANCEL_MAKER' }, code: 'INVALID_FLAGS' },
    { name: 'reduce-only on spot', params: { reduceOnly: true }, code: 'UNSUPPORTED_ORDER_TYPE' },
    { name: 'expiry in the past', params: { expiry: T0_MS / 1000 - 1 }, code: 'EXPIRED' },
    { name: 'nonce beyond uint64', params: { nonce: UINT64_MAX + 1n }, code: 'MALFORMED' },
    { name: 'negative clientId', params: { clientId: -1 }, code: 'MALFORMED' },
    { name: 'subaccount name over 12 bytes', params: { subaccountName: 'thirteen-byte' }, code: 'MALFORMED' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const params = { market: WETH_USDC, ...base, ...c.params } as BuildOrderParameters;
      const error = await buildOrder(offlineClient(), params).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, c.name).toBeInstanceOf(KestrelSdkError);
      const e = error as KestrelSdkError;
      expect(e.code, `${c.name}: ${e.shortMessage}`).toBe(c.code);
      if (c.details) expect(e.details, c.name).toMatchObject(c.details);
      expect(e.message, c.name).toContain(`Code: ${c.code}`);
    });
  }

  it('needs an account when no subaccount is given', async () => {
    const client = offlineClient({ account: undefined });
    await expect(buildOrder(client, { market: WETH_USDC, ...base })).rejects.toMatchObject({ code: 'ACCOUNT_REQUIRED' });
  });

  it('looks markets up on the node when given an id or symbol (NETWORK when unreachable)', async () => {
    await expect(buildOrder(offlineClient(), { symbol: 'WETH/USDC', ...base })).rejects.toMatchObject({ code: 'NETWORK' });
  });
});
