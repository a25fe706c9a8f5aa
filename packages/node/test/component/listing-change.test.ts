/**
 * A listing or parameter change made through the timelock after trading began reaches every
 * engine at the batch where it takes effect: the Exchange queues it as a request and applies it
 * when the batch that passes it settles; the sequencer's engine and a follower's apply it at that
 * very batch (resting orders of a re-gridded market cancelled in it, a change that breaks its
 * setter's rules refused by both), the next batch settles by the new rules (a fee the chain
 * recomputes), the audit finds the chain's outcome the engine's, and a node restarted on its disk
 * or joining from a snapshot runs by the configuration of its state, not the listing of the day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletClient, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { exchangeAbi, testTokenAbi, testTokenBytecode } from '@kestrel/contracts';
import { parseX18, type EngineEvent } from '@kestrel/core';
import { engineConfigOf, ExchangeChain } from '../../src/chain/exchange.js';
import { SettledBatchAudit } from '../../src/audit/audit.js';
import { checkSnapshot } from '../../src/catchup/snapshot-join.js';
import { Ledger } from '../../src/store/ledger.js';
import { createLogger } from '../../src/util/log.js';
import type { Sequencer } from '../../src/sequencer/sequencer.js';
import type { NodeStore } from '../../src/store/store.js';
import { KEYS, sequencerFor, startChainFixture, statusOf, sub, type ChainFixture } from './fixture.js';

let fx: ChainFixture;
let chain: ExchangeChain;
let leader: Ledger;
let leaderStore: NodeStore;
let follower: Ledger;
let sequencer: Sequencer;
const log = createLogger('test', 'silent');
const USDC = 0;
const ETH_USDC = 1;
const NEW_MARKET = 9;
/** market 1 as the devnet lists it, with a tick ten times coarser and the taker fee doubled */
const REGRIDDED = {
  kind: 0,
  baseAssetId: 1,
  quoteAssetId: 0,
  active: true,
  tickSize: parseX18('0.1'),
  lotSize: parseX18('0.0001'),
  minSize: parseX18('0.001'),
  makerFee: parseX18('0.0001'),
  takerFee: parseX18('0.001'),
  symbol: 'WETH/USDC',
};

/** A view of the Exchange. */
function view<T>(functionName: string, args: readonly unknown[] = []): Promise<T> {
  return chain.publicClient.readContract({ address: fx.exchange, abi: exchangeAbi, functionName, args } as never) as Promise<T>;
}

/** Applies the leader's batches the follower has not yet, as a follower node does, checking each state hash. */
async function follow(): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  for (let id = follower.lastBatchId + 1n; id <= leader.lastBatchId; id++) {
    const rec = (await leader.batch(id))!;
    const applied = follower.tryApply(rec.proposal);
    expect(applied.stateHash).toBe(rec.proposal.stateHash);
    await follower.commit(rec.proposal, applied.events, null);
    events.push(...applied.events);
  }
  return events;
}

/** Ticks the sequencer once, returning the events of the batches it committed. */
async function tick(): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  leader.onCommit = (_p, evs) => void events.push(...evs);
  await sequencer.tick();
  leader.onCommit = null;
  return events;
}

beforeAll(async () => {
  fx = await startChainFixture();
  chain = new ExchangeChain(fx.rpcUrl, fx.exchange, KEYS.operator);
  ({ ledger: leader, store: leaderStore } = await fx.openLedger(chain));
  ({ ledger: follower } = await fx.openLedger(chain));
  sequencer = sequencerFor(leader, chain);
  await tick(); // the first batch: the deposits
  await follow();
}, 120_000);

afterAll(async () => {
  await fx?.stop();
});

describe('a listing change through the timelock after the first batch', () => {
  let resting: Hex;
  let changeBatch: bigint;
  const startConfig = () => leader.config;
  let configAtStart: ReturnType<typeof startConfig>;

  it('waits in the queue: nothing changes on chain or in the engines until a batch passes it', async () => {
    configAtStart = leader.config;
    resting = await fx.admitOrder(leader, KEYS.seller, { isBuy: false, price: parseX18('2100.05'), amount: parseX18('1'), nonce: 10n });
    await tick();
    expect(await statusOf(leader, resting)).toBe('open');

    const account = privateKeyToAccount(KEYS.admin);
    const wallet = createWalletClient({ chain: foundry, transport: http(fx.rpcUrl), account });
    const deployHash = await wallet.deployContract({ abi: testTokenAbi, bytecode: testTokenBytecode, args: ['Chainlink', 'LINK', 18] });
    const link = (await chain.publicClient.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;

    await fx.admin('listMarket', [ETH_USDC, REGRIDDED]);
    await fx.admin('listAsset', [link, 'LINK']);
    await fx.admin('listMarket', [NEW_MARKET, { ...REGRIDDED, baseAssetId: 3, symbol: 'LINK/USDC' }]);
    await fx.admin('setPnlWeight', [parseX18('2')]); // breaks its rule: refused when it takes effect
    const market = await view<{ takerFee: bigint }>('getMarket', [ETH_USDC]);
    expect(market.takerFee).toBe(parseX18('0.0005'));
    expect(leader.config).toBe(configAtStart);
  });

  it('takes effect with the batch that passes it, in every engine, at that batch', async () => {
    const events = await tick();
    changeBatch = leader.lastBatchId;
    // the re-gridded market's resting order could not fill on chain any more: cancelled in this batch
    expect(events).toContainEqual(expect.objectContaining({ kind: 'cancelled', hash: resting, reason: 'MARKET_CHANGED' }));
    const outcomes = events.filter((e) => e.kind === 'configApplied' || e.kind === 'configRefused');
    expect(outcomes.map((e) => (e.kind === 'configRefused' ? `refused ${e.reason}` : 'applied'))).toEqual([
      'applied',
      'applied',
      'applied',
      'refused InvalidParams',
    ]);
    expect((await view<{ takerFee: bigint }>('getMarket', [ETH_USDC])).takerFee).toBe(parseX18('0.001'));
    expect(await chain.configBatch()).toBe(changeBatch);

    const m1 = leader.config.markets.find((m) => m.marketId === ETH_USDC)!;
    expect([m1.tickSize, m1.takerFee]).toEqual([parseX18('0.1'), parseX18('0.001')]);
    expect(leader.config.markets.find((m) => m.marketId === NEW_MARKET)?.symbol).toBe('LINK/USDC');
    expect(leader.config.risk?.pnlWeight).toBe(parseX18('0.5'));
    // the engine's configuration is now the chain's listing, as a node starting now would read it
    const listed = engineConfigOf(await chain.listing());
    expect(listed.markets).toEqual(leader.config.markets);
    expect(listed.assets.map(({ token: _t, ...a }) => a)).toEqual(leader.config.assets.map(({ token: _t, ...a }) => a));
    expect(listed.risk).toEqual(leader.config.risk);

    const followed = await follow();
    expect(followed.filter((e) => e.kind === 'configApplied')).toHaveLength(3);
    expect(follower.config).toEqual(leader.config);
    expect(follower.stateHash).toBe(leader.stateHash);
  });

  it('the next batch settles by the new rules: the fee the chain recomputes is the engine’s', async () => {
    const offGrid = await fx.admitOrder(leader, KEYS.seller, { isBuy: false, price: parseX18('2000.05'), amount: parseX18('1'), nonce: 11n });
    await fx.admitOrder(leader, KEYS.seller, { isBuy: false, price: parseX18('2000.1'), amount: parseX18('1'), nonce: 12n });
    await fx.admitOrder(leader, KEYS.buyer, { isBuy: true, price: parseX18('2000.1'), amount: parseX18('1'), nonce: 13n });
    const events = await tick();
    expect(events).toContainEqual(expect.objectContaining({ kind: 'rejected', hash: offGrid, code: 'OFF_TICK' }));
    const fill = events.find((e) => e.kind === 'fill');
    expect(fill).toMatchObject({ takerFee: parseX18('2.0001') }); // 0.1% of 2000.1
    expect(await chain.lastBatchId()).toBe(leader.lastBatchId);
    for (const who of [sub(KEYS.buyer), sub(KEYS.seller), (await view<Hex>('feeSubaccount')).toLowerCase() as Hex]) {
      const onChain = await view<bigint>('balanceOf', [who, USDC]);
      expect(onChain).toBe(leader.engine.balance(who, USDC));
    }
    await follow();
    expect(follower.stateHash).toBe(leader.stateHash);
  });

  it('the audit reads the chain’s outcome of every batch, the changes’ included, as the engine’s', async () => {
    const halts: unknown[] = [];
    const audit = new SettledBatchAudit({
      publicClient: chain.publicClient,
      exchange: fx.exchange,
      ledger: leader,
      store: leaderStore,
      log,
      halt: (d) => void halts.push(d),
    });
    await audit.round();
    expect(halts).toEqual([]);
    expect(audit.lastAudited).toBe(leader.lastBatchId);
  });

  it('a node restarted on its disk runs by its state’s configuration, whatever listing it is given', async () => {
    const reopened = await Ledger.open(configAtStart, fx.domainSep, leaderStore);
    expect(reopened.config).toEqual(leader.config);
    expect(reopened.stateHash).toBe(leader.stateHash);
  });

  it('a snapshot is taken only with the listing of its batch', async () => {
    const snap = {
      batchId: leader.lastBatchId,
      timestamp: leader.lastTimestamp,
      requestCursor: leader.requestCursor,
      stateHash: leader.stateHash,
      records: [...leader.engine.snapshot().records].map(([k, v]) => [k, Buffer.from(v.slice(2), 'hex')] as [string, Uint8Array]),
      orders: [] as Array<[Hex, Hex, bigint]>,
      cancels: [] as Array<[Hex, bigint]>,
    };
    const init = { config: leader.config, configBatch: changeBatch, chain, recover: async () => null, waitMs: 5_000 };
    expect(await checkSnapshot(snap, init)).toBeNull();
    // the listing read before the change took effect: refused, whether its configuration rebuilds the state or not
    expect(await checkSnapshot(snap, { ...init, configBatch: 0n })).toMatch(/a listing change took effect at batch/);
    expect(await checkSnapshot(snap, { ...init, config: configAtStart, configBatch: 0n })).not.toBeNull();
  });
});
