/**
 * The sequencer's rebuild path, on a real chain: when the contract would refuse an order the
 * engine accepted, the batch is undone and rebuilt without it. The refusal comes from a race that
 * a test cannot time for real — an on-chain `cancelUpTo` mined after the sequencer read the
 * request queue — so the one fault injected is a chain view whose queue length lags by one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http } from 'viem';
import { exchangeAbi } from '@kestrel/contracts';
import { parseX18 } from '@kestrel/core';
import { ExchangeChain } from '../../src/chain/exchange.js';
import type { Ledger } from '../../src/store/ledger.js';
import type { Sequencer } from '../../src/sequencer/sequencer.js';
import { KEYS, statusOf, sequencerFor, startChainFixture, sub, type ChainFixture } from './fixture.js';

class LaggingChain extends ExchangeChain {
  lag = 0n;
  override async requestCount(): Promise<bigint> {
    return (await super.requestCount()) - this.lag;
  }
}

let fx: ChainFixture;
let chain: LaggingChain;
let ledger: Ledger;
let sequencer: Sequencer;

beforeAll(async () => {
  fx = await startChainFixture();
  chain = new LaggingChain(fx.rpcUrl, fx.exchange, KEYS.operator);
  ({ ledger } = await fx.openLedger(chain));
  sequencer = sequencerFor(ledger, chain);
  await sequencer.tick(); // credits the deposits
});

afterAll(async () => {
  await fx?.stop();
});

describe('sequencer rebuild', () => {
  it('drops a resting order the chain no longer settles, and refuses a new one, without losing the rest', async () => {
    expect(ledger.engine.balance(sub(KEYS.seller), 1)).toBe(parseX18('10'));
    const ask = await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 5n });
    await sequencer.tick();
    expect(await statusOf(ledger, ask)).toBe('open');

    // the seller cancels on chain; the sequencer has not seen the request yet
    await fx.send(KEYS.seller, fx.exchange, exchangeAbi, 'cancelUpTo', [sub(KEYS.seller), 10n]);
    chain.lag = 1n;
    const batchBefore = ledger.lastBatchId;
    const bid = await fx.admitOrder(ledger, KEYS.buyer, { nonce: 1n });
    await sequencer.tick();

    // the maker was dropped instead of filled; the bid rests; the batch landed
    expect(await statusOf(ledger, ask)).toBe('cancelled');
    expect(await statusOf(ledger, bid)).toBe('open');
    expect(ledger.lastBatchId).toBe(batchBefore + 1n);
    expect(await chain.lastBatchId()).toBe(ledger.lastBatchId);
    const rec = await ledger.batch(ledger.lastBatchId);
    expect(rec?.proposal.inputs[0]).toEqual({ type: 'drop', hash: ask });
    expect(rec?.settlement?.fills).toEqual([]);

    // a new sell below the on-chain minimum nonce crosses the bid: the chain refuses it as taker
    const late = await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 3n });
    await sequencer.tick();
    expect(ledger.rejectCode(late)).toBe('NONCE_USED');
    expect(ledger.engine.getOrder(late)).toBeUndefined();
    expect(ledger.mempool.has(late)).toBe(false);
    expect(await statusOf(ledger, bid)).toBe('open');

    // once the request is seen, the engine applies the cancel in sequence like the chain did
    chain.lag = 0n;
    const fresh = await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 4n, price: parseX18('2100') });
    await sequencer.tick();
    expect(ledger.engine.minNonce(sub(KEYS.seller))).toBe(10n);
    expect(await statusOf(ledger, fresh)).toBe('rejected');
    expect(await chain.lastBatchId()).toBe(ledger.lastBatchId);
    // nothing moved on chain: no fill ever settled
    const pub = createPublicClient({ transport: http(fx.rpcUrl) });
    const weth = await pub.readContract({ address: fx.exchange, abi: exchangeAbi, functionName: 'balanceOf', args: [sub(KEYS.seller), 1] });
    expect(weth).toBe(parseX18('10'));
  });
});
