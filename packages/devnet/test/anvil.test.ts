import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPublicClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { startAnvil, type AnvilInstance } from '../src/index.js';

/** anvil's tenth test account (its public mnemonic): no other test here sends from it. */
const ANVIL_KEY_9 = '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6';

/** Gives `count` fresh accounts a balance, a thousand to a request. */
async function bloat(url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({
      jsonrpc: '2.0',
      id: i + k,
      method: 'anvil_setBalance',
      params: [`0x${(0x100000 + i + k).toString(16).padStart(40, '0')}`, '0x1'],
    }));
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
  }
}

const started: AnvilInstance[] = [];
afterAll(async () => {
  await Promise.all(started.map((a) => a.stop()));
});

/** Blocks this thread (and so its event loop) for `ms` without spinning. */
const blockThread = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/** From another process: whether anvil's block number moves between two reads 2 s apart. */
const advancesFromOutside = (url: string): { advanced: boolean; detail: string } => {
  const script = `
    const call = () => fetch(${JSON.stringify(url)}, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }) }).then((r) => r.json()).then((j) => BigInt(j.result));
    const a = await call(); await new Promise((r) => setTimeout(r, 2000)); const b = await call();
    console.log(String(a) + ' ' + String(b));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  const [a, b] = (r.stdout ?? '')
    .trim()
    .split(' ')
    .map((s) => (s ? BigInt(s) : undefined));
  return { advanced: a !== undefined && b !== undefined && b > a, detail: `status ${r.status} signal ${r.signal} out ${r.stdout} err ${r.stderr}` };
};

describe('startAnvil', () => {
  it('keeps mining and answering while the process that started it does not read its output', async () => {
    // a block every 10 ms used to print ~16 KB a second into a pipe this process drained: with the
    // event loop busy a few seconds the pipe filled and anvil stopped altogether, its RPC included
    const anvil = await startAnvil({ blockTime: 0.01 });
    started.push(anvil);
    blockThread(8_000);
    const seen = advancesFromOutside(anvil.url);
    expect(seen.advanced, seen.detail).toBe(true);
  });

  it('with blockIntervalMs, puts a transaction in the next blocks however long a block takes to mine', async () => {
    // a state of 50,000 accounts: anvil hashes the whole state for every block, so each takes far
    // longer than 10 ms; its own interval miner (--block-time) queued a block a tick regardless,
    // and a transaction waited behind hundreds of them
    const anvil = await startAnvil({ blockIntervalMs: 10 });
    started.push(anvil);
    await bloat(anvil.url, 50_000);
    const client = createPublicClient({ chain: foundry, transport: http(anvil.url) });
    const account = privateKeyToAccount(ANVIL_KEY_9);
    for (let i = 0; i < 3; i++) {
      const serializedTransaction = await account.signTransaction({
        chainId: foundry.id,
        type: 'eip1559',
        to: '0x000000000000000000000000000000000000dEaD',
        value: 1n,
        gas: 21_000n,
        nonce: i,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 1n,
      });
      const head = await client.getBlockNumber({ cacheTime: 0 });
      const hash = await client.sendRawTransaction({ serializedTransaction });
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      // the block being mined as it arrived, at worst, then the next
      expect(receipt.blockNumber - head).toBeLessThanOrEqual(3n);
    }
    const block = await client.getBlock();
    expect(Number(block.timestamp)).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 2);
    expect(Number(block.timestamp)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
  });

  it('with blockIntervalMs, mines nothing while its clock is paused, and goes on when resumed', async () => {
    const anvil = await startAnvil({ blockIntervalMs: 10 });
    started.push(anvil);
    const client = createPublicClient({ chain: foundry, transport: http(anvil.url) });
    const moved = async (): Promise<boolean> => {
      const a = await client.getBlockNumber({ cacheTime: 0 });
      await new Promise((r) => setTimeout(r, 300));
      return (await client.getBlockNumber({ cacheTime: 0 })) > a;
    };
    expect(await moved()).toBe(true);
    anvil.blocks!.pause();
    await new Promise((r) => setTimeout(r, 100)); // a block asked for before the pause lands
    expect(await moved()).toBe(false);
    anvil.blocks!.resume();
    expect(await moved()).toBe(true);
  });

  it('appends its log to logFile, straight from anvil', async () => {
    const logFile = join(mkdtempSync(join(tmpdir(), 'kestrel-anvil-')), 'anvil.log');
    const anvil = await startAnvil({ blockTime: 0.01, logFile });
    started.push(anvil);
    blockThread(6_000);
    expect(advancesFromOutside(anvil.url).advanced).toBe(true);
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(/Listening on 127\.0\.0\.1:\d+/);
    expect(log).toMatch(/Block Number: \d+/);
    expect(log).toContain('eth_blockNumber');
  });

  it('takes a free port when given 0 and reports it', async () => {
    const a = await startAnvil();
    const b = await startAnvil();
    started.push(a, b);
    expect(a.port).toBeGreaterThan(0);
    expect(b.port).not.toBe(a.port);
    const id = await fetch(a.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    }).then((r) => r.json() as Promise<{ result: string }>);
    expect(BigInt(id.result)).toBe(31337n);
  });

  it('fails with anvil’s own reason when the port is taken, even by something that answers JSON-RPC', async () => {
    // what holds the port answers eth_chainId as anvil would: taking its answer for this anvil's
    // would hand the caller a chain it did not start
    const server = createHttpServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: '0x7a69' }));
    });
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    try {
      await expect(startAnvil({ port })).rejects.toThrow(/Address already in use/);
    } finally {
      server.close();
    }
  });
});
