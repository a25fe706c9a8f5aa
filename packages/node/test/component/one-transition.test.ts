/**
 * One state transition for every role, on a real chain: the sequencer builds a batch with the
 * core's `applyBatch`, a follower applies the gossiped proposal with the same function, and a bare
 * core engine given the proposal reaches the same state; the chain settles that state hash with
 * the arguments the core's `settlementOf` derives.
 */
import { Engine, findOrderInput, parseX18, settlementOf, applyBatch, type Proposal } from '@kestrel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExchangeChain } from '../../src/chain/exchange.js';
import { Follower } from '../../src/follower/follower.js';
import type { Ledger } from '../../src/store/ledger.js';
import type { Sequencer } from '../../src/sequencer/sequencer.js';
import { createLogger } from '../../src/util/log.js';
import { KEYS, sequencerFor, startChainFixture, type ChainFixture } from './fixture.js';

let fx: ChainFixture;
let chain: ExchangeChain;
let leader: Ledger;
let follower: Ledger;
let followerLoop: Follower;
let sequencer: Sequencer;
const heard: Array<{ proposal: Proposal; answer: string }> = [];

beforeAll(async () => {
  fx = await startChainFixture();
  chain = new ExchangeChain(fx.rpcUrl, fx.exchange, KEYS.operator);
  ({ ledger: leader } = await fx.openLedger(chain));
  const followerChain = new ExchangeChain(fx.rpcUrl, fx.exchange);
  ({ ledger: follower } = await fx.openLedger(followerChain));
  followerLoop = new Follower({
    ledger: follower,
    chain: followerChain,
    log: createLogger('test', 'silent'),
    syncFrom: [],
    pollIntervalMs: 1000,
    feeds: new Map(),
  });
  sequencer = sequencerFor(leader, chain, async (p) => {
    heard.push({ proposal: p, answer: await followerLoop.apply(p) });
  });
});

afterAll(async () => {
  await followerLoop?.stop();
  await fx?.stop();
});

describe('the sequencer and a follower given one batch', () => {
  it('reach one state through the core transition, and the chain settles it', async () => {
    // a batch with the deposits, a resting ask and a bid that crosses it
    await fx.admitOrder(leader, KEYS.seller, { isBuy: false, nonce: 1n, price: parseX18('2000') });
    await fx.admitOrder(leader, KEYS.buyer, { nonce: 1n, price: parseX18('2001') });
    const before = leader.engine.snapshot();
    await sequencer.tick();

    expect(heard.map((h) => h.answer)).toEqual(['applied']);
    const p = heard[0]!.proposal;
    expect(p.requests.length).toBeGreaterThan(0);
    expect(p.inputs.length).toBe(2);

    // the core alone, from the state before, reaches the state both nodes announce
    const bare = Engine.restore(leader.config, before);
    const events = applyBatch(bare, p);
    expect(events.filter((e) => e.kind === 'fill')).toHaveLength(1);
    expect(bare.stateHash()).toBe(p.stateHash);
    expect(leader.stateHash).toBe(p.stateHash);
    expect(follower.stateHash).toBe(p.stateHash);
    expect(follower.engine.snapshot()).toEqual(leader.engine.snapshot());

    // what the chain was sent is the core's settlement of those events, and the chain settled it
    const perps = new Set(leader.config.markets.filter((m) => m.kind === 'PERP').map((m) => m.marketId));
    const expected = settlementOf(
      p,
      events,
      (h) => {
        const o = findOrderInput(p.inputs, h);
        return o && { hash: h, order: o.order, signature: o.signature };
      },
      (id) => perps.has(id),
    );
    expect((await leader.batch(p.batchId))?.settlement).toEqual(expected);
    expect((await follower.batch(p.batchId))?.settlement).toEqual(expected);
    expect(await chain.lastBatchId()).toBe(p.batchId);
    expect(await chain.lastStateHash()).toBe(p.stateHash.toLowerCase());
  });
});
