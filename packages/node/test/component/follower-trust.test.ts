/**
 * What a follower refuses to apply, on a real chain: proposals not signed by an operator,
 * proposals signed for another deployment, and proposals whose requests are not the chain's.
 */
import { proposalDigest, type Proposal } from '@kestrel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import type { Hex } from '@kestrel/core';
import { ExchangeChain } from '../../src/chain/exchange.js';
import { Follower } from '../../src/follower/follower.js';
import type { Ledger } from '../../src/store/ledger.js';
import { createLogger } from '../../src/util/log.js';
import { KEYS, startChainFixture, sub, type ChainFixture } from './fixture.js';

let fx: ChainFixture;
let chain: ExchangeChain;
let ledger: Ledger;
let follower: Follower;

beforeAll(async () => {
  fx = await startChainFixture();
  chain = new ExchangeChain(fx.rpcUrl, fx.exchange);
  ({ ledger } = await fx.openLedger(chain));
  follower = new Follower({ ledger, chain, log: createLogger('test', 'silent'), syncFrom: [], pollIntervalMs: 1000, feeds: new Map() });
});

afterAll(async () => {
  await follower?.stop();
  await fx?.stop();
});

async function proposal(fields: Partial<Proposal>, key: Hex = KEYS.operator, domainSep: Hex = fx.domainSep): Promise<Proposal> {
  const requests = await chain.requests(0n, 2n); // the seller's and the buyer's deposits
  const unsigned = {
    batchId: 1n,
    timestamp: 1n,
    requestCursor: 2n,
    prices: [],
    funding: [],
    requests,
    inputs: [],
    prevStateHash: ledger.stateHash,
    stateHash: ledger.stateHash,
    ...fields,
  };
  // the state hash a correct batch leads to, computed on a throwaway application
  const applied = ledger.tryApply(unsigned);
  applied.undo();
  const withHash = { ...unsigned, stateHash: fields.stateHash ?? applied.stateHash };
  return { ...withHash, signature: await privateKeyToAccount(key).sign({ hash: proposalDigest(domainSep, withHash) }) };
}

describe('follower trust', () => {
  it('refuses a proposal signed by a key that is not an operator', async () => {
    expect(await follower.apply(await proposal({}, KEYS.buyer))).toBe('forged');
  });

  it('refuses a proposal signed for another deployment', async () => {
    expect(await follower.apply(await proposal({}, KEYS.operator, `0x${'11'.repeat(32)}`))).toBe('forged');
  });

  it('refuses an operator-signed proposal that credits a deposit the chain never queued', async () => {
    const [real] = await chain.requests(0n, 1n);
    const fake = { ...real!, amount: real!.amount * 1000n };
    expect(await follower.apply(await proposal({ requestCursor: 1n, requests: [fake] }))).toBe('forged');
    expect(await follower.apply(await proposal({ requestCursor: 3n }))).toBe('forged');
    expect(ledger.lastBatchId).toBe(0n);
    expect(ledger.engine.balance(sub(KEYS.seller), 1)).toBe(0n);
  });

  it('applies the honest proposal', async () => {
    expect(await follower.apply(await proposal({}))).toBe('applied');
    expect(ledger.lastBatchId).toBe(1n);
    expect(ledger.engine.balance(sub(KEYS.seller), 1)).toBe(10n * 10n ** 18n);
  });

  it('halts, applying nothing, on an operator-signed proposal whose inputs do not lead to its state hash', async () => {
    // a sequencer that matched otherwise than the book's rules: the chain might take the batch, the follower does not
    const forged = await proposal({ batchId: 2n, timestamp: 2n, requestCursor: 2n, requests: [], stateHash: `0x${'ab'.repeat(32)}` });
    expect(await follower.apply(forged)).toBe('diverged');
    expect(ledger.lastBatchId).toBe(1n);
  });
});
