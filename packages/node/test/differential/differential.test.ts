/**
 * Core and contracts, differentially (spec/testing.md): a seeded random log of deposits, withdrawals,
 * spot and perp trades (borrowing by spending past a balance, within margin), funding updates
 * (some past the clamp, which the engine clamps and the chain bounds), price moves (crashes among
 * them), time passing, risk plans, liquidation requests (some followed, in the same batch, by the
 * liquidator's withdrawal: judged on what the liquidation left) is applied to the engine and,
 * batch by batch, to the Exchange on a real
 * local chain, with the protocol's de-risking steps (plan steps, absorptions, deleveraging) as a
 * sequencer schedules them and each batch built by the node's own code. After every batch every
 * balance (as X18 and as stored, scaled), position, pool index and total, cumulative funding,
 * the insurance fund, each account's initial health, maintenance equity and requirement and
 * margin-call flag must be equal to the wei, and the chain must accept every batch the engine
 * built.
 *
 * CI runs a short log; `npm run test:differential -w @kestrel/node` runs 10,000 operations
 * (KESTREL_DIFFERENTIAL_OPS and KESTREL_DIFFERENTIAL_SEED choose others).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { decodeExchangeError, exchangeAbi, mockFeedAbi, testTokenAbi, receiptOf } from '@kestrel/contracts';
import { startAnvil, type AnvilInstance } from '@kestrel/devnet';
import {
  applyBatch,
  cancelAllDigest,
  encodeFlags,
  feedAnswerToX18,
  makeSubaccount,
  orderHash,
  riskPlanDigest,
  settlementOf,
  TimeInForce,
  type BatchInput,
  type Engine,
  type Order,
  type PriceUpdate,
  type RiskPlan,
} from '@kestrel/core';
import type { ExchangeChain } from '../../src/chain/exchange.js';
import { DEVNET_ASSETS, DEVNET_FEEDS, DEVNET_MARKETS } from '../../src/devnet/listing.js';
import { accountChecks, deployDevnetListing, exposures, keyOf, type ChainRead } from '../chain-setup.js';
import { operationLog, TRADERS, type Op } from './log.js';

const OPS = Number(process.env.KESTREL_DIFFERENTIAL_OPS ?? 1200);
// seed 5 exercises everything in CI's short log, liquidations and plan orders included
const SEED = Number(process.env.KESTREL_DIFFERENTIAL_SEED ?? 5);

/** The devnet's listing, with a base rate on every curve so indexes move even while nothing is borrowed. */
const ASSETS = DEVNET_ASSETS.map((a) => ({ ...a, lending: { ...a.lending, baseRate: 20_000000000000000n } }));
/** perp market → the feed it reads (spot and perp of a coin share one) */
const FEED_OF: Record<number, number> = { 1: 0, 2: 1, 3: 0, 4: 1 };
const PERPS = [3, 4];

interface Signed {
  order: Order;
  signature: Hex;
}

let anvil: AnvilInstance;
let engine: Engine;
let chain: ExchangeChain;
let exchange: Hex;
let domainSep: Hex;
const traders: Array<{ key: Hex; address: Hex; subaccount: Hex }> = [];
let others: Hex[] = [];

beforeAll(async () => {
  anvil = await startAnvil({ port: 0 });
  const transport = http(anvil.url);
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 20 });
  const setup = await deployDevnetListing(anvil, ASSETS);
  const { deployed, listing } = setup;
  ({ exchange, chain, engine, domainSep } = setup);
  others = [listing.feeSubaccount, listing.insuranceSubaccount];
  for (let i = 0; i < TRADERS; i++) {
    const key = keyOf(2 + i);
    const account = privateKeyToAccount(key);
    const wallet = createWalletClient({ chain: foundry, transport, account });
    for (const a of deployed.assets) {
      for (const [fn, args] of [
        ['mint', [account.address, 10n ** 40n]],
        ['approve', [exchange, 10n ** 40n]],
      ] as const) {
        await receiptOf(publicClient, await wallet.writeContract({ address: a.token, abi: testTokenAbi, functionName: fn, args } as never));
      }
    }
    traders.push({ key, address: account.address, subaccount: makeSubaccount(account.address, 'main') });
  }
  feeds = [deployed.mockFeeds['ETH / USD']!, deployed.mockFeeds['BTC / USD']!];
}, 120_000);

afterAll(async () => {
  await anvil?.stop();
});

let feeds: Hex[] = [];

/** What the run exercised, so a log that tests nothing fails. */
const seen = {
  batches: 0,
  fills: 0,
  perpFills: 0,
  refusedForMargin: 0,
  refusedStale: 0,
  loans: 0,
  clamped: 0,
  engineRates: 0,
  withdrawn: 0,
  withdrawalsRejected: 0,
  accruals: 0,
  marginCalls: 0,
  plans: 0,
  planOrders: 0,
  liquidationRequests: 0,
  liquidations: 0,
  absorbed: 0,
  withdrawalsAfterLiquidation: 0,
};

describe('core and contracts, batch by batch', () => {
  it(`agree to the wei over ${OPS} seeded operations (seed ${SEED})`, async () => {
    const transport = http(anvil.url);
    const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 20 });
    const wallets = traders.map((t) => createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(t.key) }));
    const feeder = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(keyOf(0)) });
    const operator = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(keyOf(1)) });
    const send = async (wallet: typeof operator, address: Hex, abi: unknown, functionName: string, args: unknown[]): Promise<void> => {
      const hash = await wallet.writeContract({ address, abi, functionName, args } as never);
      const r = await receiptOf(publicClient, hash);
      if (r.status !== 'success') throw new Error(`${functionName} reverted`);
    };

    const answers = DEVNET_FEEDS.map((f) => f.answer);
    const nonces = traders.map(() => 1n);
    const signed = new Map<Hex, Signed>();
    let lastT = (await publicClient.getBlock()).timestamp;
    let cursor = 0n;
    let batchId = 0n;
    let jump = 0n;
    // the batch's sequenced inputs: orders (an IOC is signed once its batch's time is known), cancels
    let inputs: Array<BatchInput | { type: 'unsignedOrder'; order: Order; who: number }> = [];
    let plans: Array<Extract<BatchInput, { type: 'riskPlan' }>> = [];
    let planNonce = 0n;
    let funding: Array<{ marketId: number; rate: bigint | undefined }> = [];
    const published = new Map<number, { roundId: bigint; answer: bigint; at: bigint }>();

    const sign = async (who: number, order: Order): Promise<BatchInput & { type: 'order' }> => {
      const hash = orderHash(domainSep, order);
      const signature = await privateKeyToAccount(traders[who]!.key).sign({ hash });
      signed.set(hash, { order, signature });
      return { type: 'order', order, signature, hash };
    };
    const orderOf = async (who: number, marketId: number, isBuy: boolean, price: bigint, amount: bigint, tif: TimeInForce): Promise<void> => {
      const order: Order = {
        subaccount: traders[who]!.subaccount,
        marketId,
        isBuy,
        price,
        amount,
        nonce: nonces[who]!++,
        expiry: 0n,
        flags: encodeFlags({ timeInForce: tif }),
        clientId: 0n,
      };
      // an IOC expires a minute after its batch (the chain's rule): signed once the batch's time is known
      inputs.push(tif === TimeInForce.IOC ? { type: 'unsignedOrder', order, who } : await sign(who, order));
    };

    for (const op of operationLog(SEED, OPS)) {
      switch (op.kind) {
        case 'deposit':
          await send(wallets[op.who]!, exchange, exchangeAbi, 'deposit', [traders[op.who]!.subaccount, op.asset, op.units]);
          break;
        case 'withdraw':
          await send(wallets[op.who]!, exchange, exchangeAbi, 'requestWithdrawal', [traders[op.who]!.subaccount, op.asset, op.units]);
          break;
        case 'trade':
          await trade(op, orderOf);
          break;
        case 'cancelAll': {
          const cancelAll = { subaccount: traders[op.who]!.subaccount, marketId: 0, timestamp: lastT };
          const hash = cancelAllDigest(domainSep, cancelAll);
          inputs.push({ type: 'cancelAll', cancelAll, signature: await privateKeyToAccount(traders[op.who]!.key).sign({ hash }), hash });
          break;
        }
        case 'funding':
          if (!funding.some((f) => f.marketId === op.market)) funding.push({ marketId: op.market, rate: op.rate });
          break;
        case 'price': {
          const answer = (answers[op.feed]! * BigInt(1000 + op.movePermille)) / 1000n;
          answers[op.feed] = answer;
          const at = lastT + 1n - BigInt(op.ageSeconds);
          await send(feeder, feeds[op.feed]!, mockFeedAbi, 'publish', [answer, at]);
          const roundId = (await publicClient.readContract({ address: feeds[op.feed]!, abi: mockFeedAbi, functionName: 'latestRound' })) as bigint;
          published.set(op.feed, { roundId, answer, at });
          break;
        }
        case 'time':
          jump += BigInt(op.seconds);
          break;
        case 'plan': {
          const plan: RiskPlan = {
            subaccount: traders[op.who]!.subaccount,
            marketOrder: op.marketOrder,
            maxSlippageBps: op.maxSlippageBps,
            graceSeconds: op.graceSeconds,
            nonce: ++planNonce,
          };
          const hash = riskPlanDigest(domainSep, plan);
          plans.push({ type: 'riskPlan', plan, signature: await privateKeyToAccount(traders[op.who]!.key).sign({ hash }), hash });
          break;
        }
        case 'liquidate':
          for (const [marketId, amount] of exposures(engine, traders[op.target]!.subaccount)) {
            await send(wallets[op.who]!, exchange, exchangeAbi, 'liquidate', [traders[op.who]!.subaccount, traders[op.target]!.subaccount, marketId, amount]);
            seen.liquidationRequests++;
          }
          // right behind it, the liquidator takes collateral out: judged on the state the
          // liquidation (if it went through) leaves, in the same batch
          if (op.thenWithdraw !== undefined) {
            await send(wallets[op.who]!, exchange, exchangeAbi, 'requestWithdrawal', [
              traders[op.who]!.subaccount,
              op.thenWithdraw.asset,
              op.thenWithdraw.units,
            ]);
            seen.withdrawalsAfterLiquidation++;
          }
          break;
        case 'endBatch': {
          const latest = (await publicClient.getBlock()).timestamp;
          let t = lastT + 1n + jump;
          if (t <= latest) t = latest + 1n;
          const sequenced: BatchInput[] = [];
          for (const input of inputs) {
            if (input.type !== 'unsignedOrder') sequenced.push(input);
            else sequenced.push(await sign(input.who, { ...input.order, expiry: t + 60n }));
          }
          const count = await chain.requestCount();
          const requests = await chain.requests(cursor, count);
          // prices as the sequencer names them: a feed's newest round, if newer than the engine's
          const prices: PriceUpdate[] = [];
          for (const [feed, r] of published) {
            for (const marketId of [1, 2, 3, 4].filter((m) => FEED_OF[m] === feed)) {
              const held = engine.oracleTime(marketId);
              if (held === undefined || r.at > held) prices.push({ marketId, roundId: r.roundId, price: feedAnswerToX18(r.answer, 8), publishedAt: r.at });
            }
          }
          prices.sort((a, b) => a.marketId - b.marketId);
          // the protocol's steps, as a sequencer plans them from the state before the batch
          const steps: BatchInput[] = [];
          for (const a of engine.accountsAtRisk()) if (a.graceEnds !== undefined && a.graceEnds <= t) steps.push({ type: 'deRisk', subaccount: a.subaccount });
          for (const d of engine.dueSteps()) {
            if (d.kind === 'absorb') steps.push({ type: 'absorb', subaccount: d.subaccount });
            else if (d.kind === 'deleverage') steps.push({ type: 'deleverage', subaccount: d.subaccount, marketId: d.marketId });
          }
          // funding for perps with a price; a rate given by the log replaces the engine's (the contract's clamp at work)
          const funded = funding.filter((f) => engine.oraclePrice(f.marketId) !== undefined || prices.some((u) => u.marketId === f.marketId));
          const given = new Map(funded.map((f) => [f.marketId, f.rate]));
          const batchBody = { timestamp: t, prices, funding: funded.map((f) => f.marketId), requests, inputs: [...plans, ...sequenced, ...steps] };
          const events = applyBatch(engine, batchBody, { fundingRate: (m) => given.get(m) });
          const postedFunding: Array<{ marketId: number; rate: bigint }> = [];
          for (const e of events) {
            if (e.kind !== 'fundingUpdated') continue;
            postedFunding.push({ marketId: e.marketId, rate: e.rate });
            const wanted = given.get(e.marketId);
            if (wanted !== undefined && e.rate !== wanted) seen.clamped++;
            if (wanted === undefined) seen.engineRates++;
          }

          for (const e of events) {
            if (e.kind === 'fill') {
              seen.fills++;
              if (e.marketId >= 3) seen.perpFills++;
            } else if (e.kind === 'cancelled' && e.reason === 'INSUFFICIENT_MARGIN') seen.refusedForMargin++;
            else if (e.kind === 'cancelled' && e.reason === 'STALE_PRICE') seen.refusedStale++;
            else if (e.kind === 'withdrawn') seen.withdrawn++;
            else if (e.kind === 'withdrawalRejected') seen.withdrawalsRejected++;
            else if (e.kind === 'interestAccrued') seen.accruals++;
            else if (e.kind === 'marginCall') seen.marginCalls++;
            else if (e.kind === 'riskPlanSet') seen.plans++;
            else if (e.kind === 'deRiskOrder') seen.planOrders++;
            else if (e.kind === 'liquidated') seen.liquidations++;
            else if (e.kind === 'absorbed') seen.absorbed++;
          }
          batchId += 1n;
          // the batch as the node builds it
          const built = settlementOf(
            { batchId, timestamp: t, requestCursor: count, stateHash: engine.stateHash(), prices, inputs: batchBody.inputs },
            events,
            (h) => ((o) => o && { hash: h, ...o })(signed.get(h)),
            (id) => id === 3 || id === 4,
          );
          const batch = {
            batchId,
            timestamp: t,
            requestCursor: count,
            stateHash: built.stateHash,
            prices: built.prices,
            funding: postedFunding,
            plans: built.plans,
            orders: built.orders,
            fills: built.fills,
            absorbs: built.absorbs,
            deleverages: built.deleverages,
            marginCalls: built.marginCalls,
          };
          await publicClient.request({ method: 'evm_setNextBlockTimestamp' as never, params: [`0x${t.toString(16)}`] as never });
          try {
            const hash = await operator.writeContract({ address: exchange, abi: exchangeAbi, functionName: 'settleBatch', args: [batch] });
            const r = await receiptOf(publicClient, hash);
            expect(r.status, `batch ${batchId}`).toBe('success');
          } catch (err) {
            const decoded = decodeExchangeError(err);
            // name the order the chain points at, so the disagreement can be read off the message
            const culprit = decoded?.name === 'InvalidOrder' ? built.orders[Number(decoded.args[0])] : undefined;
            const show = culprit ? ` order ${JSON.stringify(culprit, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}` : '';
            throw new Error(
              `batch ${batchId} refused by the chain: ${decoded ? `${decoded.name}(${decoded.args.map(String).join(', ')}) ${decoded.reason ?? ''}` : (err as Error).message}${show}`,
            );
          }
          await compare(publicClient, batchId);
          seen.batches++;
          lastT = t;
          cursor = count;
          jump = 0n;
          inputs = [];
          plans = [];
          funding = [];
          published.clear();
          break;
        }
      }
    }
    // the log must have exercised what it claims to
    console.log(`differential: ${JSON.stringify(seen)}`);
    expect(seen.fills).toBeGreaterThan(OPS / 10);
    expect(seen.perpFills).toBeGreaterThan(0);
    expect(seen.loans).toBeGreaterThan(0);
    expect(seen.refusedForMargin).toBeGreaterThan(0);
    expect(seen.clamped).toBeGreaterThan(0);
    expect(seen.accruals).toBeGreaterThan(0);
    expect(seen.withdrawn).toBeGreaterThan(0);
    expect(seen.withdrawalsRejected).toBeGreaterThan(0);
    expect(seen.plans).toBeGreaterThan(0);
    expect(seen.liquidationRequests).toBeGreaterThan(0);
    expect(seen.withdrawalsAfterLiquidation).toBeGreaterThan(0);
    expect(seen.marginCalls).toBeGreaterThan(0);
    expect(seen.planOrders).toBeGreaterThan(0);
  }, 3_600_000);
});

/** Places the op's maker (GTC) and taker (IOC) around the market's index price. */
async function trade(
  op: Extract<Op, { kind: 'trade' }>,
  orderOf: (who: number, marketId: number, isBuy: boolean, price: bigint, amount: bigint, tif: TimeInForce) => Promise<void>,
): Promise<void> {
  const m = DEVNET_MARKETS.find((x) => x.marketId === op.market)!;
  const index = engine.oraclePrice(op.market) ?? feedAnswerToX18(DEVNET_FEEDS[FEED_OF[op.market]!]!.answer, 8);
  const raw = (index * BigInt(10_000 + op.offsetBps)) / 10_000n;
  const price = (raw / m.tickSize) * m.tickSize;
  await orderOf(op.maker, op.market, !op.takerBuys, price, BigInt(op.makerLots) * m.lotSize, TimeInForce.GTC);
  await orderOf(op.taker, op.market, op.takerBuys, price, BigInt(op.takerLots) * m.lotSize, TimeInForce.IOC);
}

/** Every number the engine holds equals the chain's. */
async function compare(publicClient: ReturnType<typeof createPublicClient>, batchId: bigint): Promise<void> {
  const read: ChainRead = (functionName, args) => publicClient.readContract({ address: exchange, abi: exchangeAbi, functionName, args } as never) as never;
  const at = `after batch ${batchId}`;
  const subs = [...traders.map((t) => t.subaccount), ...others];
  const reads: Array<Promise<void>> = [];
  for (const s of subs) {
    for (const a of [0, 1, 2]) {
      reads.push(read<bigint>('balanceOf', [s, a]).then((v) => expect(v, `${at}: balance ${s.slice(0, 10)}/${a}`).toBe(engine.balance(s, a))));
      if (engine.balance(s, a) < 0n) seen.loans++;
    }
    reads.push(
      read<readonly [boolean, bigint]>('initialHealth', [s]).then(([priced, h]) => {
        expect(priced ? h : null, `${at}: health ${s.slice(0, 10)}`).toBe(engine.initialHealth(s));
      }),
    );
    reads.push(...accountChecks(read, engine, s, at));
  }
  for (const a of [0, 1, 2]) {
    reads.push(
      read<{ supplyScaled: bigint; borrowScaled: bigint; supplyIndex: bigint; borrowIndex: bigint; lastAccrual: bigint }>('pool', [a]).then((p) => {
        const mine = engine.lending(a)!.pool;
        expect([p.supplyScaled, p.borrowScaled, p.supplyIndex, p.borrowIndex, BigInt(p.lastAccrual)], `${at}: pool ${a}`).toEqual([
          mine.supplyScaled,
          mine.borrowScaled,
          mine.supplyIndex,
          mine.borrowIndex,
          mine.lastAccrual,
        ]);
      }),
    );
  }
  for (const m of PERPS) reads.push(read<bigint>('cumFunding', [m]).then((v) => expect(v, `${at}: cumFunding ${m}`).toBe(engine.cumFunding(m))));
  await Promise.all(reads);
}
