/**
 * A follower behind its leader catches up one batch at a time from a peer's batch log: however
 * many gossiped proposals report a gap meanwhile (each asks for a catch-up), one catch-up runs,
 * and each batch is fetched once — not once per gap, which made a lagging follower fall further
 * behind. And a reading of the chain that straddles a settlement is no reason to halt.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { proposalDigest, type Hex, type Proposal } from '@kestrel/core';
import { batchResponse } from '../../src/api/batch-view.js';
import type { ExchangeChain } from '../../src/chain/exchange.js';
import { Follower } from '../../src/follower/follower.js';
import { Ledger } from '../../src/store/ledger.js';
import { NodeStore } from '../../src/store/store.js';
import { createLogger } from '../../src/util/log.js';
import { SPOT_CONFIG, tempDir } from '../helpers.js';

const DOMAIN = `0x${'11'.repeat(32)}` as Hex;
const OPERATOR = privateKeyToAccount(`0x${'33'.repeat(32)}`);
const BATCHES = 5;

const stores: NodeStore[] = [];
let leader: Ledger;
let server: Server;
/** GET /v1/batches/:id requests the leader's log answered, by id */
const fetched = new Map<string, number>();

async function ledger(): Promise<Ledger> {
  const store = await NodeStore.open(tempDir('kestrel-catch-up-'));
  stores.push(store);
  return Ledger.open(SPOT_CONFIG, DOMAIN, store);
}

/** The leader commits its next batch (empty but for the time), signed by the operator. */
async function leaderBatch(): Promise<void> {
  const n = leader.lastBatchId + 1n;
  const body = { batchId: n, timestamp: 1_000n + n, requestCursor: 0n, prices: [], funding: [], requests: [], inputs: [], prevStateHash: leader.stateHash };
  const applied = leader.tryApply(body);
  const unsigned = { ...body, stateHash: applied.stateHash };
  const p: Proposal = { ...unsigned, signature: await OPERATOR.sign({ hash: proposalDigest(DOMAIN, unsigned) }) };
  await leader.commit(p, applied.events, null);
}

beforeAll(async () => {
  leader = await ledger();
  for (let n = 0; n < BATCHES; n++) await leaderBatch();
  // the leader's batch log over HTTP, as GET /v1/batches/:id serves it, a little slow as a loaded node is
  server = createServer((req, res) => {
    const id = /^\/v1\/batches\/(\d+)$/.exec(req.url ?? '')?.[1] ?? '?';
    fetched.set(id, (fetched.get(id) ?? 0) + 1);
    setTimeout(() => {
      void leader.batch(BigInt(id === '?' ? -1 : id)).then((rec) => {
        res.writeHead(rec ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(rec ? batchResponse(rec) : { error: { code: 'NOT_FOUND' } }));
      });
    }, 20);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await Promise.all(stores.map((s) => s.close()));
});

describe('follower catch-up', () => {
  it('runs one catch-up at a time however often a gap asks for one, fetching each batch once', async () => {
    const own = await ledger();
    // the chain settled all the leader's batches; the proposals are signed by an operator
    const chain = {
      lastSettled: async () => ({ batchId: BigInt(BATCHES), stateHash: leader.stateHash.toLowerCase() }),
      lastBatchId: async () => BigInt(BATCHES),
      isOperator: async (a: string) => a === OPERATOR.address.toLowerCase(),
      requestCount: async () => 0n,
    } as unknown as ExchangeChain;
    const syncFrom = [`http://127.0.0.1:${(server.address() as AddressInfo).port}`];
    const follower = new Follower({ ledger: own, chain, log: createLogger('test', 'silent'), syncFrom, pollIntervalMs: 60_000, feeds: new Map() });
    // ten gossiped proposals found a gap while the first catch-up ran
    await Promise.all(Array.from({ length: 10 }, () => follower.catchUp()));
    expect(own.lastBatchId).toBe(BigInt(BATCHES));
    expect(own.stateHash).toBe(leader.stateHash);
    expect(follower.diverged).toBeNull();
    // each batch once; the one past the head (not there yet) once by the first run and once by the
    // run the other calls asked for
    expect(Object.fromEntries(fetched)).toEqual({ '1': 1, '2': 1, '3': 1, '4': 1, '5': 1, '6': 2 });
    await follower.stop();
  });

  it('does not halt when the chain settles the next batch between its reads of the chain', async () => {
    const own = await ledger();
    const settledHashes = new Map<bigint, string>([[leader.lastBatchId, leader.stateHash.toLowerCase()]]);
    // the chain as this follower's reads see it: each read of the settled height is followed at
    // once by the settlement of the leader's next batch
    let height = leader.lastBatchId;
    const advance = (): void => {
      if (height < leader.lastBatchId) height++;
    };
    const chain = {
      lastBatchId: async () => {
        const h = height;
        advance();
        return h;
      },
      lastStateHash: async () => settledHashes.get(height),
      lastSettled: async () => {
        const read = { batchId: height, stateHash: settledHashes.get(height)! };
        advance();
        return read;
      },
      isOperator: async (a: string) => a === OPERATOR.address.toLowerCase(),
      requestCount: async () => 0n,
    } as unknown as ExchangeChain;
    const syncFrom = [`http://127.0.0.1:${(server.address() as AddressInfo).port}`];
    const follower = new Follower({ ledger: own, chain, log: createLogger('test', 'silent'), syncFrom, pollIntervalMs: 60_000, feeds: new Map() });
    await follower.catchUp();
    expect(own.lastBatchId).toBe(leader.lastBatchId);
    // the leader settles another batch: the follower's next reading of the chain straddles it
    await leaderBatch();
    settledHashes.set(leader.lastBatchId, leader.stateHash.toLowerCase());
    await follower.catchUp();
    expect(follower.diverged).toBeNull();
    expect(own.lastBatchId).toBe(leader.lastBatchId);
    expect(own.stateHash).toBe(leader.stateHash);
    await follower.stop();
  });
});
