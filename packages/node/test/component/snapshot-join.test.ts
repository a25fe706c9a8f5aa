/**
 * Joining from a snapshot on a real chain and real LevelDB stores: a leader settles batches with
 * resting orders and a remembered cancel; a fresh store loads the leader's snapshot over HTTP,
 * checked against the chain's BatchSettled event, and follows the next batch from there (its
 * settlement needs the open orders' signatures). Each way a peer could lie is refused: records
 * that do not hash to the header, a consistent state the chain never settled, a batch it has not
 * settled, a signature not by the order's owner, an open order left out, a stream cut short.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { cancelInput, EIP712_TYPES, Engine, ErrorCode, parseX18, type Hex, type Proposal } from '@kestrel/core';
import { SNAPSHOT_CONTENT_TYPE, SNAPSHOT_PATH } from '@kestrel/api';
import { ExchangeChain } from '../../src/chain/exchange.js';
import { engineConfigOf } from '../../src/chain/exchange.js';
import { Follower } from '../../src/follower/follower.js';
import { Ledger } from '../../src/store/ledger.js';
import { NodeStore } from '../../src/store/store.js';
import { Router, startHttp, StreamBody } from '../../src/api/http.js';
import { SnapshotServer } from '../../src/catchup/snapshot-serve.js';
import { clearInterruptedLoad, joinFromSnapshot, LOADING_KEY, type JoinInit } from '../../src/catchup/snapshot-join.js';
import { recoverAddress } from '../../src/admission/recover.js';
import { createLogger } from '../../src/util/log.js';
import type { Sequencer } from '../../src/sequencer/sequencer.js';
import { tempDir } from '../helpers.js';
import { KEYS, sequencerFor, startChainFixture, sub, type ChainFixture } from './fixture.js';

let fx: ChainFixture;
let chain: ExchangeChain;
let leader: Ledger;
let sequencer: Sequencer;
let snapshots: SnapshotServer;
let api: Server;
let liar: Server;
let apiUrl: string;
let liarUrl: string;
/** what the liar serves under /<variant>/v1/snapshot */
const variants = new Map<string, string>();
const published: Proposal[] = [];
const resting: Hex[] = [];
let cancelHash: Hex;
const log = createLogger('test', 'silent');
const stores: NodeStore[] = [];

async function freshStore(): Promise<NodeStore> {
  const store = await NodeStore.open(tempDir('kestrel-join-'));
  stores.push(store);
  return store;
}

function joinInit(store: NodeStore, peers: string[], waitMs = 5_000): JoinInit {
  return {
    store,
    config: leader.config,
    configBatch: 0n,
    chain,
    peers,
    recover: async (digest, signature) => recoverAddress(digest, signature),
    log,
    waitMs,
    maxBytes: 64 * 1024 * 1024,
  };
}

/** Joins from one variant of the liar's and reports why it was refused (the log's `why`). */
async function refusal(variant: string, waitMs = 5_000): Promise<string | undefined> {
  const lines: string[] = [];
  const store = await freshStore();
  const at = await joinFromSnapshot({ ...joinInit(store, [`${liarUrl}/${variant}`], waitMs), log: createLogger('test', 'warn', (l) => lines.push(l)) });
  expect(at).toBeNull();
  expect(await store.get('meta:lastBatch')).toBeUndefined();
  const line = lines.map((l) => JSON.parse(l) as { why?: string; error?: string }).at(-1);
  return line?.why ?? line?.error;
}

const signAs = (key: Hex, primaryType: 'Cancel', message: Record<string, unknown>) =>
  privateKeyToAccount(key).signTypedData({
    domain: { name: 'Kestrel', version: '1', chainId: 31337, verifyingContract: fx.exchange },
    types: EIP712_TYPES,
    primaryType,
    message,
  } as never);

beforeAll(async () => {
  fx = await startChainFixture();
  chain = new ExchangeChain(fx.rpcUrl, fx.exchange, KEYS.operator);
  ({ ledger: leader } = await fx.openLedger(chain));
  sequencer = sequencerFor(leader, chain, async (p) => {
    published.push(p);
  });
  await sequencer.tick(); // credits the deposits
  // asks and bids that rest, a crossing pair that fills, an order cancelled by a signed cancel
  for (const [price, nonce] of [
    ['2100', 1n],
    ['2200', 2n],
    ['2300', 3n],
  ] as const)
    resting.push(await fx.admitOrder(leader, KEYS.seller, { isBuy: false, price: parseX18(price), amount: parseX18('0.5'), nonce }));
  resting.push(await fx.admitOrder(leader, KEYS.buyer, { price: parseX18('1900'), amount: parseX18('0.5'), nonce: 1n }));
  const doomed = await fx.admitOrder(leader, KEYS.buyer, { price: parseX18('1800'), amount: parseX18('0.5'), nonce: 2n });
  await sequencer.tick();
  await fx.admitOrder(leader, KEYS.buyer, { price: parseX18('2100'), amount: parseX18('0.2'), nonce: 3n });
  const cancel = { subaccount: sub(KEYS.buyer), orderHashes: [doomed], timestamp: BigInt(Math.floor(Date.now() / 1000)) };
  const input = cancelInput(fx.domainSep, cancel, await signAs(KEYS.buyer, 'Cancel', cancel));
  cancelHash = input.hash;
  await leader.admit(input);
  await sequencer.tick();
  expect(await chain.lastBatchId()).toBe(leader.lastBatchId);
  expect(leader.engine.openOrder(doomed)).toBeUndefined();

  const store = (leader as unknown as { store: NodeStore }).store;
  snapshots = new SnapshotServer(store, 1);
  api = await startHttp(
    new Router().on('GET', SNAPSHOT_PATH, () => new StreamBody(SNAPSHOT_CONTENT_TYPE, snapshots.open())),
    '127.0.0.1',
    0,
    log,
  );
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

  // a peer that lies: variants of the honest snapshot
  const honest = await (await fetch(`${apiUrl}${SNAPSHOT_PATH}`)).text();
  const lines = honest.trim().split('\n');
  const header = JSON.parse(lines[0]!) as { batchId: string; stateHash: Hex };
  const body = lines.slice(1, -1).map((l) => JSON.parse(l) as [string, string, string, string?]);
  const trailer = (b: unknown[][]) =>
    JSON.stringify({
      end: true,
      records: b.filter((l) => l[0] === 'r').length,
      orders: b.filter((l) => l[0] === 'o').length,
      cancels: b.filter((l) => l[0] === 'c').length,
    });
  const serve = (h: object, b: unknown[][]) => `${[JSON.stringify(h), ...b.map((l) => JSON.stringify(l)), trailer(b)].join('\n')}\n`;
  // a state of its own making: the honest one plus a deposit the chain never saw, self-consistent
  const forged = Engine.fromRecords(
    leader.config,
    body.filter((l) => l[0] === 'r').map(([, k, v]) => [k, Buffer.from(v.slice(2), 'hex')] as [string, Uint8Array]),
  );
  forged.apply({ kind: 'deposit', requestId: 10_000n, subaccount: sub(KEYS.seller), assetId: 1, amount: parseX18('1000000') });
  const forgedRecords = forged.snapshot().records.map(([k, v]) => ['r', k, v]);
  const others = body.filter((l) => l[0] !== 'r');
  const orderLine = body.findIndex((l) => l[0] === 'o');
  const alien = await privateKeyToAccount(KEYS.buyer).sign({ hash: body[orderLine]![1] as Hex });
  variants.set('honest', honest);
  variants.set('records-off-header', serve(header, [...forgedRecords, ...others]));
  variants.set('never-settled', serve({ ...header, stateHash: forged.stateHash() }, [...forgedRecords, ...others]));
  variants.set('not-yet-settled', serve({ ...header, batchId: String(BigInt(header.batchId) + 5n) }, body));
  variants.set(
    'alien-signature',
    serve(
      header,
      body.map((l, i) => (i === orderLine ? [l[0], l[1], alien, l[3]] : l)),
    ),
  );
  variants.set(
    'order-left-out',
    serve(
      header,
      body.filter((_, i) => i !== orderLine),
    ),
  );
  variants.set('cut-short', lines.slice(0, -1).join('\n'));
  liar = createServer((req, res) => {
    const variant = /^\/([a-z-]+)\/v1\/snapshot$/.exec(req.url ?? '')?.[1];
    const text = variant === undefined ? undefined : variants.get(variant);
    res.writeHead(text === undefined ? 404 : 200, { 'content-type': SNAPSHOT_CONTENT_TYPE });
    res.end(text ?? '');
  });
  await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
  liarUrl = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((r) => api?.close(r));
  await new Promise((r) => liar?.close(r));
  for (const s of stores) await s.close();
  await fx?.stop();
});

describe('joining from a snapshot', () => {
  it('loads the state the chain settled, with the open orders’ signatures and the remembered cancels, and follows from there', async () => {
    const store = await freshStore();
    // the first peer serves nothing: the next one is asked
    const at = await joinFromSnapshot(joinInit(store, [`${liarUrl}/nothing`, apiUrl]));
    expect(at).toBe(leader.lastBatchId);
    const joined = await Ledger.open(engineConfigOf(await chain.listing()), fx.domainSep, store);
    expect(joined.lastBatchId).toBe(leader.lastBatchId);
    expect(joined.stateHash).toBe(leader.stateHash);
    expect(joined.requestCursor).toBe(leader.requestCursor);
    expect(joined.lastTimestamp).toBe(leader.lastTimestamp);
    for (const h of resting) {
      expect(joined.engine.openOrder(h)).toEqual(leader.engine.openOrder(h));
      expect(joined.signedOrder(h)?.signature).toBe(leader.signedOrder(h)?.signature);
    }
    expect(joined.cancelSeen(cancelHash)).toBe(true);
    // the history before the snapshot is not on this node
    expect(await joined.batch(1n)).toBeUndefined();

    // the next batch fills a resting ask: the joined node applies it and builds its settlement
    const follower = new Follower({ ledger: joined, chain, log, syncFrom: [], pollIntervalMs: 1000, feeds: new Map() });
    await fx.admitOrder(leader, KEYS.buyer, { price: parseX18('2200'), amount: parseX18('0.5'), nonce: 4n });
    await sequencer.tick();
    const next = published.at(-1)!;
    expect(next.batchId).toBe(at! + 1n);
    expect(await follower.apply(next)).toBe('applied');
    expect(joined.stateHash).toBe(leader.stateHash);
    expect((await joined.batch(next.batchId))?.settlement?.fills.length).toBeGreaterThan(0);
    await follower.stop();
  });

  it('refuses records that do not hash to the state they announce', async () => {
    expect(await refusal('records-off-header')).toMatch(/its records hash to 0x[0-9a-f]{64}, not the/);
  });

  it('refuses a consistent state the chain never settled', async () => {
    expect(await refusal('never-settled')).toMatch(/the chain settled batch \d+ with state/);
  });

  it('waits for the chain to settle the batch, and gives up after the wait', async () => {
    expect(await refusal('not-yet-settled', 600)).toMatch(/the chain did not settle batch \d+ within 600 ms/);
  });

  it('refuses a signature that is not by the order’s owner or linked signer', async () => {
    expect(await refusal('alien-signature')).toMatch(/signature is not its subaccount's/);
  });

  it('refuses a snapshot that leaves an open order’s signature out', async () => {
    expect(await refusal('order-left-out')).toMatch(/it signs \d+ open orders of \d+/);
  });

  it('refuses a stream cut short', async () => {
    expect(await refusal('cut-short')).toMatch(/ended before its trailer/);
  });

  it('serves a bounded number of streams at once, and none before the first batch', async () => {
    const first = snapshots.open();
    await first.next();
    expect(() => snapshots.open()).toThrow(expect.objectContaining({ code: ErrorCode.RATE_LIMITED }));
    const res = await fetch(`${apiUrl}${SNAPSHOT_PATH}`);
    expect(res.status).toBe(429);
    await first.return(undefined);
    expect((await fetch(`${apiUrl}${SNAPSHOT_PATH}`)).status).toBe(200);

    const empty = new SnapshotServer(await freshStore(), 1);
    await expect(empty.open().next()).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('clears a load a crash interrupted, so the store starts empty', async () => {
    const store = await freshStore();
    await store.write([
      { put: LOADING_KEY, value: '3' },
      { put: 'rec:globals', value: '0x00' },
      { put: 'order:0x01', value: { signature: '0x02', batchId: 1n } },
    ]);
    await clearInterruptedLoad(store, log);
    expect(await store.get(LOADING_KEY)).toBeUndefined();
    expect(await store.get('rec:globals')).toBeUndefined();
    expect(await store.get('order:0x01')).toBeUndefined();
    const ledger = await Ledger.open(leader.config, fx.domainSep, store);
    expect(ledger.lastBatchId).toBe(0n);
  });
});
