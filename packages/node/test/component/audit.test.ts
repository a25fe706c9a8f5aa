/**
 * The audit of settled batches on a real chain: a leader settles batches that credit deposits,
 * pay a withdrawal and refuse one the account cannot cover; the audit reads the Exchange's events
 * and finds every batch's outcome the engine's. Then the two ways the engine and the chain can
 * part — an outcome told otherwise (a withdrawal the chain refused where the engine paid), a batch
 * built on a state the chain settled otherwise — each halt the node with both sides as evidence.
 * What the engine stored is altered by hand: an engine and a contract that disagree cannot be
 * produced on purpose from outside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUnits, type Hex } from 'viem';
import { exchangeAbi } from '@kestrel/contracts';
import type { DivergenceWire } from '@kestrel/api';
import { ExchangeChain } from '../../src/chain/exchange.js';
import { AUDIT_CURSOR_KEY, SettledBatchAudit } from '../../src/audit/audit.js';
import type { Ledger } from '../../src/store/ledger.js';
import type { BatchRecord } from '../../src/store/records.js';
import { createLogger } from '../../src/util/log.js';
import type { Sequencer } from '../../src/sequencer/sequencer.js';
import { KEYS, sequencerFor, startChainFixture, sub, type ChainFixture } from './fixture.js';

let fx: ChainFixture;
let chain: ExchangeChain;
let leader: Ledger;
let sequencer: Sequencer;
const log = createLogger('test', 'silent');
const WETH = 1; // the devnet's asset ids: USDC 0, WETH 1

beforeAll(async () => {
  fx = await startChainFixture();
  chain = new ExchangeChain(fx.rpcUrl, fx.exchange, KEYS.operator);
  ({ ledger: leader } = await fx.openLedger(chain));
  sequencer = sequencerFor(leader, chain);
  await sequencer.tick(); // credits the deposits
  // one withdrawal the seller's 10 WETH covers, one it does not
  await fx.send(KEYS.seller, fx.exchange, exchangeAbi, 'requestWithdrawal', [sub(KEYS.seller), WETH, parseUnits('4', 18)]);
  await fx.send(KEYS.seller, fx.exchange, exchangeAbi, 'requestWithdrawal', [sub(KEYS.seller), WETH, parseUnits('7', 18)]);
  await sequencer.tick();
  expect(await chain.lastBatchId()).toBe(leader.lastBatchId);
}, 120_000);

afterAll(async () => {
  await fx?.stop();
});

/** An audit of the leader's log as `alter` rewrites its records; what it halted with. */
function auditOf(alter: (rec: BatchRecord) => BatchRecord, cursor = new Map<string, unknown>()) {
  const halts: DivergenceWire[] = [];
  const audit = new SettledBatchAudit({
    publicClient: chain.publicClient,
    exchange: fx.exchange,
    ledger: {
      get lastBatchId() {
        return leader.lastBatchId;
      },
      batch: async (id) => {
        const rec = await leader.batch(id);
        return rec && alter(structuredClone(rec));
      },
    },
    store: {
      get: async <T>(k: string) => cursor.get(k) as T | undefined,
      write: async (ops) => {
        for (const o of ops) if ('put' in o) cursor.set(o.put, o.value);
      },
    },
    log,
    halt: (d) => halts.push(d),
  });
  return { audit, halts, cursor };
}

describe('the audit of settled batches', () => {
  it('finds every settled batch as the engine applied it: deposits, a withdrawal paid and one refused', async () => {
    const last = (await leader.batch(leader.lastBatchId))!;
    const seller = sub(KEYS.seller).toLowerCase();
    expect(last.outcome!.filter((l) => l.startsWith('withdraw'))).toEqual([
      expect.stringMatching(new RegExp(`^withdrawalRejected\\|\\d+\\|${seller}\\|${WETH}\\|${parseUnits('7', 18)}$`)),
      expect.stringMatching(new RegExp(`^withdrawn\\|\\d+\\|${seller}\\|${WETH}\\|${parseUnits('4', 18)}$`)),
    ]);
    const { audit, halts, cursor } = auditOf((r) => r);
    await audit.round();
    expect(halts).toEqual([]);
    expect(audit.lastAudited).toBe(leader.lastBatchId);
    // where it reads on from is kept, so a restart goes on from there
    expect(cursor.get(AUDIT_CURSOR_KEY)).toBe((await chain.publicClient.getBlockNumber()) + 1n);
  });

  it('halts when the chain tells another outcome than the engine: both sides are the evidence', async () => {
    const { audit, halts } = auditOf((r) => ({
      ...r,
      outcome: r.outcome!.map((l) => (l.startsWith('withdrawalRejected|') ? l.replace('withdrawalRejected', 'withdrawn') : l)).sort(),
    }));
    await audit.round();
    expect(halts).toHaveLength(1);
    const d = halts[0]!;
    expect(d.batchId).toBe(String(leader.lastBatchId));
    expect(d.reason).toMatch(/events for the batch differ/);
    expect(d.evidence!.chain).toHaveLength(1);
    expect(d.evidence!.chain[0]).toMatch(/^withdrawalRejected\|/);
    expect(d.evidence!.node[0]).toMatch(/^withdrawn\|/);
    expect(d.evidence!.txHash).toBe(await chain.settlementTx(leader.lastBatchId));
    // halted: it reads nothing more
    await audit.round();
    expect(halts).toHaveLength(1);
  });

  it('halts when a batch this node built on was settled with another state, and waits on its tentative last one', async () => {
    const other = `0x${'ab'.repeat(32)}` as Hex;
    const last = auditOf((r) => (r.proposal.batchId === leader.lastBatchId ? { ...r, proposal: { ...r.proposal, stateHash: other } } : r));
    await last.audit.round();
    expect(last.halts).toEqual([]);
    expect(last.audit.lastAudited).toBe(leader.lastBatchId - 1n);
    const earlier = auditOf((r) => (r.proposal.batchId === 1n ? { ...r, proposal: { ...r.proposal, stateHash: other } } : r));
    await earlier.audit.round();
    expect(earlier.halts).toHaveLength(1);
    expect(earlier.halts[0]).toMatchObject({ batchId: '1', got: other, reason: expect.stringMatching(/another state/) });
  });

  it('leaves a halted node sequencing nothing, its inputs kept for when it is back', async () => {
    let halted = true;
    const halting = sequencerFor(leader, chain, undefined, { halted: () => halted });
    const before = leader.lastBatchId;
    const bid = await fx.admitOrder(leader, KEYS.buyer, { price: parseUnits('1500', 18), nonce: 77n });
    await halting.tick();
    expect(leader.lastBatchId).toBe(before);
    expect(halting.leading).toBe(false);
    expect(leader.mempool.has(bid)).toBe(true);
    halted = false;
    await halting.tick();
    expect(leader.lastBatchId).toBe(before + 1n);
    expect(leader.engine.openOrder(bid)).toBeDefined();
  });
});
