/**
 * A malicious sequencer against the Exchange on a real local chain (spec/contracts.md: everything the
 * sequencer chooses is bounded on chain). Each attack starts from a batch built the way the node
 * builds it — the engine applies the inputs and `settlementArgs` turns the events into the call
 * — or from one written by hand where the engine would never produce it, then bends it: forged
 * or altered orders, fills past a limit or an amount, replays, repeated funding, violated flags,
 * clocks and price rounds of the operator's choosing, plan orders beyond their bounds,
 * deleveraging the wrong accounts. The chain refuses every one (the batch is simulated as the
 * node would send it and nothing moves), or the user escapes: a censored withdrawal ends with
 * its owner freezing the Exchange and leaving with the money.
 *
 * The names are those of the security page (guide/security.md), which a test holds equal.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, erc20Abi, getAddress, http, type Hex, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { exchangeAbi, mockFeedAbi, testTokenAbi, receiptOf } from '@kestrel/contracts';
import { startAnvil, type AnvilInstance } from '@kestrel/devnet';
import {
  domainSeparator,
  encodeFlags,
  Engine,
  feedAnswerToX18,
  makeSubaccount,
  orderHash,
  parseX18,
  riskPlanDigest,
  TimeInForce,
  type EngineConfig,
  type Order,
  type RiskPlan,
  applyBatch,
  settlementOf,
  type PriceUpdate,
  type SettlementArgs,
  type BatchInput,
} from '@kestrel/core';
import { createKestrelClient } from '@kestrel/sdk';
import { engineConfigOf, type ExchangeChain, ExchangeChain as Chain } from '../../src/chain/exchange.js';
import { DEVNET_ASSETS } from '../../src/devnet/listing.js';
import { deployDevnetListing, keyOf } from '../chain-setup.js';
import { ATTACKS, type AttackId } from './attacks.js';

let anvil: AnvilInstance;
let rpc: PublicClient;
let chain: ExchangeChain;
let engine: Engine;
let config: EngineConfig;
let exchange: Hex;
let domainSep: Hex;
let feeds: Hex[];
let insurance: Hex;
let maxBatchAge: bigint;

let batchId = 0n;
let cursor = 0n;
let lastT = 0n;
let nonce = 1n;
const answers = [2000_00000000n, 60000_00000000n];
const signed = new Map<Hex, { order: Order; signature: Hex }>();

const K = { alice: keyOf(5), bob: keyOf(6), carol: keyOf(7), dave: keyOf(8), erin: keyOf(9) };
const main = (key: Hex, name = 'main'): Hex => makeSubaccount(privateKeyToAccount(key).address, name);
const ETH_SPOT = 1;
const ETH_PERP = 3;
const PERPS = new Set([3, 4]);

beforeAll(async () => {
  anvil = await startAnvil({ port: 0 });
  rpc = createPublicClient({ chain: foundry, transport: http(anvil.url), pollingInterval: 20 });
  const setup = await deployDevnetListing(anvil, DEVNET_ASSETS);
  ({ chain, engine, exchange, domainSep } = setup);
  config = engineConfigOf(setup.listing);
  insurance = setup.listing.insuranceSubaccount;
  maxBatchAge = setup.listing.maxBatchAge;
  feeds = [setup.deployed.mockFeeds['ETH / USD']!, setup.deployed.mockFeeds['BTC / USD']!];
  const admin = createWalletClient({ chain: foundry, transport: http(anvil.url), account: privateKeyToAccount(keyOf(0)) });
  for (const a of setup.deployed.assets) {
    for (const [fn, args] of [
      ['mint', [admin.account.address, 10n ** 40n]],
      ['approve', [exchange, 10n ** 40n]],
    ] as const) {
      await receiptOf(rpc, await admin.writeContract({ address: a.token, abi: testTokenAbi, functionName: fn, args } as never));
    }
  }
  const deposit = async (subaccount: Hex, assetId: number, units: bigint): Promise<void> => {
    await receiptOf(rpc, await admin.writeContract({ address: exchange, abi: exchangeAbi, functionName: 'deposit', args: [subaccount, assetId, units] }));
  };
  for (const k of [K.alice, K.bob, K.dave]) {
    await deposit(main(k), 0, 100_000n * 10n ** 6n);
    await deposit(main(k), 1, 50n * 10n ** 18n);
  }
  await deposit(main(K.alice, 'alt'), 0, 10_000n * 10n ** 6n);
  await deposit(main(K.carol), 0, 800n * 10n ** 6n);
  await deposit(main(K.erin), 0, 500n * 10n ** 6n);
  await land([], await fresh());
  // carol long 1.5 ETH-PERP (thin: 800 USDC); alice long 1; erin long 2 (500 USDC); dave short 1
  await land([
    await order(K.bob, ETH_PERP, false, '2000', '1.5'),
    await order(K.carol, ETH_PERP, true, '2000', '1.5'),
    await order(K.bob, ETH_PERP, false, '2000', '1'),
    await order(K.alice, ETH_PERP, true, '2000', '1'),
    await order(K.bob, ETH_PERP, false, '2000', '1'),
    await order(K.erin, ETH_PERP, true, '2000', '1'),
    await order(K.dave, ETH_PERP, false, '2000', '1'),
    await order(K.erin, ETH_PERP, true, '2000', '1'),
  ]);
  expect(engine.position(main(K.erin), ETH_PERP).size).toBe(parseX18('2'));
}, 300_000);

afterAll(async () => {
  await anvil?.stop();
});

// ------------------------------------------------------------------ the node's way, and bent

/** The next batch time (a second after the chain's latest block, never before the last batch). */
async function nextT(): Promise<bigint> {
  const latest = (await rpc.getBlock()).timestamp + 1n;
  return latest > lastT ? latest : lastT;
}

async function pin(t: bigint): Promise<void> {
  await rpc.request({ method: 'evm_setNextBlockTimestamp' as never, params: [`0x${t.toString(16)}`] as never });
}

/**
 * Time passes: a block `seconds` after the latest (a pinned timestamp a refused batch left
 * behind would otherwise swallow an `evm_increaseTime`).
 */
async function advance(seconds: bigint): Promise<void> {
  await pin((await nextT()) + seconds);
  await rpc.request({ method: 'evm_mine' as never, params: [] as never });
}

/** Fresh rounds on both feeds (published at the next batch's time): the batch's prices. */
async function fresh(eth = answers[0]!, btc = answers[1]!): Promise<{ prices: PriceUpdate[] }> {
  answers[0] = eth;
  answers[1] = btc;
  const t = await nextT();
  const out: PriceUpdate[] = [];
  const feeder = createWalletClient({ chain: foundry, transport: http(anvil.url), account: privateKeyToAccount(keyOf(0)) });
  for (const [i, feed] of feeds.entries()) {
    await receiptOf(rpc, await feeder.writeContract({ address: feed, abi: mockFeedAbi, functionName: 'publish', args: [answers[i]!, t] }));
    const roundId = (await rpc.readContract({ address: feed, abi: mockFeedAbi, functionName: 'latestRound' })) as bigint;
    for (const m of i === 0 ? [1, 3] : [2, 4]) out.push({ marketId: m, roundId, price: feedAnswerToX18(answers[i]!, 8), publishedAt: t });
  }
  return { prices: out.sort((a, b) => a.marketId - b.marketId) };
}

/** A signed order input (`domain` another deployment's or chain's, for replays). */
async function order(
  key: Hex,
  marketId: number,
  isBuy: boolean,
  price: string,
  amount: string,
  fields: Partial<Order> & { name?: string; domain?: Hex } = {},
): Promise<BatchInput & { type: 'order' }> {
  const { name, domain, ...rest } = fields;
  const o: Order = {
    subaccount: main(key, name),
    marketId,
    isBuy,
    price: parseX18(price),
    amount: parseX18(amount),
    nonce: nonce++,
    expiry: 0n,
    flags: 0,
    clientId: 0n,
    ...rest,
  };
  const hash = orderHash(domainSep, o);
  const signature = await privateKeyToAccount(key).sign({ hash: domain === undefined ? hash : orderHash(domain, o) });
  signed.set(hash, { order: o, signature });
  return { type: 'order', order: o, signature, hash };
}

interface Built {
  t: bigint;
  args: SettlementArgs;
}

type BatchOpts = { prices?: PriceUpdate[]; funding?: number[]; requestCursor?: bigint };

/** A batch built by the node's code — on `on`, the engine itself or a copy of it. */
async function buildOn(on: Engine, inputs: BatchInput[], opts: BatchOpts = {}): Promise<Built> {
  const t = await nextT();
  const count = opts.requestCursor ?? (await chain.requestCount());
  const requests = await chain.requests(cursor, count);
  const prices = opts.prices ?? [];
  const events = applyBatch(on, { timestamp: t, prices, funding: opts.funding ?? [], requests, inputs });
  const lookup = (h: Hex) => ((o) => o && { hash: h, ...o })(signed.get(h));
  const args = settlementOf({ batchId: batchId + 1n, timestamp: t, requestCursor: count, stateHash: on.stateHash(), prices, inputs }, events, lookup, (id) =>
    PERPS.has(id),
  );
  return { t, args };
}

/** Built on a copy of the engine: nothing changes. The base an attack bends. */
function build(inputs: BatchInput[], opts: BatchOpts = {}): Promise<Built> {
  return buildOn(Engine.restore(config, engine.snapshot()), inputs, opts);
}

/** A batch written by hand (orders and fills the engine would never produce). */
async function raw(orders: Array<BatchInput & { type: 'order' }>, fills: Array<[number, number, string]>, extra: Partial<SettlementArgs> = {}): Promise<Built> {
  const t = await nextT();
  const args: SettlementArgs = {
    batchId: batchId + 1n,
    timestamp: t,
    requestCursor: cursor,
    stateHash: `0x${'00'.repeat(32)}`,
    prices: [],
    funding: [],
    plans: [],
    orders: orders.map((o) => ({ order: o.order, signature: o.signature })),
    fills: fills.map(([maker, taker, amount]) => ({ maker, taker, amount: parseX18(amount) })),
    absorbs: [],
    deleverages: [],
    marginCalls: [],
    hashes: orders.map((o) => o.hash),
    ...extra,
  };
  return { t, args };
}

/** Built on the engine itself and settled: the honest path, to set a scene. */
async function land(inputs: BatchInput[], opts: BatchOpts = {}): Promise<SettlementArgs> {
  const { t, args } = await buildOn(engine, inputs, opts);
  await pin(t);
  const sim = await chain.simulate(args);
  if (!sim.ok) throw new Error(`a legitimate batch refused: ${sim.error}(${sim.args.map(String).join(', ')})`);
  const r = await chain.submit(args);
  expect(r.status).toBe('success');
  batchId += 1n;
  cursor = args.requestCursor;
  lastT = t;
  return args;
}

/** The chain refuses the batch with `expected` (e.g. `InvalidFill(0, 16)`), and nothing moves. */
async function refused(b: Built, expected: string, on: ExchangeChain = chain): Promise<void> {
  await pin(b.args.timestamp > b.t ? b.args.timestamp : b.t);
  const sim = await on.simulate(b.args);
  expect(sim.ok, `refused: ${expected}`).toBe(false);
  if (!sim.ok) expect(`${sim.error}(${sim.args.map(String).join(', ')})`).toBe(expected);
  expect(await chain.lastBatchId()).toBe(batchId);
}

const pair = async (
  makerKey: Hex,
  takerKey: Hex,
  market = ETH_SPOT,
  amount = '1',
  takerFields: Parameters<typeof order>[5] = {},
): Promise<[BatchInput & { type: 'order' }, BatchInput & { type: 'order' }]> => [
  await order(makerKey, market, false, '2000', amount),
  await order(takerKey, market, true, '2000', amount, takerFields),
];

const attacks = new Set<AttackId>();
const attack = (id: AttackId, run: () => Promise<void>): void => {
  attacks.add(id);
  it(ATTACKS[id], run);
};

// ------------------------------------------------------------------ orders and fills

describe('orders and fills', () => {
  attack('forgedOrder', async () => {
    const [ask, bid] = await pair(K.bob, K.alice);
    const forged = { ...bid, signature: await privateKeyToAccount(keyOf(1)).sign({ hash: bid.hash }) }; // the operator signs for alice
    await refused(await raw([ask, forged], [[0, 1, '1']]), 'InvalidOrder(1, 1)');
  });

  attack('alteredOrder', async () => {
    const b = await build(await pair(K.bob, K.alice));
    b.args.orders[0]!.order = { ...b.args.orders[0]!.order, price: parseX18('1990') };
    await refused(b, 'InvalidOrder(0, 1)');
  });

  attack('otherDeployment', async () => {
    const other = domainSeparator({ name: 'Kestrel', version: '1', chainId: 31337n, verifyingContract: '0x000000000000000000000000000000000000dEaD' });
    await refused(
      await raw([await order(K.bob, ETH_SPOT, false, '2000', '1'), await order(K.alice, ETH_SPOT, true, '2000', '1', { domain: other })], [[0, 1, '1']]),
      'InvalidOrder(1, 1)',
    );
  });

  attack('otherChain', async () => {
    const other = domainSeparator({ name: 'Kestrel', version: '1', chainId: 1n, verifyingContract: exchange });
    await refused(
      await raw([await order(K.bob, ETH_SPOT, false, '2000', '1', { domain: other }), await order(K.alice, ETH_SPOT, true, '2000', '1')], [[0, 1, '1']]),
      'InvalidOrder(0, 1)',
    );
  });

  attack('pastTheLimit', async () => {
    const ask = await order(K.bob, ETH_SPOT, false, '2001', '1');
    const bid = await order(K.alice, ETH_SPOT, true, '2000', '1');
    await refused(await raw([ask, bid], [[0, 1, '1']]), 'InvalidFill(0, 3)');
  });

  attack('pastTheAmount', async () => {
    const b = await build(await pair(K.bob, K.alice));
    b.args.fills[0]!.amount = parseX18('1.5');
    await refused(b, 'InvalidFill(0, 4)');
  });

  attack('pastTheAmountAcrossBatches', async () => {
    const ask = await order(K.bob, ETH_SPOT, false, '2000', '1');
    await land([ask, await order(K.alice, ETH_SPOT, true, '2000', '0.6')]);
    const b = await build([await order(K.dave, ETH_SPOT, true, '2000', '0.4')]);
    b.args.fills[0]!.amount = parseX18('0.5'); // 0.6 + 0.5 of an order of 1
    await refused(b, 'InvalidFill(0, 4)');
  });

  attack('replayFilled', async () => {
    const ask = await order(K.bob, ETH_SPOT, false, '2000', '0.5');
    await land([ask, await order(K.alice, ETH_SPOT, true, '2000', '0.5')]);
    await refused(await raw([ask, await order(K.dave, ETH_SPOT, true, '2000', '0.5')], [[0, 1, '0.5']]), 'InvalidFill(0, 4)');
  });

  attack('duplicated', async () => {
    const [ask, bid] = await pair(K.bob, K.alice);
    await refused(
      await raw(
        [ask, bid, ask],
        [
          [0, 1, '0.5'],
          [2, 1, '0.5'],
        ],
      ),
      'InvalidOrder(2, 5)',
    );
  });

  attack('cancelledOnChain', async () => {
    const ask = await order(K.bob, ETH_SPOT, false, '2500', '1');
    await land([ask]); // rests
    const bob = createWalletClient({ chain: foundry, transport: http(anvil.url), account: privateKeyToAccount(K.bob) });
    await receiptOf(rpc, await bob.writeContract({ address: exchange, abi: exchangeAbi, functionName: 'cancelOrders', args: [[ask.order]] }));
    await refused(await raw([ask, await order(K.alice, ETH_SPOT, true, '2500', '1')], [[0, 1, '1']]), 'InvalidFill(0, 4)');
  });

  attack('belowMinNonce', async () => {
    const ask = await order(K.dave, ETH_SPOT, false, '2000', '1');
    const dave = createWalletClient({ chain: foundry, transport: http(anvil.url), account: privateKeyToAccount(K.dave) });
    await receiptOf(
      rpc,
      await dave.writeContract({ address: exchange, abi: exchangeAbi, functionName: 'cancelUpTo', args: [main(K.dave), ask.order.nonce + 1n] }),
    );
    await refused(await raw([ask, await order(K.alice, ETH_SPOT, true, '2000', '1')], [[0, 1, '1']]), 'InvalidOrder(0, 3)');
    await land([]); // the engine learns the cancel
  });

  attack('expired', async () => {
    const t = await nextT();
    const ask = await order(K.bob, ETH_SPOT, false, '2000', '1', { expiry: t });
    await refused(await raw([ask, await order(K.alice, ETH_SPOT, true, '2000', '1')], [[0, 1, '1']]), 'InvalidOrder(0, 4)');
  });

  attack('fabricatedFill', async () => {
    const bids = [await order(K.bob, ETH_SPOT, true, '2000', '1'), await order(K.alice, ETH_SPOT, true, '2000', '1')];
    await refused(await raw(bids, [[0, 1, '1']]), 'InvalidFill(0, 2)');
    const across = [await order(K.bob, ETH_SPOT, false, '2000', '1'), await order(K.alice, ETH_PERP, true, '2000', '1')];
    await refused(await raw(across, [[0, 1, '1']]), 'InvalidFill(0, 2)');
  });

  attack('offLot', async () => {
    const b = await build(await pair(K.bob, K.alice));
    b.args.fills[0]!.amount -= 1n;
    await refused(b, 'InvalidFill(0, 17)');
  });

  attack('selfTrade', async () => {
    const ask = await order(K.alice, ETH_SPOT, false, '2000', '1');
    const bid = await order(K.alice, ETH_SPOT, true, '2000', '1', { name: 'alt' });
    await refused(await raw([ask, bid], [[0, 1, '1']]), 'InvalidFill(0, 6)');
  });

  attack('fundTrades', async () => {
    const ask = await order(K.bob, ETH_SPOT, false, '2000', '0.1');
    const bid = await order(keyOf(0), ETH_SPOT, true, '2000', '0.1', { name: 'insurance' }); // the fund's owner signs for it
    expect(bid.order.subaccount).toBe(insurance);
    await refused(await raw([ask, bid], [[0, 1, '0.1']]), 'InvalidOrder(1, 13)');
  });

  attack('notOperator', async () => {
    const b = await build(await pair(K.bob, K.alice));
    await refused(b, 'NotOperator()', new Chain(anvil.url, exchange, keyOf(9)));
  });
});

// ------------------------------------------------------------------ flags

describe('order flags', () => {
  attack('reduceOnlyFlip', async () => {
    const bid = await order(K.bob, ETH_PERP, true, '2000', '2');
    const sell = await order(K.alice, ETH_PERP, false, '2000', '2', { flags: encodeFlags({ reduceOnly: true }) }); // alice is long 1
    await refused(await raw([bid, sell], [[0, 1, '2']]), 'InvalidFill(0, 16)');
  });

  attack('postOnlyTaker', async () => {
    const ask = await order(K.bob, ETH_SPOT, false, '2000', '1');
    const bid = await order(K.alice, ETH_SPOT, true, '2000', '1', { flags: encodeFlags({ timeInForce: TimeInForce.POST_ONLY }) });
    await refused(await raw([ask, bid], [[0, 1, '1']]), 'InvalidFill(0, 14)');
  });

  attack('iocLater', async () => {
    const t = await nextT();
    const ioc = await order(K.alice, ETH_SPOT, true, '2000', '2', { flags: encodeFlags({ timeInForce: TimeInForce.IOC }), expiry: t + 60n });
    await land([await order(K.bob, ETH_SPOT, false, '2000', '1'), ioc]); // half filled, the rest cancelled
    await refused(await raw([await order(K.dave, ETH_SPOT, false, '2000', '1'), ioc], [[0, 1, '1']]), 'InvalidOrder(1, 3)');
  });

  attack('iocHeldBack', async () => {
    const t = await nextT();
    const ioc = await order(K.alice, ETH_SPOT, true, '2000', '1', { flags: encodeFlags({ timeInForce: TimeInForce.IOC }), expiry: t + 3600n });
    await refused(await raw([await order(K.bob, ETH_SPOT, false, '2000', '1'), ioc], [[0, 1, '1']]), 'InvalidOrder(1, 11)');
  });
});

// ------------------------------------------------------------------ funding, clocks, prices, the queue

describe('funding, clocks, prices and the queue', () => {
  attack('repeatedFunding', async () => {
    await land([], await fresh());
    const b = await build([], { funding: [ETH_PERP] });
    b.args.funding = [...b.args.funding, ...b.args.funding];
    await refused(b, 'InvalidBatch(5)');
  });

  attack('fundingPastClamp', async () => {
    const b = await build([], { funding: [ETH_PERP] });
    b.args.funding = [{ marketId: ETH_PERP, rate: parseX18('0.005') + 1n }];
    await refused(b, 'InvalidBatch(5)');
  });

  attack('backdatedClock', async () => {
    await advance(200n);
    const b = await build([]);
    b.args.timestamp = b.t - maxBatchAge - 2n;
    await refused(b, 'InvalidBatch(2)');
  });

  attack('futureClock', async () => {
    const b = await build([]);
    b.args.timestamp = b.t + 60n;
    await pin(b.t);
    const sim = await chain.simulate(b.args);
    expect(sim.ok).toBe(false);
    if (!sim.ok) expect(`${sim.error}(${sim.args.map(String).join(', ')})`).toBe('InvalidBatch(2)');
  });

  attack('clockBackwards', async () => {
    await land([]);
    const b = await build([]);
    b.args.timestamp = lastT - 1n;
    await refused(b, 'InvalidBatch(2)');
  });

  attack('oldRound', async () => {
    const { prices } = await fresh();
    await land([], { prices });
    const b = await build([]);
    b.args.prices = [{ marketId: ETH_PERP, roundId: prices.find((u) => u.marketId === ETH_PERP)!.roundId - 1n }];
    await refused(b, 'InvalidBatch(4)');
  });

  attack('laggingRound', async () => {
    const { prices } = await fresh();
    for (let i = 0; i < 6; i++) await fresh(); // the feed moves on six rounds
    const b = await build([]);
    const roundId = prices.find((u) => u.marketId === ETH_PERP)!.roundId;
    b.args.prices = [{ marketId: ETH_PERP, roundId }];
    await refused(b, `InvalidRound(${getAddress(feeds[0]!)}, ${roundId}, 3)`);
    await land([], await fresh());
  });

  attack('cursorBeyondQueue', async () => {
    const count = await chain.requestCount();
    const b = await build([]);
    b.args.requestCursor = count + 1n;
    await refused(b, 'InvalidBatch(3)');
    const back = await build([]);
    back.args.requestCursor = cursor - 1n;
    await refused(back, 'InvalidBatch(3)');
  });

  attack('staleRiskFill', async () => {
    // an hour passes with no new round: the ETH price is stale
    await advance(3700n);
    const ask = await order(K.bob, ETH_PERP, false, '2000', '0.5'); // bob is short: this grows it
    const bid = await order(K.dave, ETH_PERP, true, '2000', '0.5');
    await refused(await raw([ask, bid], [[0, 1, '0.5']]), 'InvalidFill(0, 11)');
    await land([], await fresh());
  });
});

// ------------------------------------------------------------------ de-risking

describe('de-risking', () => {
  const planOrder = (key: Hex, marketId: number, isBuy: boolean, price: string, amount: string): BatchInput & { type: 'order' } => {
    const o: Order = {
      subaccount: main(key),
      marketId,
      isBuy,
      price: parseX18(price),
      amount: parseX18(amount),
      nonce: 0n,
      expiry: 0n,
      flags: PERPS.has(marketId) ? 5 : 1,
      clientId: 0n,
    };
    return { type: 'order', order: o, signature: '0x', hash: orderHash(domainSep, o) };
  };

  attack('forgedPlan', async () => {
    const plan: RiskPlan = { subaccount: main(K.alice), marketOrder: [ETH_PERP], maxSlippageBps: 100, graceSeconds: 60, nonce: 1n };
    const b = await build([]);
    b.args.plans = [{ plan, signature: await privateKeyToAccount(K.bob).sign({ hash: riskPlanDigest(domainSep, plan) }) }];
    await refused(b, 'InvalidBatch(6)');
  });

  attack('flagHealthy', async () => {
    const b = await build([]);
    b.args.marginCalls = [main(K.alice)];
    await refused(b, 'InvalidBatch(7)');
  });

  attack('absorbSolvent', async () => {
    const b = await build([]);
    b.args.absorbs = [main(K.alice)];
    await refused(b, 'InvalidBatch(8)');
  });

  attack('deleverageSolvent', async () => {
    const b = await build([]);
    b.args.deleverages = [{ subaccount: main(K.alice), marketId: ETH_PERP, counterparties: [main(K.bob)] }];
    await refused(b, 'InvalidBatch(9)');
  });

  attack('planOrderHealthy', async () => {
    const bid = await order(K.bob, ETH_PERP, true, '1999', '1');
    await refused(await raw([bid, planOrder(K.alice, ETH_PERP, false, '1990', '0.5')], [[0, 1, '0.5']]), 'InvalidOrder(1, 6)');
  });

  attack('planOrderInGrace', async () => {
    // ETH falls to 1,500: carol (long 1.5 on 800 USDC) keeps 48.5 of equity against a maintenance of 112.5
    await land([], await fresh(1500_00000000n));
    expect(engine.marginCall(main(K.carol))).toBeDefined();
    const bid = await order(K.bob, ETH_PERP, true, '1499', '1');
    await refused(await raw([bid, planOrder(K.carol, ETH_PERP, false, '1490', '0.5')], [[0, 1, '0.5']], { prices: [] }), 'InvalidOrder(1, 6)');
  });

  attack('planOrderPastSlippage', async () => {
    const graceEnds = engine.marginCall(main(K.carol))!.graceEnds;
    await advance(graceEnds - lastT + 1n);
    await land([], await fresh());
    const bid = await order(K.bob, ETH_PERP, true, '1470', '1'); // 2% under the index; the default plan allows 1%
    await refused(await raw([bid, planOrder(K.carol, ETH_PERP, false, '1470', '0.5')], [[0, 1, '0.5']]), 'InvalidOrder(1, 7)');
  });

  attack('planOrderFlip', async () => {
    const bid = await order(K.bob, ETH_PERP, true, '1499', '3');
    await refused(await raw([bid, planOrder(K.carol, ETH_PERP, false, '1490', '3')], [[0, 1, '3']]), 'InvalidFill(0, 16)');
  });

  attack('planOrderOutsidePlan', async () => {
    const plan: RiskPlan = { subaccount: main(K.carol), marketOrder: [ETH_SPOT], maxSlippageBps: 200, graceSeconds: 0, nonce: 1n };
    const signature = await privateKeyToAccount(K.carol).sign({ hash: riskPlanDigest(domainSep, plan) });
    await land([{ type: 'riskPlan', plan, signature, hash: riskPlanDigest(domainSep, plan) }]);
    const bid = await order(K.bob, ETH_PERP, true, '1499', '1');
    await refused(await raw([bid, planOrder(K.carol, ETH_PERP, false, '1490', '0.5')], [[0, 1, '0.5']]), 'InvalidOrder(1, 14)');
  });

  attack('deleverageSameSide', async () => {
    // erin (long 2 on 500 USDC) is bankrupt at 1,500, beyond what the fund holds
    expect(engine.riskReport(main(K.erin))!.equity).toBeLessThan(0n);
    const b = await build([]);
    b.args.deleverages = [{ subaccount: main(K.erin), marketId: ETH_PERP, counterparties: [main(K.alice)] }]; // alice is long too
    await refused(b, 'InvalidBatch(9)');
  });

  attack('deleverageOutOfRank', async () => {
    // dave (short 1 on his 100,000 USDC and 50 WETH) and bob (short 4.5 on the same) rank bob first
    const b = await build([]);
    b.args.deleverages = [{ subaccount: main(K.erin), marketId: ETH_PERP, counterparties: [main(K.dave), main(K.bob)] }];
    await refused(b, 'InvalidBatch(9)');
    // bob first settles (and alone: his short covers erin's long, and every name must take part)
    b.args.deleverages = [{ subaccount: main(K.erin), marketId: ETH_PERP, counterparties: [main(K.bob)] }];
    const sim = await chain.simulate(b.args);
    expect(sim.ok ? 'ok' : `${sim.error}(${sim.args.map(String).join(', ')})`).toBe('ok');
  });
});

// ------------------------------------------------------------------ withdrawals

describe('withdrawals', () => {
  attack('withdrawalPastHealth', async () => {
    // carol, in margin call, asks for 500 of the ~798 USDC she holds: the batch that processes it
    // is the chain's judge, whatever the sequencer would like to pay
    const carol = createWalletClient({ chain: foundry, transport: http(anvil.url), account: privateKeyToAccount(K.carol) });
    const amount = 500n * 10n ** 6n;
    const before = (await rpc.readContract({ address: exchange, abi: exchangeAbi, functionName: 'balanceOf', args: [main(K.carol), 0] })) as bigint;
    expect(before).toBeGreaterThan(amount * 10n ** 12n); // balances are X18, the request in token units
    await receiptOf(
      rpc,
      await carol.writeContract({ address: exchange, abi: exchangeAbi, functionName: 'requestWithdrawal', args: [main(K.carol), 0, amount] }),
    );
    const from = await rpc.getBlockNumber();
    const args = await land([]);
    expect(args.requestCursor).toBe(await chain.requestCount());
    const rejected = await rpc.getContractEvents({ address: exchange, abi: exchangeAbi, eventName: 'WithdrawalRejected', fromBlock: from });
    expect(rejected.map((e) => (e.args as { subaccount: Hex }).subaccount)).toEqual([main(K.carol)]);
    expect(await rpc.readContract({ address: exchange, abi: exchangeAbi, functionName: 'balanceOf', args: [main(K.carol), 0] })).toBe(before);
  });

  attack('censoredWithdrawal', async () => {
    // bob asks to withdraw; the operator settles batch after batch without processing it
    const bob = privateKeyToAccount(K.bob);
    const wallet = createWalletClient({ chain: foundry, transport: http(anvil.url), account: bob });
    const hash = await wallet.writeContract({
      address: exchange,
      abi: exchangeAbi,
      functionName: 'requestWithdrawal',
      args: [main(K.bob), 0, 1_000n * 10n ** 6n],
    });
    await receiptOf(rpc, hash);
    const censored = (await chain.requestCount()) - 1n;
    const forceDelay = (await rpc.readContract({ address: exchange, abi: exchangeAbi, functionName: 'forceDelay' })) as bigint;
    for (let i = 0; i < 3; i++) {
      await advance(forceDelay / 2n);
      await land([], { ...(await fresh()), requestCursor: censored });
    }
    // bob escapes: he freezes the Exchange and leaves with what is his, no operator needed
    const client = createKestrelClient({ exchange, account: bob, publicClient: rpc, walletClient: wallet });
    await client.freezeIfStalled();
    const registered = await client.exit();
    expect(registered.equity).toBeGreaterThan(0n);
    await advance((await rpc.readContract({ address: exchange, abi: exchangeAbi, functionName: 'claimWindow' })) as bigint);
    const tokens = await Promise.all(
      [0, 1].map((a) =>
        rpc.readContract({ address: exchange, abi: exchangeAbi, functionName: 'getAsset', args: [a] }).then((x) => (x as { token: Hex }).token),
      ),
    );
    const before = await Promise.all(tokens.map((t) => rpc.readContract({ address: t, abi: erc20Abi, functionName: 'balanceOf', args: [bob.address] })));
    const paid = await client.exit();
    const after = await Promise.all(tokens.map((t) => rpc.readContract({ address: t, abi: erc20Abi, functionName: 'balanceOf', args: [bob.address] })));
    expect(after.map((v, i) => v - before[i]!)).toEqual(paid.paid.slice(0, 2));
    // worth his equity at the freeze prices, less rounding (USDC 6 decimals, WETH 18)
    const eth = (await rpc.readContract({ address: exchange, abi: exchangeAbi, functionName: 'freezePrice', args: [1] })) as bigint;
    const value =
      paid.paid[0]! * 10n ** 12n +
      (paid.paid[1]! * eth) / 10n ** 18n +
      (paid.paid[2]! * 10n ** 10n * ((await rpc.readContract({ address: exchange, abi: exchangeAbi, functionName: 'freezePrice', args: [2] })) as bigint)) /
        10n ** 18n;
    expect(value).toBeLessThanOrEqual(registered.equity);
    expect(registered.equity - value).toBeLessThan(10n ** 15n);
  });
});

describe('the security page', () => {
  it('lists exactly the attacks this suite plays', () => {
    const page = readFileSync(new URL('../../../../apps/docs/guide/security.md', import.meta.url), 'utf8');
    const listed = [...page.matchAll(/^\| (?:operator|sequencer) \| ([^|]+?) \|/gm)].map((m) => m[1]!.trim());
    expect(new Set(listed)).toEqual(new Set([...attacks].map((id) => ATTACKS[id])));
    expect([...attacks].sort()).toEqual(Object.keys(ATTACKS).sort());
  });
});
