/**
 * A crash, simulated (spec/de-risking.md, spec/testing.md): 200 seeded accounts — naked perp longs and shorts, spot
 * bought on a loan, basis trades, cross-coin books — some with risk plans; then ETH and BTC fall
 * 30% over an hour of simulated time, one feed round every two minutes. A market maker re-quotes
 * around the index every step; trader plans run after their grace windows; a liquidator takes
 * over what falls into the backstop; the insurance fund absorbs what is left owing. Every step is
 * applied by the node's own batch code to the engine and settled on the Exchange on a real local
 * chain. At the end no account owes more than it holds, the fund's equity covers every deficit
 * it absorbed, and the engine and the chain hold the same numbers for every account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, http, keccak256, toHex, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { exchangeAbi, mockFeedAbi, testTokenAbi, receiptOf } from '@kestrel/contracts';
import { startAnvil, type AnvilInstance } from '@kestrel/devnet';
import {
  cancelAllDigest,
  encodeFlags,
  feedAnswerToX18,
  makeSubaccount,
  orderHash,
  riskPlanDigest,
  TimeInForce,
  type Engine,
  type EngineEvent,
  type Order,
  type RiskPlan,
  applyBatch,
  settlementOf,
  type PriceUpdate,
  type BatchInput,
} from '@kestrel/core';
import type { ExchangeChain } from '../../src/chain/exchange.js';
import { DEVNET_ASSETS, DEVNET_FEEDS, DEVNET_MARKETS } from '../../src/devnet/listing.js';
import { accountChecks, deployDevnetListing, exposures, keyOf, type ChainRead } from '../chain-setup.js';
import { Rng } from '../differential/log.js';

const ACCOUNTS = 200;
const STEPS = 30; // an hour in two-minute steps
const STEP_SECONDS = 120n;
const FALL_PERMILLE = 300;
const SEED = 11;
const E18 = 10n ** 18n;
const x = (units: number): bigint => BigInt(Math.round(units * 1e6)) * 10n ** 12n;
const PERP = { ETH: 3, BTC: 4 } as const;
const SPOT = { ETH: 1, BTC: 2 } as const;
const FEED_OF: Record<number, number> = { 1: 0, 2: 1, 3: 0, 4: 1 };
/** the maker's spread while the traders open (it must not cross its own quotes) */
const OPENING_SPREAD_BPS = 2n;

interface Trader {
  key: Hex;
  subaccount: Hex;
  kind: string;
}

let anvil: AnvilInstance;
let chain: ExchangeChain;
let engine: Engine;
let exchange: Hex;
let domainSep: Hex;
let feeds: Hex[];
let insurance: Hex;
const traders: Trader[] = [];
const signed = new Map<Hex, { order: Order; signature: Hex }>();
const mm = { key: keyOf(2), subaccount: makeSubaccount(privateKeyToAccount(keyOf(2)).address, 'mm') };
const liquidator = { key: keyOf(3), subaccount: makeSubaccount(privateKeyToAccount(keyOf(3)).address, 'backstop') };
/** a liquidator with too little margin for most steps: its refusals must leave engine and chain alike */
const poor = { key: keyOf(4), subaccount: makeSubaccount(privateKeyToAccount(keyOf(4)).address, 'poor') };

beforeAll(async () => {
  anvil = await startAnvil({ port: 0, args: ['--gas-limit', '300000000'] });
  const transport = http(anvil.url);
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 20 });
  const admin = privateKeyToAccount(keyOf(0));
  const setup = await deployDevnetListing(anvil, DEVNET_ASSETS);
  const deployed = setup.deployed;
  ({ exchange, chain, engine, domainSep } = setup);
  insurance = setup.listing.insuranceSubaccount;
  feeds = [deployed.mockFeeds['ETH / USD']!, deployed.mockFeeds['BTC / USD']!];
  const funder = createWalletClient({ chain: foundry, transport, account: admin });
  for (const a of deployed.assets) {
    for (const [fn, args] of [
      ['mint', [admin.address, 10n ** 40n]],
      ['approve', [exchange, 10n ** 40n]],
    ] as const) {
      await receiptOf(publicClient, await funder.writeContract({ address: a.token, abi: testTokenAbi, functionName: fn, args } as never));
    }
  }
  const rng = new Rng(SEED);
  for (let i = 0; i < ACCOUNTS; i++) {
    const key = keccak256(toHex(`kestrel crash trader ${i}`));
    const kinds = ['long', 'long', 'long', 'long', 'short', 'short', 'spot-loan', 'spot-loan', 'basis', 'cross'];
    traders.push({ key, subaccount: makeSubaccount(privateKeyToAccount(key).address, 'crash'), kind: kinds[rng.int(kinds.length)]! });
  }
  // deposits: a few thousand USDC each; the market maker, the liquidator and the fund hold plenty
  const deposit = async (subaccount: Hex, assetId: number, units: bigint): Promise<void> => {
    await receiptOf(
      publicClient,
      await funder.writeContract({ address: exchange, abi: exchangeAbi, functionName: 'deposit', args: [subaccount, assetId, units] }),
    );
  };
  for (const t of traders) await deposit(t.subaccount, 0, BigInt(rng.between(1_000, 6_000)) * 10n ** 6n);
  await deposit(mm.subaccount, 0, 50_000_000n * 10n ** 6n);
  await deposit(mm.subaccount, 1, 20_000n * E18);
  await deposit(mm.subaccount, 2, 500n * 10n ** 8n);
  await deposit(liquidator.subaccount, 0, 20_000_000n * 10n ** 6n);
  await deposit(poor.subaccount, 0, 300n * 10n ** 6n);
  await deposit(insurance, 0, 250_000n * 10n ** 6n);
}, 600_000);

afterAll(async () => {
  await anvil?.stop();
});

/** Everything the run did, so a crash that exercises nothing fails. */
const seen = {
  batches: 0,
  fills: 0,
  marginCalls: 0,
  planSteps: 0,
  planFills: 0,
  liquidations: 0,
  liquidationsRefused: 0,
  absorbed: 0,
  deficit: 0n,
  deleveraged: 0,
  fundingUpdates: 0,
};

describe('a 30% crash over an hour', () => {
  it(`leaves no unabsorbed bad debt across ${ACCOUNTS} accounts, the engine and the chain equal`, async () => {
    const transport = http(anvil.url);
    const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 20 });
    const feeder = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(keyOf(0)) });
    const liquidatorWallet = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(liquidator.key) });
    const poorWallet = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(poor.key) });
    const rng = new Rng(SEED + 1);
    let t = (await publicClient.getBlock()).timestamp + 10n;
    let cursor = 0n;
    let batchId = 0n;
    let nonce = 1n;
    const answers = DEVNET_FEEDS.map((f) => f.answer);

    const sign = async (key: Hex, order: Order): Promise<BatchInput> => {
      const hash = orderHash(domainSep, order);
      const signature = await privateKeyToAccount(key).sign({ hash });
      signed.set(hash, { order, signature });
      return { type: 'order', order, signature, hash };
    };
    // an IOC expires a minute after the batch it is made for (the chain's rule)
    const order = (subaccount: Hex, marketId: number, isBuy: boolean, price: bigint, amount: bigint, tif: TimeInForce): Order => ({
      subaccount,
      marketId,
      isBuy,
      price,
      amount,
      nonce: nonce++,
      expiry: tif === TimeInForce.IOC ? t + 60n : 0n,
      flags: encodeFlags({ timeInForce: tif }),
      clientId: 0n,
    });
    const steps = (marketId: number): { tick: bigint; lot: bigint } => {
      const m = DEVNET_MARKETS.find((x) => x.marketId === marketId)!;
      return { tick: m.tickSize, lot: m.lotSize };
    };
    const onTick = (marketId: number, price: bigint, up: boolean): bigint => {
      const { tick } = steps(marketId);
      return up ? ((price + tick - 1n) / tick) * tick : (price / tick) * tick;
    };
    const lots = (marketId: number, amount: bigint): bigint => (amount / steps(marketId).lot) * steps(marketId).lot;

    /** New feed rounds at `t` for both coins; the markets they price. */
    const publish = async (): Promise<PriceUpdate[]> => {
      const out: PriceUpdate[] = [];
      for (const [i, feed] of feeds.entries()) {
        await receiptOf(publicClient, await feeder.writeContract({ address: feed, abi: mockFeedAbi, functionName: 'publish', args: [answers[i]!, t] }));
        const roundId = (await publicClient.readContract({ address: feed, abi: mockFeedAbi, functionName: 'latestRound' })) as bigint;
        for (const marketId of [1, 2, 3, 4].filter((m) => FEED_OF[m] === i))
          out.push({ marketId, roundId, price: feedAnswerToX18(answers[i]!, 8), publishedAt: t });
      }
      return out.sort((a, b) => a.marketId - b.marketId);
    };

    /** One batch through the node's own code, settled on chain; returns its events. */
    const settle = async (prices: PriceUpdate[], inputs: BatchInput[], funding: number[] = []): Promise<EngineEvent[]> => {
      const count = await chain.requestCount();
      const requests = await chain.requests(cursor, count);
      const events = applyBatch(engine, { timestamp: t, prices, funding, requests, inputs });
      batchId += 1n;
      const args = settlementOf(
        { batchId, timestamp: t, requestCursor: count, stateHash: engine.stateHash(), prices, inputs },
        events,
        (h) => ((o) => o && { hash: h, ...o })(signed.get(h)),
        (id) => id === PERP.ETH || id === PERP.BTC,
      );
      await publicClient.request({ method: 'evm_setNextBlockTimestamp' as never, params: [`0x${t.toString(16)}`] as never });
      const sim = await chain.simulate(args);
      if (!sim.ok) throw new Error(`batch ${batchId} refused: ${sim.error}(${sim.args.map(String).join(', ')})`);
      const r = await chain.submit(args);
      expect(r.status, `batch ${batchId}`).toBe('success');
      cursor = count;
      seen.batches++;
      for (const e of events) {
        if (e.kind === 'fill') seen.fills++;
        else if (e.kind === 'marginCall') seen.marginCalls++;
        else if (e.kind === 'deRiskOrder') seen.planSteps++;
        else if (e.kind === 'liquidated') seen.liquidations++;
        else if (e.kind === 'liquidationRejected') seen.liquidationsRefused++;
        else if (e.kind === 'deleveraged') seen.deleveraged++;
        else if (e.kind === 'fundingUpdated') seen.fundingUpdates++;
        else if (e.kind === 'absorbed') {
          seen.absorbed++;
          seen.deficit += e.deficit;
        }
      }
      const planOrders = new Set(events.flatMap((e) => (e.kind === 'deRiskOrder' ? [e.hash] : [])));
      seen.planFills += events.filter((e) => e.kind === 'fill' && planOrders.has(e.takerHash)).length;
      return events;
    };

    /**
     * The market maker's bid (or ask) `spreadBps` from the index, on the tick grid, its mid
     * `skewBps` above the index (longs then pay funding).
     */
    const quotePrice = (marketId: number, isBid: boolean, spreadBps: bigint, skewBps = 0n): bigint => {
      const index = feedAnswerToX18(answers[FEED_OF[marketId]!]!, 8);
      return onTick(marketId, (index * (10_000n + skewBps + (isBid ? -spreadBps : spreadBps))) / 10_000n, !isBid);
    };
    /** The market maker's two-sided quotes around each index, after cancelling the last ones. */
    const quotes = async (spreadBps: bigint): Promise<BatchInput[]> => {
      const cancelAll = { subaccount: mm.subaccount, marketId: 0, timestamp: t };
      const out: BatchInput[] = [{ type: 'cancelAll', cancelAll, signature: '0x', hash: cancelAllDigest(domainSep, cancelAll) }];
      for (const marketId of [1, 2, 3, 4]) {
        const index = feedAnswerToX18(answers[FEED_OF[marketId]!]!, 8);
        const size = lots(marketId, (2_000_000n * E18 * E18) / index); // 2,000,000 USDC a side
        const skew = spreadBps > OPENING_SPREAD_BPS ? 5n : 0n;
        out.push(await sign(mm.key, order(mm.subaccount, marketId, true, quotePrice(marketId, true, spreadBps, skew), size, TimeInForce.GTC)));
        out.push(await sign(mm.key, order(mm.subaccount, marketId, false, quotePrice(marketId, false, spreadBps, skew), size, TimeInForce.GTC)));
      }
      return out;
    };

    // ---- the book before the crash: every trader opens its position against the maker at the index
    await settle(await publish(), await quotes(OPENING_SPREAD_BPS));
    const opening: BatchInput[] = [];
    const price = (coin: 0 | 1): bigint => feedAnswerToX18(answers[coin]!, 8);
    for (const tr of traders) {
      const equity = engine.balance(tr.subaccount, 0);
      const leverage = rng.between(30, 85); // ×0.1: 3× to 8.5×
      const coin = rng.int(2) as 0 | 1;
      const name = coin === 0 ? 'ETH' : 'BTC';
      const notional = (equity * BigInt(leverage)) / 10n;
      const amount = (m: number, n: bigint, coinOf: 0 | 1): bigint => lots(m, (n * E18) / price(coinOf));
      const take = async (m: number, isBuy: boolean, n: bigint, coinOf: 0 | 1): Promise<void> => {
        opening.push(await sign(tr.key, order(tr.subaccount, m, isBuy, quotePrice(m, !isBuy, OPENING_SPREAD_BPS), amount(m, n, coinOf), TimeInForce.IOC)));
      };
      if (tr.kind === 'long') await take(PERP[name], true, notional, coin);
      else if (tr.kind === 'short') await take(PERP[name], false, notional, coin);
      else if (tr.kind === 'spot-loan') await take(SPOT[name], true, notional / 2n, coin);
      else if (tr.kind === 'basis') {
        await take(SPOT[name], true, (equity * 9n) / 10n, coin);
        await take(PERP[name], false, (equity * 9n) / 10n, coin);
      } else {
        await take(PERP.ETH, true, notional / 2n, 0);
        await take(PERP.BTC, false, notional / 3n, 1);
      }
      if (rng.chance(0.5)) {
        const plan: RiskPlan = {
          subaccount: tr.subaccount,
          marketOrder: rng.chance(0.5) ? [PERP[name], SPOT[name]] : [SPOT[name]],
          maxSlippageBps: rng.between(50, 300),
          graceSeconds: rng.between(0, 600),
          nonce: 1n,
        };
        const hash = riskPlanDigest(domainSep, plan);
        opening.push({ type: 'riskPlan', plan, signature: await privateKeyToAccount(tr.key).sign({ hash }), hash });
      }
    }
    // the poor liquidator holds a small long: its refused steps touch (and settle the funding of) it
    opening.push(await sign(poor.key, order(poor.subaccount, PERP.ETH, true, quotePrice(PERP.ETH, false, OPENING_SPREAD_BPS), x(0.05), TimeInForce.IOC)));
    t += 10n;
    const opened = await settle([], opening);
    expect(opened.filter((e) => e.kind === 'cancelled' && e.reason !== 'IOC_REMAINDER')).toEqual([]);
    const exposed = traders.filter((tr) => engine.positions(tr.subaccount).length > 0 || engine.balance(tr.subaccount, 0) < 0n);
    expect(exposed.length).toBeGreaterThan(ACCOUNTS * 0.8);

    // ---- the crash: −1% of the starting price per step, a little noise, for an hour
    const start = [...answers];
    for (let step = 1; step <= STEPS; step++) {
      t += STEP_SECONDS;
      for (const i of [0, 1]) {
        const noise = BigInt(rng.between(-3, 3));
        answers[i] = (start[i]! * (1000n - (BigInt(FALL_PERMILLE) * BigInt(step)) / BigInt(STEPS) + noise)) / 1000n;
      }
      if (step === STEPS) for (const i of [0, 1]) answers[i] = (start[i]! * BigInt(1000 - FALL_PERMILLE)) / 1000n;
      // the backstop: the poor liquidator asks first (and is mostly refused for its own margin),
      // then the liquidator asks for every exposure of every account in the backstop tier
      const backstop = engine.accountsAtRisk().filter((a) => a.tier === 'backstop' || a.tier === 'bankrupt');
      for (const [marketId, amount] of backstop.length > 0 ? exposures(engine, backstop[0]!.subaccount) : []) {
        await receiptOf(
          publicClient,
          await poorWallet.writeContract({
            address: exchange,
            abi: exchangeAbi,
            functionName: 'liquidate',
            args: [poor.subaccount, backstop[0]!.subaccount, marketId, amount],
          }),
        );
      }
      for (const a of backstop) {
        for (const [marketId, amount] of exposures(engine, a.subaccount)) {
          await receiptOf(
            publicClient,
            await liquidatorWallet.writeContract({
              address: exchange,
              abi: exchangeAbi,
              functionName: 'liquidate',
              args: [liquidator.subaccount, a.subaccount, marketId, amount],
            }),
          );
        }
      }
      const inputs = await quotes(10n);
      for (const a of engine.accountsAtRisk()) if (a.graceEnds !== undefined && a.graceEnds <= t) inputs.push({ type: 'deRisk', subaccount: a.subaccount });
      for (const d of engine.dueSteps()) {
        if (d.kind === 'absorb') inputs.push({ type: 'absorb', subaccount: d.subaccount });
        else if (d.kind === 'deleverage') inputs.push({ type: 'deleverage', subaccount: d.subaccount, marketId: d.marketId });
      }
      // funding every 20 minutes, at the rate each engine computes from its own book
      await settle(await publish(), inputs, step % 10 === 0 ? [PERP.ETH, PERP.BTC] : []);
      const touched = backstop.map((a) => a.subaccount);
      await compare(
        publicClient,
        [...traders.filter((_, i) => i % STEPS === step % STEPS).map((tr) => tr.subaccount), ...touched, poor.subaccount, liquidator.subaccount],
        `step ${step}`,
      );
    }
    // ---- after the crash: the backstop and the fund finish what is left, with prices held
    for (let round = 0; round < 6; round++) {
      t += STEP_SECONDS;
      for (const a of engine.accountsAtRisk()) {
        if (a.tier !== 'backstop' && a.tier !== 'bankrupt') continue;
        for (const [marketId, amount] of exposures(engine, a.subaccount)) {
          await receiptOf(
            publicClient,
            await liquidatorWallet.writeContract({
              address: exchange,
              abi: exchangeAbi,
              functionName: 'liquidate',
              args: [liquidator.subaccount, a.subaccount, marketId, amount],
            }),
          );
        }
      }
      const inputs = await quotes(10n);
      for (const d of engine.dueSteps()) {
        if (d.kind === 'absorb') inputs.push({ type: 'absorb', subaccount: d.subaccount });
        else if (d.kind === 'deleverage') inputs.push({ type: 'deleverage', subaccount: d.subaccount, marketId: d.marketId });
      }
      await settle(await publish(), inputs);
    }

    console.log(`crash: ${JSON.stringify({ ...seen, deficit: seen.deficit.toString() })}`);
    // no account owes more than it holds; the fund, having paid every deficit, still has equity
    for (const tr of traders) expect(engine.riskReport(tr.subaccount)!.equity, `equity of ${tr.kind} ${tr.subaccount.slice(0, 10)}`).toBeGreaterThanOrEqual(0n);
    expect(engine.riskReport(insurance)!.equity).toBeGreaterThan(0n);
    await compare(publicClient, [...traders.map((tr) => tr.subaccount), mm.subaccount, liquidator.subaccount, poor.subaccount, insurance], 'the end');
    // the crash exercised every mechanism it claims to
    expect(seen.marginCalls).toBeGreaterThan(20);
    expect(seen.planFills).toBeGreaterThan(0);
    expect(seen.liquidations).toBeGreaterThan(0);
    expect(seen.liquidationsRefused).toBeGreaterThan(0);
    expect(seen.absorbed).toBeGreaterThan(0);
    expect(seen.fundingUpdates).toBeGreaterThan(0);
  }, 3_600_000);
});

/** The engine and the chain hold the same balances, positions, maintenance figures and flags. */
async function compare(publicClient: ReturnType<typeof createPublicClient>, subs: Hex[], at: string): Promise<void> {
  const read: ChainRead = (functionName, args) => publicClient.readContract({ address: exchange, abi: exchangeAbi, functionName, args } as never) as never;
  await Promise.all(subs.flatMap((s) => accountChecks(read, engine, s, at)));
}
