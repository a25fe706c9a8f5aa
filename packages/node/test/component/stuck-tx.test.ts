/**
 * The operator's settlement transactions on a chain that stops mining, or whose answers are lost:
 * one version of a batch's transaction lands, at one nonce, and a batch the chain settled is never
 * undone. anvil's mining is paused for real (automine off); the one fault that cannot be made for
 * real — the chain moving between the sequencer's read of it and its send — is a chain whose
 * first read of the batch height answers the height before the last send landed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { parseX18, type SettlementArgs } from '@kestrel/core';
import { ExchangeChain } from '../../src/chain/exchange.js';
import { poolRefusal } from '../../src/chain/send-tx.js';
import type { Ledger } from '../../src/store/ledger.js';
import { KEYS, sequencerFor, startChainFixture, statusOf, type ChainFixture } from './fixture.js';

let fx: ChainFixture;
let testClient: ReturnType<typeof createTestClient>;
const operator = privateKeyToAccount(KEYS.operator).address;
const POLICY = { replaceAfterMs: 600, feeBumpPercent: 25, maxFeeBumps: 8 };

beforeAll(async () => {
  fx = await startChainFixture();
  testClient = createTestClient({ chain: foundry, mode: 'anvil', transport: http(fx.rpcUrl) });
});

afterAll(async () => {
  await testClient?.setAutomine(true).catch(() => undefined);
  await fx?.stop();
});

/** The operator's transactions waiting in anvil's pool: nonce → maxFeePerGas. */
async function pooled(): Promise<Map<number, bigint>> {
  const content = (await testClient.request({ method: 'txpool_content' } as never)) as {
    pending: Record<string, Record<string, { maxFeePerGas?: Hex; gasPrice?: Hex }>>;
  };
  const mine = Object.entries(content.pending).find(([from]) => from.toLowerCase() === operator.toLowerCase())?.[1] ?? {};
  return new Map(Object.entries(mine).map(([nonce, tx]) => [Number(nonce), BigInt(tx.maxFeePerGas ?? tx.gasPrice ?? '0x0')]));
}

const nonceOf = () => testClient.request({ method: 'eth_getTransactionCount', params: [operator, 'latest'] } as never).then((n) => Number(n));

async function until<T>(what: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a stuck settlement', () => {
  let ledger: Ledger;
  let chain: ExchangeChain;

  it('is replaced at its nonce with higher fees until one version is mined, and the batch is not undone', async () => {
    chain = new ExchangeChain(fx.rpcUrl, fx.exchange, KEYS.operator, POLICY);
    ({ ledger } = await fx.openLedger(chain));
    const sequencer = sequencerFor(ledger, chain);
    await sequencer.tick(); // credits the deposits
    expect(await chain.lastBatchId()).toBe(1n);

    const ask = await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 1n, price: parseX18('2000') });
    await fx.admitOrder(ledger, KEYS.buyer, { nonce: 1n, price: parseX18('2000') });
    const nonce = await nonceOf();
    await testClient.setAutomine(false);
    const tick = sequencer.tick();
    // the first version waits in the pool, then a replacement at the same nonce pays more
    const first = await until(async () => (await pooled()).get(nonce));
    const replaced = await until(async () => {
      const fee = (await pooled()).get(nonce);
      return fee !== undefined && fee > first ? fee : undefined;
    });
    expect(replaced).toBeGreaterThanOrEqual(first + (first * 25n) / 100n);
    const pool = await pooled();
    expect([...pool.keys()]).toEqual([nonce]); // never a second nonce
    await testClient.mine({ blocks: 1 });
    await testClient.setAutomine(true);
    await tick;

    expect(await nonceOf()).toBe(nonce + 1);
    expect(await chain.lastBatchId()).toBe(2n);
    expect(ledger.lastBatchId).toBe(2n);
    expect(ledger.lastSettledBatchId).toBe(2n);
    expect(await chain.lastStateHash()).toBe(ledger.stateHash.toLowerCase());
    expect(await statusOf(ledger, ask)).toBe('filled');
    expect((await ledger.batch(2n))?.txHash).toMatch(/^0x[0-9a-f]{64}$/);

    // and the exchange goes on
    await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 2n, price: parseX18('2000') });
    await fx.admitOrder(ledger, KEYS.buyer, { nonce: 2n, price: parseX18('2000') });
    await sequencer.tick();
    expect(await chain.lastBatchId()).toBe(3n);
  });

  it('keeps a batch whose send it took for lost when the chain settled it meanwhile, rather than undoing it', async () => {
    /** the chain as the sequencer sees it: the send lands but its answer is lost; the next read of the height is from before it */
    class LosingChain extends ExchangeChain {
      lose = false;
      stale: bigint | null = null;
      override async submit(a: SettlementArgs, estimate?: bigint) {
        const r = await super.submit(a, estimate);
        if (!this.lose) return r;
        this.lose = false;
        this.stale = a.batchId - 1n;
        throw new Error('the RPC dropped the answer');
      }
      override async lastBatchId(): Promise<bigint> {
        const stale = this.stale;
        this.stale = null;
        return stale ?? super.lastBatchId();
      }
    }
    const losing = new LosingChain(fx.rpcUrl, fx.exchange, KEYS.operator, POLICY);
    const sequencer = sequencerFor(ledger, losing);
    const ask = await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 3n, price: parseX18('2000') });
    await fx.admitOrder(ledger, KEYS.buyer, { nonce: 3n, price: parseX18('2000') });
    losing.lose = true;
    await expect(sequencer.tick()).rejects.toThrow(/dropped the answer/);
    expect(await chain.lastBatchId()).toBe(4n); // it landed

    // the next tick reads the old height, sends batch 4 again: the chain refuses it (already settled)
    await sequencer.tick();
    expect(ledger.lastBatchId).toBe(4n); // not undone
    expect(ledger.lastSettledBatchId).toBe(4n);
    expect(await statusOf(ledger, ask)).toBe('filled');
    expect(await chain.lastStateHash()).toBe(ledger.stateHash.toLowerCase());
    expect((await ledger.batch(4n))?.txHash).toMatch(/^0x[0-9a-f]{64}$/);

    await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 4n, price: parseX18('2000') });
    await fx.admitOrder(ledger, KEYS.buyer, { nonce: 4n, price: parseX18('2000') });
    await sequencer.tick();
    expect(await chain.lastBatchId()).toBe(5n);
    expect(ledger.lastBatchId).toBe(5n);
  });
});

describe('a pool refusal', () => {
  it('is read for what it says about the nonce, through nested causes', () => {
    const table: Array<[unknown, ReturnType<typeof poolRefusal>]> = [
      [new Error('nonce too low'), 'nonce-used'],
      [{ message: 'request failed', cause: { details: 'Nonce too low. Expected nonce to be 7 but got 6.' } }, 'nonce-used'],
      [new Error('replacement transaction underpriced'), 'underpriced'],
      [{ cause: { message: 'transaction underpriced: tip needed 2, tip permitted 1' } }, 'underpriced'],
      [new Error('already known'), 'known'],
      [new Error('fetch failed'), null],
      [undefined, null],
    ];
    for (const [err, want] of table) expect(poolRefusal(err)).toBe(want);
  });
});
