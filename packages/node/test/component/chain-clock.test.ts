/**
 * A chain whose clock runs ahead of the node's (a local chain stamps every block at least a second
 * after the last, so a busy one drifts ahead of the wall clock): the sequencer's batches must
 * still fall within the chain's maxBatchAge when they land. Here the chain is moved a thousand
 * seconds ahead, past any batch age the Exchange allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http } from 'viem';
import { ExchangeChain } from '../../src/chain/exchange.js';
import type { Ledger } from '../../src/ledger.js';
import { KEYS, sequencerFor, startChainFixture, type ChainFixture } from './fixture.js';

let fx: ChainFixture;
let chain: ExchangeChain;
let ledger: Ledger;

beforeAll(async () => {
  fx = await startChainFixture();
  chain = new ExchangeChain(fx.rpcUrl, fx.exchange, KEYS.operator);
  ({ ledger } = await fx.openLedger(chain));
});

afterAll(async () => {
  await fx?.stop();
});

describe('a chain clock ahead of the node', () => {
  it('still takes the batches the sequencer builds', async () => {
    const rpc = createPublicClient({ transport: http(fx.rpcUrl) });
    await rpc.request({ method: 'evm_increaseTime' as never, params: [1000] as never });
    await rpc.request({ method: 'evm_mine' as never, params: [] as never });
    await sequencerFor(ledger, chain).tick(); // the deposits queued by the fixture
    expect(await chain.lastBatchId()).toBe(1n);
    expect(ledger.lastBatchId).toBe(1n);
    const block = (await rpc.getBlock()).timestamp;
    expect(block - ledger.lastTimestamp).toBeLessThanOrEqual(await chain.listing().then((l) => l.maxBatchAge));
  });
});
