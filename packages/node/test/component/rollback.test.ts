/**
 * A batch the chain reverts after the leader committed and gossiped it, on a real chain: the
 * leader rolls it back and builds it again, and a follower that had applied it replaces it. The
 * race that causes it in the field — a trader's on-chain cancel mined between the simulation and
 * the submission — cannot be timed from outside, so the one fault injected is when that (real)
 * transaction is sent: from inside `submit`, just before the batch.
 */
import type { Proposal, SettlementArgs } from '@kestrel/core';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeAbi } from '@kestrel/contracts';
import { ExchangeChain } from '../../src/chain/exchange.js';
import { Follower } from '../../src/follower/follower.js';
import { Ledger } from '../../src/store/ledger.js';
import { createLogger } from '../../src/util/log.js';
import { batchResponse } from '../../src/api/batch-view.js';
import { CommittedBooks, type BookRead } from '../../src/api/committed-books.js';
import type { Sequencer } from '../../src/sequencer/sequencer.js';
import type { NodeStore } from '../../src/store/store.js';
import { KEYS, statusOf, restoreMempool, sequencerFor, startChainFixture, sub, type ChainFixture } from './fixture.js';

class RacingChain extends ExchangeChain {
  /** sent (and mined) right before the next settlement */
  race: (() => Promise<void>) | null = null;
  /** the next simulation fails as an unreachable RPC would */
  failNextSimulation = false;
  /** called as a simulation starts: the batch is applied, not yet committed */
  onSimulate: (() => void) | null = null;
  override async simulate(a: SettlementArgs) {
    this.onSimulate?.();
    this.onSimulate = null;
    if (this.failNextSimulation) {
      this.failNextSimulation = false;
      throw new Error('fetch failed');
    }
    return super.simulate(a);
  }
  /** what each submission came to (a refusal's reason is in `error`) */
  readonly submitted: Array<{ batchId: bigint; timestamp: bigint; status: string; error?: string }> = [];
  override async submit(a: SettlementArgs) {
    const race = this.race;
    this.race = null;
    if (race) await race();
    const r = await super.submit(a);
    this.submitted.push({ batchId: a.batchId, timestamp: a.timestamp, status: r.status, ...(r.error === undefined ? {} : { error: r.error }) });
    return r;
  }
}

let fx: ChainFixture;
let chain: RacingChain;
let leader: Ledger;
let leaderStore: NodeStore;
let follower: Ledger;
let followerLoop: Follower;
/** a second follower that hears only the first version of the batch, then catches up over HTTP */
let late: Ledger;
let lateLoop: Follower;
let lateHears = true;
let server: Server;
let sequencer: Sequencer;
const published: Proposal[] = [];
const answers: string[] = [];
const lateAnswers: string[] = [];

beforeAll(async () => {
  fx = await startChainFixture();
  chain = new RacingChain(fx.rpcUrl, fx.exchange, KEYS.operator);
  ({ ledger: leader, store: leaderStore } = await fx.openLedger(chain));
  const followerChain = new ExchangeChain(fx.rpcUrl, fx.exchange);
  ({ ledger: follower } = await fx.openLedger(followerChain));
  const log = createLogger('test', 'silent');
  followerLoop = new Follower({ ledger: follower, chain: followerChain, log, syncFrom: [], pollIntervalMs: 1000, feeds: new Map() });
  // the leader's batch log over HTTP, as GET /v1/batches/:id serves it
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://peer');
    const id = /^\/v1\/batches\/(\d+)$/.exec(url.pathname)?.[1];
    const version = url.searchParams.get('stateHash') as `0x${string}` | null;
    const rec = id === undefined ? undefined : version === null ? leader.batch(BigInt(id)) : leader.batchVersion(BigInt(id), version);
    void Promise.resolve(rec).then((rec) => {
      res.writeHead(rec ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(rec ? batchResponse(rec) : { error: { code: 'NOT_FOUND' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const syncFrom = [`http://127.0.0.1:${(server.address() as AddressInfo).port}`];
  ({ ledger: late } = await fx.openLedger(followerChain));
  lateLoop = new Follower({ ledger: late, chain: followerChain, log, syncFrom, pollIntervalMs: 1000, feeds: new Map() });
  // as a node hears a gossiped proposal: the cheap gate first, then the follower
  // (what each follower answered is recorded: an assertion thrown here would be swallowed as a
  // failed gossip and show up later as a state hash that differs)
  sequencer = sequencerFor(leader, chain, async (p) => {
    published.push(p);
    answers.push(followerLoop.wants(p.batchId) ? await followerLoop.apply(p) : 'unwanted');
    if (lateHears) lateAnswers.push(await lateLoop.apply(p));
  });
  await sequencer.tick(); // credits the deposits
  expectApplied();
});

afterAll(async () => {
  await followerLoop?.stop();
  await lateLoop?.stop();
  await new Promise((r) => server?.close(r));
  await fx?.stop();
});

let seenSubmits = 0;
/**
 * Every proposal gossiped since the last call was applied by the followers that heard it, and
 * every batch submitted since then settled (but the `refused` ones, in order).
 */
function expectApplied(refused: number[] = []) {
  expect(
    answers.every((a) => a === 'applied'),
    answers.join(),
  ).toBe(true);
  expect(
    lateAnswers.every((a) => a === 'applied'),
    lateAnswers.join(),
  ).toBe(true);
  const submits = chain.submitted.slice(seenSubmits);
  const show = JSON.stringify(submits, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  expect(
    submits.map((r) => r.status),
    show,
  ).toEqual(submits.map((_r, i) => (refused.includes(i) ? 'reverted' : 'success')));
  answers.length = 0;
  lateAnswers.length = 0;
  seenSubmits = chain.submitted.length;
}

describe('a batch reverted on chain after it was gossiped', () => {
  it('is rolled back by the leader, built again, and replaced on the follower', async () => {
    const ask = await fx.admitOrder(leader, KEYS.seller, { isBuy: false, nonce: 5n });
    await fx.admitOrder(follower, KEYS.seller, { isBuy: false, nonce: 5n });
    await sequencer.tick();
    expectApplied();
    expect(await statusOf(leader, ask)).toBe('open');
    const settled = await chain.lastBatchId();
    expect(follower.stateHash).toBe(leader.stateHash);

    // a crossing bid; the seller's on-chain cancel lands just before the batch that fills it
    const bid = await fx.admitOrder(leader, KEYS.buyer, { nonce: 1n });
    await fx.admitOrder(follower, KEYS.buyer, { nonce: 1n });
    const other = await fx.admitOrder(leader, KEYS.buyer, { nonce: 2n, price: 1000n * 10n ** 18n });
    chain.race = () => fx.send(KEYS.seller, fx.exchange, exchangeAbi, 'cancelUpTo', [sub(KEYS.seller), 10n]);
    await sequencer.tick();
    expectApplied([0]); // the first version of the batch was refused
    lateHears = false; // the late follower misses the replacement

    // the filled batch was gossiped and applied by the follower, then refused by the chain
    const reverted = published.at(-1)!;
    expect(reverted.batchId).toBe(settled + 1n);
    expect(follower.lastBatchId).toBe(settled + 1n);
    expect(await statusOf(follower, ask)).toBe('filled');
    expect(await chain.lastBatchId()).toBe(settled);
    // the leader is back where it was, with both bids pending again in arrival order
    expect(leader.lastBatchId).toBe(settled);
    expect(await statusOf(leader, ask)).toBe('open');
    expect(leader.engine.getOrder(bid)).toBeUndefined();
    expect(leader.mempool.peek(10).map((e) => e.input.hash)).toEqual([bid, other]);
    expect(await leader.batch(settled + 1n)).toBeUndefined();

    // the next batch sees the chain's cancel first: the ask is cancelled, the bids rest
    await sequencer.tick();
    expectApplied();
    expect(await chain.lastBatchId()).toBe(settled + 1n);
    const replacement = published.at(-1)!;
    expect(replacement.batchId).toBe(settled + 1n);
    expect(replacement.stateHash).not.toBe(reverted.stateHash);
    expect(await statusOf(leader, ask)).toBe('cancelled');
    expect(await statusOf(leader, bid)).toBe('open');
    expect(await statusOf(leader, other)).toBe('open');
    expect(leader.mempool.size).toBe(0);

    // the follower replaced its copy and agrees
    expect(follower.lastBatchId).toBe(settled + 1n);
    expect(follower.stateHash).toBe(leader.stateHash);
    expect(await statusOf(follower, ask)).toBe('cancelled');
    expect(follower.mempool.has(bid)).toBe(false);
    expect((await follower.batch(settled + 1n))?.proposal.stateHash).toBe(leader.stateHash);

    // the follower that missed the replacement sees the chain settle another state for its last
    // batch, fetches the leader's version and replaces its own
    expect(late.lastBatchId).toBe(settled + 1n);
    expect(late.stateHash).toBe(reverted.stateHash);
    await lateLoop.catchUp();
    expect(lateLoop.diverged).toBeNull();
    expect(late.lastBatchId).toBe(settled + 1n);
    expect(late.stateHash).toBe(leader.stateHash);

    // and what the leader wrote survives a restart
    const reopened = await Ledger.open(leader.config, fx.domainSep, leaderStore);
    expect(reopened.stateHash).toBe(leader.stateHash);
    expect(reopened.lastBatchId).toBe(settled + 1n);
    expect(await restoreMempool(reopened)).toEqual({ restored: 0, dropped: 0 });
    expect(reopened.mempool.size).toBe(0);
  });

  it('answers a book read from the committed state while a batch is in flight, without waiting for it', async () => {
    const books = new CommittedBooks(leader);
    const before = await books.book(1, 10); // read once: copied before every batch from now on
    await fx.admitOrder(leader, KEYS.buyer, { nonce: 8n, price: 1400n * 10n ** 18n });
    let during: { read: BookRead; applying: boolean; engineBids: number } | undefined;
    chain.onSimulate = () => {
      const engineBids = leader.engine.book(1, 10).bids.length; // the engine shows the batch
      void books.book(1, 5).then((read) => {
        during = { read, applying: leader.applying, engineBids };
      });
    };
    await sequencer.tick();
    expectApplied();
    expect(during?.applying).toBe(true); // answered before the batch was committed
    expect(during?.engineBids).toBe(before.book.bids.length + 1);
    expect(during?.read.book.bids).toEqual(before.book.bids.slice(0, 5));
    expect(during?.read.sequence).toBe(before.sequence);
    // after the commit the new bid shows
    const after = await books.book(1, 10);
    expect(after.book.bids).toContainEqual([1400n * 10n ** 18n, expect.any(BigInt)]);
    expect(after.sequence).toBeGreaterThan(before.sequence);
  });

  it('leaves nothing applied when the chain cannot be reached mid-batch, and readers wait for the batch', async () => {
    const bid = await fx.admitOrder(leader, KEYS.buyer, { nonce: 7n, price: 1500n * 10n ** 18n });
    await fx.admitOrder(follower, KEYS.buyer, { nonce: 7n, price: 1500n * 10n ** 18n });
    const before = { hash: leader.stateHash, batch: leader.lastBatchId };
    chain.failNextSimulation = true;
    await expect(sequencer.tick()).rejects.toThrow(/fetch failed/);
    // the engine is back on the committed state; the order still waits in the mempool
    expect(leader.engine.stateHash()).toBe(before.hash);
    expect(leader.lastBatchId).toBe(before.batch);
    expect(leader.mempool.has(bid)).toBe(true);
    await leader.quiescent(0); // nothing outstanding: returns at once

    // the next tick builds the batch; a reader that asks while it is simulated waits for the commit
    let reader: Promise<{ status: string | undefined; batch: bigint }> | undefined;
    let applyingAt: bigint | undefined;
    chain.onSimulate = () => {
      applyingAt = leader.lastBatchId;
      reader = leader.quiescent().then(async () => ({ status: await statusOf(leader, bid), batch: leader.lastBatchId }));
    };
    await sequencer.tick();
    expectApplied();
    expect(applyingAt).toBe(before.batch); // the batch was applied but not committed then
    expect(await reader).toEqual({ status: 'open', batch: before.batch + 1n });
    expect(follower.stateHash).toBe(leader.stateHash);

    // the state before the last batch is on disk as well: a restarted node can still roll it back
    const reopened = await Ledger.open(leader.config, fx.domainSep, leaderStore);
    expect(reopened.canRollBack(before.batch + 1n)).toBe(true);
    await reopened.rollback(before.batch + 1n);
    expect(reopened.stateHash).toBe(before.hash);
    expect(reopened.engine.stateHash()).toBe(before.hash);
    expect(reopened.mempool.has(bid)).toBe(true);
  });
});
