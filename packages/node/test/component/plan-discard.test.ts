/**
 * A risk plan the chain refuses is discarded for good: the sequencer leaves it out of the batch
 * and the ledger removes it from the mempool and from disk, so a restart does not bring it back.
 * The refusal is injected (a chain view whose simulation refuses any batch carrying a plan): an
 * honest node's prechecks make the contract's plan refusal unreachable for real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { riskPlanDigest, riskPlanInput, type RiskPlan, type SettlementArgs } from '@kestrel/core';
import { ExchangeChain, type SimulationResult } from '../../src/chain/exchange.js';
import { Ledger } from '../../src/store/ledger.js';
import type { NodeStore } from '../../src/store/store.js';
import { KEYS, statusOf, restoreMempool, sequencerFor, startChainFixture, sub, type ChainFixture } from './fixture.js';

class PlanRefusingChain extends ExchangeChain {
  override async simulate(a: SettlementArgs): Promise<SimulationResult> {
    return a.plans.length > 0 ? { ok: false, error: 'InvalidBatch', args: [6] } : super.simulate(a);
  }
}

let fx: ChainFixture;
let chain: PlanRefusingChain;
let ledger: Ledger;
let store: NodeStore;

beforeAll(async () => {
  fx = await startChainFixture();
  chain = new PlanRefusingChain(fx.rpcUrl, fx.exchange, KEYS.operator);
  ({ ledger, store } = await fx.openLedger(chain));
  await sequencerFor(ledger, chain).tick(); // credits the deposits
});

afterAll(async () => {
  await fx?.stop();
});

describe('a refused plan', () => {
  it('leaves the mempool for good: after a restart it is still gone', async () => {
    const plan: RiskPlan = { subaccount: sub(KEYS.seller), marketOrder: [3], maxSlippageBps: 100, graceSeconds: 60, nonce: 1n };
    const input = riskPlanInput(fx.domainSep, plan, await privateKeyToAccount(KEYS.seller).sign({ hash: riskPlanDigest(fx.domainSep, plan) }));
    await ledger.admit(input);
    const ask = await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 5n });
    const before = ledger.lastBatchId;
    await sequencerFor(ledger, chain).tick();
    expect(ledger.lastBatchId).toBe(before + 1n); // the batch went on without it
    expect(await statusOf(ledger, ask)).toBe('open');
    expect(ledger.mempool.has(input.hash)).toBe(false);
    expect(ledger.engine.riskPlan(sub(KEYS.seller))).toBeUndefined();

    const reopened = await Ledger.open(ledger.config, ledger.domainSep, store);
    expect(await restoreMempool(reopened)).toEqual({ restored: 0, dropped: 0 }); // nothing was left on disk
    expect(reopened.mempool.has(input.hash)).toBe(false);
  });
});
