/**
 * The sequencer and the chain's clock. A chain whose clock runs ahead of the node's (a local chain
 * stamps every block at least a second after the last, so a busy one drifts ahead of the wall
 * clock): the sequencer's batches must still fall within the chain's maxBatchAge when they land —
 * here the chain is moved a thousand seconds ahead, past any batch age the Exchange allows. And
 * an idle exchange: with nothing to sequence the leader still settles an empty batch every
 * quarter of forceDelay, so nobody can freeze an Exchange whose operators are up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http } from 'viem';
import { exchangeAbi } from '@kestrel/contracts';
import { ExchangeChain } from '../../src/chain/exchange.js';
import type { Ledger } from '../../src/store/ledger.js';
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

  it('settles an empty batch when nothing happened for a quarter of forceDelay', async () => {
    const rpc = createPublicClient({ transport: http(fx.rpcUrl) });
    const sequencer = sequencerFor(ledger, chain);
    const before = await chain.lastBatchId();
    await sequencer.tick();
    expect(await chain.lastBatchId()).toBe(before); // nothing to do, no heartbeat due
    await rpc.request({ method: 'evm_increaseTime' as never, params: [6 * 3600] as never });
    await rpc.request({ method: 'evm_mine' as never, params: [] as never });
    await sequencer.tick();
    expect(await chain.lastBatchId()).toBe(before + 1n);
    expect(await rpc.readContract({ address: fx.exchange, abi: exchangeAbi, functionName: 'stalled' })).toBe(false);
  });
});
