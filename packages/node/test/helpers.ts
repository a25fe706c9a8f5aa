import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSubaccount, parseX18, type EngineConfig, type Hex } from '@kestrel/core';

/** One spot market, WETH/USDC (ticks 0.01, lots 0.001), no fees and no risk parameters: the node's unit tests' engine. */
export const SPOT_CONFIG: EngineConfig = {
  assets: [
    { assetId: 0, symbol: 'USDC', decimals: 6 },
    { assetId: 1, symbol: 'WETH', decimals: 18 },
  ],
  markets: [
    {
      marketId: 1,
      symbol: 'WETH/USDC',
      kind: 'SPOT',
      baseAssetId: 1,
      quoteAssetId: 0,
      tickSize: parseX18('0.01'),
      lotSize: parseX18('0.001'),
      minSize: parseX18('0.001'),
      makerFee: 0n,
      takerFee: 0n,
    },
  ],
  feeSubaccount: makeSubaccount('0x3333333333333333333333333333333333333333', 'fees') as Hex,
};

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Polls `read` until `done(value)` holds; returns the value. */
export async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() < end) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const shown = JSON.stringify(last, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  throw new Error(`timed out waiting for ${what}; last value ${shown} ${lastErr ? String(lastErr) : ''}`);
}

export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

export async function postRaw(url: string, body: string): Promise<{ status: number; body: { error?: { code: string } } & Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}
