/**
 * A follower trusts a proposal only from the operator whose turn it is by the chain's leader
 * schedule, asked of the chain each time: on a real chain with two operators (a day-long epoch and
 * a takeover delay far longer than the test, so that turns do not move under it), the one out of
 * turn is ignored, the one in turn applied, and a revoked operator refused at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { proposalDigest, type Hex, type Proposal } from '@kestrel/core';
import { ExchangeChain } from '../../src/chain/exchange.js';
import { HANDOVER_GRACE_SECONDS, epochAt, leaderAt } from '../../src/chain/schedule.js';
import { Follower } from '../../src/follower/follower.js';
import type { Ledger } from '../../src/store/ledger.js';
import { createLogger } from '../../src/util/log.js';
import { KEYS, startChainFixture, type ChainFixture } from './fixture.js';

/** a second operator (anvil's fifth account) */
const SECOND = '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a' as Hex;
const DAY = 86_400;

let fx: ChainFixture;
let chain: ExchangeChain;
let ledger: Ledger;
let follower: Follower;

async function proposal(key: Hex, batchId = 1n): Promise<Proposal> {
  const requests = batchId === 1n ? await chain.requests(0n, 2n) : []; // the two deposits, in the first
  const unsigned = {
    batchId,
    timestamp: 1n,
    requestCursor: 2n,
    prices: [],
    funding: [],
    requests,
    inputs: [],
    prevStateHash: ledger.stateHash,
    stateHash: ledger.stateHash,
  };
  const applied = ledger.tryApply(unsigned);
  applied.undo();
  const signed = { ...unsigned, stateHash: applied.stateHash };
  return { ...signed, signature: await privateKeyToAccount(key).sign({ hash: proposalDigest(fx.domainSep, signed) }) };
}

beforeAll(async () => {
  fx = await startChainFixture({ epochSeconds: DAY, takeoverSeconds: DAY - 1 });
  chain = new ExchangeChain(fx.rpcUrl, fx.exchange);
  ({ ledger } = await fx.openLedger(chain));
  follower = new Follower({ ledger, chain, log: createLogger('test', 'silent'), syncFrom: [], pollIntervalMs: 1000, feeds: new Map() });
  await fx.setOperator(privateKeyToAccount(SECOND).address, true);
});

afterAll(async () => {
  await follower?.stop();
  await fx?.stop();
});

describe('a follower under the leader schedule', () => {
  it('ignores the operator out of its turn and applies the one in it', async () => {
    let { schedule, now } = await chain.leaderSchedule();
    // not in the moments after midnight, when the last day's leader is still heard
    if (now - epochAt(schedule, now) * schedule.epochSeconds < HANDOVER_GRACE_SECONDS) {
      await new Promise((r) => setTimeout(r, Number(HANDOVER_GRACE_SECONDS) * 1000));
      ({ schedule, now } = await chain.leaderSchedule());
    }
    expect(schedule.operators).toHaveLength(2);
    const leader = leaderAt(schedule, now);
    const [inTurn, outOfTurn] = leader === privateKeyToAccount(KEYS.operator).address.toLowerCase() ? [KEYS.operator, SECOND] : [SECOND, KEYS.operator];

    const late = await proposal(outOfTurn);
    expect(await follower.proposer(late)).toBe('out-of-turn');
    expect(await follower.apply(late)).toBe('forged');
    expect(ledger.lastBatchId).toBe(0n);
    expect(await follower.proposer(await proposal(KEYS.buyer))).toBe('stranger');

    expect(await follower.apply(await proposal(inTurn))).toBe('applied');
    expect(ledger.lastBatchId).toBe(1n);
  });

  it('refuses an operator revoked on chain at once, though it signed in turn before', async () => {
    const { schedule, now } = await chain.leaderSchedule();
    const leader = leaderAt(schedule, now)!;
    const key = leader === privateKeyToAccount(KEYS.operator).address.toLowerCase() ? KEYS.operator : SECOND;
    const next = await proposal(key, 2n);
    expect(await follower.proposer(next)).toBe('in-turn');
    await fx.setOperator(privateKeyToAccount(key).address, false);
    expect(await follower.proposer(next)).toBe('stranger');
    expect(await follower.apply(next)).toBe('forged');
    expect(ledger.lastBatchId).toBe(1n);
  });
});
