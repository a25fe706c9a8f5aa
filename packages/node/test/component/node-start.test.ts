/**
 * What a node knows of the chain before its API answers: a restarted node must not tell a client
 * that an order the chain settled is still pending while its first catch-up round is in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExchangeChain } from '../../src/chain/exchange.js';
import { resolveConfig } from '../../src/config.js';
import { KestrelNode } from '../../src/node.js';
import { tempDir } from '../helpers.js';
import { KEYS, sequencerFor, startChainFixture, type ChainFixture } from './fixture.js';

let fx: ChainFixture;
let chain: ExchangeChain;

beforeAll(async () => {
  fx = await startChainFixture();
  chain = new ExchangeChain(fx.rpcUrl, fx.exchange, KEYS.operator);
  const { ledger } = await fx.openLedger(chain);
  await sequencerFor(ledger, chain).tick(); // settles batch 1 (the deposits)
  expect(await chain.lastBatchId()).toBe(1n);
});

afterAll(async () => {
  await fx?.stop();
});

describe('node start', () => {
  it.each(['follower', 'sequencer'] as const)('a %s knows the chain’s settled batch before its API answers', async (role) => {
    const config = resolveConfig({
      settings: {
        name: `start-${role}`,
        role,
        rpcUrl: fx.rpcUrl,
        exchange: fx.exchange,
        ...(role === 'sequencer' ? { operatorKey: KEYS.operator, batchIntervalMs: 60_000 } : {}),
        dataDir: tempDir(`kestrel-start-${role}-`),
        apiPort: 0,
        logLevel: 'silent',
      },
    });
    const node = await KestrelNode.start(config);
    try {
      // read at once: no catch-up round or sequencer tick has had time to run
      expect(node.ledger.lastSettledBatchId).toBe(1n);
    } finally {
      await node.stop();
    }
  });
});
