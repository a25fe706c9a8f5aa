/**
 * Gas for a settlement, on a real chain. A gas estimate is the minimum for the block it ran in,
 * and the block a batch lands in can need more: `settleBatch` rewrites a slot with the block's
 * timestamp, which costs more once the second has changed. That cannot be timed from outside, so
 * the one fault injected is an estimate too low for the landing block: a JSON-RPC proxy in front
 * of anvil lowers the `eth_estimateGas` answers by a chosen amount; everything else is real.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExchangeChain } from '../../src/chain/exchange.js';
import type { Ledger } from '../../src/store/ledger.js';
import type { Sequencer } from '../../src/sequencer/sequencer.js';
import { parseX18 } from '@kestrel/core';
import { KEYS, statusOf, sequencerFor, startChainFixture, type ChainFixture } from './fixture.js';

let fx: ChainFixture;
let proxy: Server;
/** what the proxy answers to eth_estimateGas instead of the real estimate (null: the real one) */
let lower: ((estimate: bigint) => bigint) | null = null;
let chain: ExchangeChain;
let ledger: Ledger;
let sequencer: Sequencer;

interface RpcCall {
  method: string;
  params?: Array<{ gas?: string }>;
}

type RpcAnswer = { result?: unknown; error?: unknown };

/** One call's answer, with the gas lowered where it estimates gas for a transaction that names none. */
function lowered(call: RpcCall, answer: RpcAnswer): RpcAnswer {
  if (lower === null || call.params?.[0]?.gas !== undefined) return answer;
  const low = (hex: string): string => `0x${lower!(BigInt(hex)).toString(16)}`;
  if (call.method === 'eth_estimateGas' && typeof answer.result === 'string') answer.result = low(answer.result);
  const used = call.method === 'eth_createAccessList' ? (answer.result as { gasUsed?: string } | undefined) : undefined;
  if (used?.gasUsed !== undefined) used.gasUsed = low(used.gasUsed);
  const tx = call.method === 'eth_fillTransaction' ? (answer.result as { tx?: { gas?: string } } | undefined)?.tx : undefined;
  if (tx?.gas !== undefined) tx.gas = low(tx.gas);
  return answer;
}

/** while set, the proxy answers `eth_sendRawTransactionSync` and `eth_createAccessList` as an RPC without them does */
let plainRpc = false;
const HIDDEN = new Set(['eth_sendRawTransactionSync', 'eth_createAccessList']);
/** the methods the proxy forwarded */
const seen: string[] = [];
const methodMissing = (method: string, id: unknown) => ({
  jsonrpc: '2.0',
  id,
  error: { code: -32601, message: `the method ${method} does not exist/is not available` },
});

/**
 * Forwards one JSON-RPC body (a call or a batch of calls) to anvil; lowers the gas it estimates
 * for a transaction that names none (the node asks with `eth_createAccessList`, viem with
 * `eth_fillTransaction` or `eth_estimateGas`).
 */
async function forward(rpcUrl: string, body: string): Promise<string> {
  const calls = JSON.parse(body) as (RpcCall & { id?: unknown }) | Array<RpcCall & { id?: unknown }>;
  for (const c of [calls].flat()) seen.push(c.method);
  // each call of a batch forwarded alone, so that one can be answered as an RPC without its method would
  const answerOf = async (c: RpcCall & { id?: unknown }): Promise<RpcAnswer> => {
    if (plainRpc && HIDDEN.has(c.method)) return methodMissing(c.method, c.id);
    const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(c) });
    return lowered(c, JSON.parse(await res.text()) as RpcAnswer);
  };
  return JSON.stringify(Array.isArray(calls) ? await Promise.all(calls.map(answerOf)) : await answerOf(calls));
}

beforeAll(async () => {
  fx = await startChainFixture();
  proxy = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      void forward(fx.rpcUrl, body).then(
        (text) => res.writeHead(200, { 'content-type': 'application/json' }).end(text),
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  chain = new ExchangeChain(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, fx.exchange, KEYS.operator);
  ({ ledger } = await fx.openLedger(chain));
  sequencer = sequencerFor(ledger, chain);
  await sequencer.tick(); // credits the deposits
  expect(await chain.lastBatchId()).toBe(ledger.lastBatchId);
});

afterAll(async () => {
  await new Promise((r) => proxy?.close(r));
  await fx?.stop();
});

describe('settlement gas', () => {
  it('is sent with headroom: a batch that needs more gas than its estimate still settles', async () => {
    lower = (g) => g - g / 10n; // the landing block needs a tenth more than the estimate said
    const ask = await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 1n, price: parseX18('2000') });
    await fx.admitOrder(ledger, KEYS.buyer, { nonce: 1n, price: parseX18('2000') });
    await sequencer.tick();
    lower = null;
    expect(await statusOf(ledger, ask)).toBe('filled');
    expect(await chain.lastBatchId()).toBe(ledger.lastBatchId);
    expect(await chain.lastStateHash()).toBe(ledger.stateHash.toLowerCase());
  });

  it('keeps a committed batch that ran out of gas and sends it again, rather than rolling it back', async () => {
    lower = (g) => g / 10n; // far below what it needs, headroom and reserve or not
    const ask = await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 2n, price: parseX18('2000') });
    await fx.admitOrder(ledger, KEYS.buyer, { nonce: 2n, price: parseX18('2000') });
    const settled = await chain.lastBatchId();
    await expect(sequencer.tick()).rejects.toThrow(/ran out of gas/);
    // the batch stays committed (it may have been gossiped already): not rolled back
    expect(ledger.lastBatchId).toBe(settled + 1n);
    expect(await statusOf(ledger, ask)).toBe('filled');
    expect(await chain.lastBatchId()).toBe(settled);
    const committed = ledger.stateHash;

    lower = null;
    await sequencer.tick(); // sends the committed batch again, as it is
    expect(await chain.lastBatchId()).toBe(settled + 1n);
    expect(ledger.stateHash).toBe(committed);
    expect(await chain.lastStateHash()).toBe(committed.toLowerCase());
  });

  it('takes the gas from one run and sends with eth_sendRawTransactionSync where the RPC can, and estimates and polls where it cannot', async () => {
    expect(await chain.syncSend()).toBe(true);
    seen.length = 0;
    const ask = await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 3n, price: parseX18('2000') });
    await fx.admitOrder(ledger, KEYS.buyer, { nonce: 3n, price: parseX18('2000') });
    await sequencer.tick();
    expect(await statusOf(ledger, ask)).toBe('filled');
    expect(seen).toContain('eth_sendRawTransactionSync');
    expect(seen).toContain('eth_createAccessList');
    expect(seen).not.toContain('eth_estimateGas');
    expect(seen).not.toContain('eth_getTransactionReceipt');

    plainRpc = true;
    const polling = new ExchangeChain(chain.rpcUrl, fx.exchange, KEYS.operator);
    expect(await polling.syncSend()).toBe(false);
    seen.length = 0;
    const ask2 = await fx.admitOrder(ledger, KEYS.seller, { isBuy: false, nonce: 4n, price: parseX18('2000') });
    await fx.admitOrder(ledger, KEYS.buyer, { nonce: 4n, price: parseX18('2000') });
    await sequencerFor(ledger, polling).tick();
    plainRpc = false;
    expect(await statusOf(ledger, ask2)).toBe('filled');
    expect(seen).toContain('eth_sendRawTransaction');
    expect(seen).toContain('eth_estimateGas');
    expect(seen).toContain('eth_getTransactionReceipt');
    expect(await chain.lastBatchId()).toBe(ledger.lastBatchId);
    expect(await chain.lastStateHash()).toBe(ledger.stateHash.toLowerCase());
  });
});
