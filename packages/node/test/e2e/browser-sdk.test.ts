/**
 * The SDK in a browser (Debian's headless Chromium), as a web app bundles it: a page served from
 * another origin than the node's reads the markets over HTTP (CORS), streams the book and trades
 * over the browser's own WebSocket (the `ws` package must not reach the bundle), signs an order
 * with a key held in the page and sees it filled on its trade stream.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, tempDir } from '../helpers.js';
import { depositsCredited, traderClient } from './devnet-helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../..');

let devnet: Devnet;
let site: Server;
let browser: Browser;

beforeAll(async () => {
  execFileSync('bash', [join(repoRoot, 'scripts/ensure-chromium.sh')], { stdio: 'inherit' });
  devnet = await startDevnet({ nodes: 1, dataDir: tempDir('kestrel-browser-'), rpcPort: 0, apiPort: 0, traders: 2, batchIntervalMs: 100 });
  await depositsCredited(devnet);
  // what a web app's bundler makes of the SDK: the browser build, viem included
  const bundle = await build({
    stdin: {
      contents: "export * from '@kestrel/sdk'; export { privateKeyToAccount } from 'viem/accounts';",
      resolveDir: resolve(here, '../..'),
      loader: 'js',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  const sdk = bundle.outputFiles[0]!.text;
  site = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/sdk.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
    else if (path === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(APP);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (site ? site.close(r) : r(undefined)));
  await devnet?.stop();
});

/** The web app: its settings in the page's query string, what it saw in `window.state`. */
const APP = `
import { createKestrelClient, privateKeyToAccount } from '/sdk.js';
const q = new URLSearchParams(location.search);
const state = { markets: [], book: 0, trades: [], placed: null, errors: [], done: false, failed: null };
window.state = state;
try {
  const client = createKestrelClient({ nodeUrl: q.get('node'), exchange: q.get('exchange'), chainId: Number(q.get('chain')), account: privateKeyToAccount(q.get('key')) });
  state.markets = (await client.getMarkets()).map((m) => m.symbol);
  const onError = (e) => state.errors.push(e.code);
  const book = client.subscribeBook({ symbol: 'WETH/USDC', onBook: () => state.book++, onError });
  const trades = client.subscribeTrades({ symbol: 'WETH/USDC', onTrades: (t) => state.trades.push(...t), onError });
  await Promise.all([book.ready, trades.ready]);
  // a resting sell, signed in the page
  state.placed = (await client.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '1999', amount: '0.01', subaccount: q.get('sub') })).orderHash;
} catch (e) {
  state.failed = String(e);
}
state.done = true;
`;

interface PageState {
  markets: string[];
  book: number;
  trades: Array<{ price: string; amount: string; takerHash: string }>;
  placed: string | null;
  errors: string[];
  done: boolean;
  failed: string | null;
}

describe('the SDK in a browser', () => {
  it('reads, streams and trades from a page of another origin, over the browser’s own WebSocket', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    const trader = devnet.traders[1]!;
    const query = new URLSearchParams({
      node: devnet.nodes[0]!.api,
      exchange: devnet.exchange,
      chain: String(devnet.chainId),
      key: trader.privateKey,
      sub: trader.subaccount,
    });
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/?${query}`);
    const read = () => page.evaluate(() => (globalThis as unknown as { state: PageState }).state);
    const ready = await eventually(read, (s) => s?.done === true, 'the app ready');
    expect(ready.failed).toBeNull();
    const { markets, placed } = await read();
    expect(markets).toContain('WETH/USDC');
    expect(placed).toMatch(/^0x[0-9a-f]{64}$/);
    // the node side takes it; the page sees the trade on its stream
    const buy = await traderClient(devnet, 0, 0).placeOrder({ symbol: 'WETH/USDC', side: 'buy', price: '1999', amount: '0.01', timeInForce: 'IOC' });
    const state = await eventually(read, (s) => s.trades.length > 0, 'the trade on the page’s stream');
    expect(state.trades[0]).toMatchObject({ price: '1999', amount: '0.01', takerHash: buy.orderHash });
    expect(state.book).toBeGreaterThan(1); // the snapshot, then the book with the sell, then without it
    expect(state.errors).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
