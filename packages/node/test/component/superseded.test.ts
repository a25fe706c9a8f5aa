/**
 * Two versions of one batch in flight, on a real chain: an operator committed and sent version A
 * (its transaction slow to land), another operator's version B reached a follower, which took it
 * in place of A; then the chain settles A after all. The follower kept A when it let it go, so it
 * goes back to it (and a peer can ask it for A by its state hash) instead of halting as diverged.
 * It happens under load when a restarted leader resends the batch it had committed while the next
 * in rank, which never heard of it, took over with its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Proposal, SettlementArgs } from '@kestrel/core';
import { ExchangeChain } from '../../src/chain/exchange.js';
import { Follower } from '../../src/follower/follower.js';
import type { Ledger } from '../../src/store/ledger.js';
import { createLogger } from '../../src/util/log.js';
import { KEYS, sequencerFor, startChainFixture, type ChainFixture } from './fixture.js';

/** A chain whose sends are held back (they fail as an unreachable RPC would) while `hold` is set. */
class HeldChain extends ExchangeChain {
  hold = true;
  override async submit(a: SettlementArgs) {
    if (this.hold) throw new Error('fetch failed');
    return super.submit(a);
  }
}

let fx: ChainFixture;
let chain: HeldChain;
let first: Ledger;
let second: Ledger;
let follower: Ledger;
let loop: Follower;
const log = createLogger('test', 'silent');

/** The proposal `ledger`'s sequencer builds next (its send held back). */
async function build(ledger: Ledger): Promise<Proposal> {
  const built: Proposal[] = [];
  const sequencer = sequencerFor(ledger, chain, async (p) => void built.push(p));
  await sequencer.tick().catch(() => undefined);
  expect(built).toHaveLength(1);
  return built[0]!;
}

beforeAll(async () => {
  fx = await startChainFixture();
  chain = new HeldChain(fx.rpcUrl, fx.exchange, KEYS.operator);
  ({ ledger: first } = await fx.openLedger(chain));
  ({ ledger: second } = await fx.openLedger(chain));
  ({ ledger: follower } = await fx.openLedger(chain));
  loop = new Follower({ ledger: follower, chain, log, syncFrom: [], pollIntervalMs: 60_000, feeds: new Map() });
  chain.hold = false;
  const one = await build(first); // the deposits, settled
  expect(await loop.apply(one)).toBe('applied');
  const rec = (await first.batch(one.batchId))!;
  expect(second.tryApply(rec.proposal).stateHash).toBe(one.stateHash);
  await second.commit(rec.proposal, [], null);
  chain.hold = true;
}, 120_000);

afterAll(async () => {
  await loop?.stop();
  await fx?.stop();
});

describe('a version of a batch the chain settles after the follower took another', () => {
  it('is taken back from what the follower kept, not halted on', async () => {
    await fx.admitOrder(first, KEYS.seller, { isBuy: false, nonce: 21n });
    await fx.admitOrder(second, KEYS.seller, { isBuy: false, nonce: 22n });
    const a = await build(first);
    const b = await build(second);
    expect(a.batchId).toBe(b.batchId);
    expect(a.stateHash).not.toBe(b.stateHash);
    expect(await loop.apply(a)).toBe('applied');
    expect(await loop.apply(b)).toBe('applied'); // B replaces A: nothing settled it yet
    expect(follower.stateHash).toBe(b.stateHash);

    chain.hold = false;
    const sent = await chain.submit((await first.batch(a.batchId))!.settlement!);
    expect(sent.status).toBe('success');
    expect((await chain.lastSettled()).stateHash).toBe(a.stateHash.toLowerCase());

    await loop.catchUp();
    expect(loop.diverged).toBeNull();
    expect(follower.stateHash).toBe(a.stateHash);
    // B is kept in turn, and A is served by its state hash as the log's version
    expect((await follower.batchVersion(b.batchId, b.stateHash))?.proposal.stateHash).toBe(b.stateHash);
    expect((await follower.batchVersion(a.batchId, a.stateHash))?.proposal.stateHash).toBe(a.stateHash);
  });
});
