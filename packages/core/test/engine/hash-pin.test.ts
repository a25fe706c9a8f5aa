/**
 * Pins the state hash (and the events digest) of a fixed, generated input log over spot and perp
 * markets. Any change to matching, settlement, positions or the canonical serialization shows
 * up here; a change that is meant must update the pinned values and say why in its commit.
 */
import { describe, expect, it } from 'vitest';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, Engine, encodeFlags, orderHash, type EngineConfig, type EngineInput, type Order } from '../../src/index.js';
import { alice, alice2, bob, carol, config, dave, DOMAIN, ETH, ETH_PERP, USDC, WETH } from './fixtures.js';

const cfg: EngineConfig = {
  ...config,
  markets: config.markets.map((m) => (m.marketId === ETH_PERP ? { ...m, priceBandBps: 20 } : m)),
  limits: { maxOpenOrdersPerSubaccount: 40 },
};
const TRADERS = [alice, alice2, bob, carol, dave];
const E18 = 10n ** 18n;

/** A fixed log from a small linear congruential generator (no dependency on a test library). */
function fixedLog(count: number): EngineInput[] {
  let seed = 12345;
  const rnd = (k: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * k);
  };
  const log: EngineInput[] = [{ kind: 'time', timestamp: 1000n }];
  let rid = 0n;
  let now = 1000n;
  for (const t of TRADERS) {
    log.push({ kind: 'deposit', requestId: ++rid, subaccount: t, assetId: USDC, amount: 50_000n * E18 });
    log.push({ kind: 'deposit', requestId: ++rid, subaccount: t, assetId: WETH, amount: 100n * E18 });
  }
  const placed: Array<{ hash: `0x${string}`; sub: `0x${string}` }> = [];
  for (let i = 0; i < count; i++) {
    const r = rnd(100);
    if (r < 70) {
      const perp = rnd(2) === 0;
      const sub = TRADERS[rnd(TRADERS.length)]!;
      const order: Order = {
        subaccount: sub,
        marketId: perp ? ETH_PERP : ETH,
        isBuy: rnd(2) === 0,
        price: BigInt(10_000 + rnd(41) - 20) * 10n ** 16n,
        amount: BigInt(1 + rnd(50)) * 10n ** 15n * 10n,
        nonce: BigInt(i + 1),
        expiry: rnd(5) === 0 ? now + 1n + BigInt(rnd(30)) : 0n,
        flags: encodeFlags({ timeInForce: rnd(4) as 0 | 1 | 2 | 3, selfTrade: rnd(3) as 0 | 1 | 2, reduceOnly: perp && rnd(4) === 0 }),
        clientId: BigInt(rnd(3)),
      };
      // an IOC or FOK always carries a short expiry, as the chain requires
      if ((order.flags & 3) === 1 || (order.flags & 3) === 2) order.expiry = order.expiry === 0n ? now + 60n : order.expiry;
      const hash = orderHash(DOMAIN, order);
      placed.push({ hash, sub });
      log.push({ kind: 'place', order, hash });
    } else if (r < 80 && placed.length > 0) {
      const p = placed[rnd(placed.length)]!;
      log.push({ kind: 'cancel', subaccount: p.sub, hashes: [p.hash] });
    } else if (r < 84) {
      log.push({ kind: 'cancelByClientId', subaccount: TRADERS[rnd(TRADERS.length)]!, clientIds: [BigInt(rnd(3))] });
    } else if (r < 88) {
      log.push({ kind: 'oracle', marketId: ETH_PERP, price: BigInt(10_000 + rnd(21) - 10) * 10n ** 16n });
    } else if (r < 94) {
      now += BigInt(rnd(4));
      log.push({ kind: 'time', timestamp: now });
    } else {
      log.push({ kind: 'cancelAll', subaccount: TRADERS[rnd(TRADERS.length)]!, marketId: rnd(2) === 0 ? 0 : ETH });
    }
  }
  return log;
}

const json = (v: unknown): string => JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

describe('pinned state hash', () => {
  it('a fixed log of 3,000 inputs gives the pinned events and state hash', () => {
    const e = new Engine(cfg);
    const events = fixedLog(3000).map((input) => e.apply(input));
    const kinds = new Map<string, number>();
    for (const ev of events.flat()) {
      const k = ev.kind === 'rejected' ? `rejected ${ev.code}` : ev.kind === 'cancelled' ? `cancelled ${ev.reason}` : ev.kind;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    expect(Object.fromEntries([...kinds].sort()), 'event mix (the log must exercise fills, cancels, expiries)').toMatchInlineSnapshot(`
      {
        "accepted": 1755,
        "cancelRejected": 353,
        "cancelled FOK_UNFILLED": 439,
        "cancelled IOC_REMAINDER": 318,
        "cancelled REDUCE_ONLY": 6,
        "cancelled SELF_TRADE": 159,
        "cancelled USER": 368,
        "deposited": 10,
        "expired": 30,
        "fill": 422,
        "oracleUpdated": 118,
        "rejected POST_ONLY_WOULD_CROSS": 183,
        "rejected REDUCE_ONLY_WOULD_INCREASE": 169,
      }
    `);
    expect(bytesToHex(keccak_256(new TextEncoder().encode(json(events)))), 'events digest').toMatchInlineSnapshot(
      `"0x1427c11929b34b5749c2d73bc69d53aee0bba5058a61a4824af606c8e02ec08f"`,
    );
    expect(e.stateHash(), 'state hash').toMatchInlineSnapshot(`"0x4734e436eacd0a7e26bcbf46e0e09a1a2fd9e0ebfd68ba2234f42215f7fff8ab"`);
  });
});
