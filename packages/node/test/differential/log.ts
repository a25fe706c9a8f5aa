/**
 * A seeded random operation log for the differential test: deposits, withdrawals, spot and perp
 * trades (with borrowing through spending past a balance), funding updates (some past the clamp),
 * price moves (now and then a crash), time passing, risk plans, liquidation requests, and batch
 * boundaries. The same seed gives the same log.
 */

/** A small deterministic generator (xorshift128+ over bigints): tests must replay exactly. */
export class Rng {
  private s0: bigint;
  private s1: bigint;
  constructor(seed: number) {
    const mask = (1n << 64n) - 1n;
    this.s0 = (BigInt(seed) * 0x9e3779b97f4a7c15n + 1n) & mask;
    this.s1 = (this.s0 ^ 0x6a09e667f3bcc909n) & mask || 1n;
    for (let i = 0; i < 16; i++) this.next();
  }

  private next(): bigint {
    const mask = (1n << 64n) - 1n;
    let x = this.s0;
    const y = this.s1;
    this.s0 = y;
    x ^= (x << 23n) & mask;
    this.s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return (this.s1 + y) & mask;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Number(this.next() % BigInt(n));
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.int(1_000_000) < p * 1_000_000;
  }
}

export type Op =
  | { kind: 'deposit'; who: number; asset: number; units: bigint }
  | { kind: 'withdraw'; who: number; asset: number; units: bigint }
  /** a resting maker order and a crossing IOC taker, `offsetBps` from the index, sizes in lots */
  | { kind: 'trade'; market: number; maker: number; taker: number; takerBuys: boolean; offsetBps: number; makerLots: number; takerLots: number }
  | { kind: 'cancelAll'; who: number }
  /** `rate` undefined: the engine's own rate from its book */
  | { kind: 'funding'; market: number; rate: bigint | undefined }
  /** a new round on feed 0 (ETH) or 1 (BTC), the price moved by `movePermille`, published `ageSeconds` before now */
  | { kind: 'price'; feed: number; movePermille: number; ageSeconds: number }
  | { kind: 'time'; seconds: number }
  /** a signed risk plan: markets in order, a slippage bound and a grace window */
  | { kind: 'plan'; who: number; marketOrder: number[]; maxSlippageBps: number; graceSeconds: number }
  /**
   * `who` asks to liquidate every exposure of `target` (most are refused: the target is healthy),
   * and sometimes asks right behind it to withdraw collateral (judged after the liquidation)
   */
  | { kind: 'liquidate'; who: number; target: number; thenWithdraw?: { asset: number; units: bigint } }
  | { kind: 'endBatch' };

export const TRADERS = 6;
/** traders 0 … THIN − 1 start thinly funded */
export const THIN = 2;
/** token units per deposit range, by asset (USDC 6 decimals, WETH 18, WBTC 8) */
const DEPOSIT: Array<[bigint, bigint]> = [
  [1_000n * 10n ** 6n, 50_000n * 10n ** 6n],
  [10n ** 17n, 20n * 10n ** 18n],
  [10n ** 6n, 50n * 10n ** 7n],
];

function units(rng: Rng, [lo, hi]: [bigint, bigint]): bigint {
  return lo + (BigInt(rng.int(1_000_000)) * (hi - lo)) / 1_000_000n;
}

/** The first batch funds every trader in every asset; then `count` random operations in batches of 1–12. */
export function operationLog(seed: number, count: number): Op[] {
  const rng = new Rng(seed);
  const ops: Op[] = [];
  for (let who = 0; who < TRADERS; who++) {
    // the first THIN traders hold a little USDC only: they trade near their margin, so a crash
    // takes them into margin call, the backstop and bankruptcy
    if (who < THIN) ops.push({ kind: 'deposit', who, asset: 0, units: BigInt(rng.between(500, 2_000)) * 10n ** 6n });
    else for (let asset = 0; asset < 3; asset++) ops.push({ kind: 'deposit', who, asset, units: units(rng, DEPOSIT[asset]!) * 2n });
  }
  ops.push({ kind: 'endBatch' });
  let made = 0;
  while (made < count) {
    const size = rng.between(1, 12);
    for (let i = 0; i < size && made < count; i++, made++) ops.push(randomOp(rng));
    ops.push({ kind: 'endBatch' });
  }
  return ops;
}

function randomOp(rng: Rng): Op {
  const r = rng.int(100);
  const who = rng.int(TRADERS);
  if (r < 6) {
    const asset = rng.int(3);
    return who < THIN
      ? { kind: 'deposit', who, asset: 0, units: BigInt(rng.between(100, 1_000)) * 10n ** 6n }
      : { kind: 'deposit', who, asset, units: units(rng, DEPOSIT[asset]!) };
  }
  if (r < 10) {
    const asset = rng.int(3);
    return { kind: 'withdraw', who, asset, units: units(rng, DEPOSIT[asset]!) };
  }
  if (r < 72) {
    const market = 1 + rng.int(4);
    const maker = who;
    const taker = (who + 1 + rng.int(TRADERS - 1)) % TRADERS;
    // ETH lots are 0.0001, BTC lots 0.00001: up to ~5 ETH or ~0.3 BTC a trade, leverage included
    // and now and then one far past what the account can margin
    const maxLots = (market % 2 === 1 ? 50_000 : 30_000) * (rng.chance(0.15) ? 20 : 1);
    return {
      kind: 'trade',
      market,
      maker,
      taker,
      takerBuys: rng.chance(0.5),
      offsetBps: rng.between(-40, 40),
      makerLots: rng.between(10, maxLots),
      takerLots: rng.between(10, maxLots),
    };
  }
  if (r < 75) return { kind: 'cancelAll', who };
  if (r < 80) {
    const market = 3 + rng.int(2);
    // sometimes far past the 0.5% clamp, either way; sometimes the engine's own rate
    const rate = rng.chance(0.4) ? undefined : BigInt(rng.between(-20_000, 20_000)) * 10n ** 12n;
    return { kind: 'funding', market, rate };
  }
  if (r < 90) {
    // now and then a crash or a squeeze, so accounts fall into margin call and the backstop
    const move = rng.chance(0.15) ? rng.between(-200, 200) : rng.between(-30, 30);
    return { kind: 'price', feed: rng.int(2), movePermille: move, ageSeconds: rng.chance(0.2) ? rng.between(0, 900) : 0 };
  }
  if (r < 92) {
    const markets = [1, 2, 3, 4].filter(() => rng.chance(0.5));
    return { kind: 'plan', who, marketOrder: markets, maxSlippageBps: rng.between(20, 400), graceSeconds: rng.between(0, 1200) };
  }
  if (r < 95) {
    const target = (who + 1 + rng.int(TRADERS - 1)) % TRADERS;
    if (!rng.chance(0.5)) return { kind: 'liquidate', who, target };
    const asset = rng.int(3);
    return { kind: 'liquidate', who, target, thenWithdraw: { asset, units: units(rng, DEPOSIT[asset]!) * 2n } };
  }
  return { kind: 'time', seconds: rng.chance(0.25) ? rng.between(3_000, 8_000) : rng.between(1, 600) };
}
