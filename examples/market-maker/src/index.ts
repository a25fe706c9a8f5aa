/**
 * Runs the market maker until Ctrl-C, logging what it does.
 *
 *   npx tsx src/index.ts                      # against `npm start`'s devnet, first test account
 *   KESTREL_NODE_URL=… KESTREL_RPC_URL=… KESTREL_EXCHANGE=… KESTREL_PRIVATE_KEY=… npx tsx src/index.ts
 *
 * MM_SYMBOL, MM_SUBACCOUNT, MM_SIZE, MM_HALF_SPREAD_BPS, MM_REQUOTE_BPS, MM_MAX_INVENTORY,
 * MM_PLAN_SLIPPAGE_BPS and MM_PLAN_GRACE_SECONDS override the defaults (src/market-maker.ts).
 */
import { pathToFileURL } from 'node:url';
import { clientFor, connectionFromEnv } from './config.js';
import { DEFAULT_OPTIONS, runMarketMaker, type MarketMakerOptions } from './market-maker.js';

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): MarketMakerOptions {
  const num = (name: string, fallback: number): number => {
    const v = env[name];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
    return n;
  };
  const d = DEFAULT_OPTIONS;
  return {
    symbol: env.MM_SYMBOL ?? d.symbol,
    subaccountName: env.MM_SUBACCOUNT ?? d.subaccountName,
    size: env.MM_SIZE ?? d.size,
    halfSpreadBps: num('MM_HALF_SPREAD_BPS', d.halfSpreadBps),
    requoteBps: num('MM_REQUOTE_BPS', d.requoteBps),
    maxInventory: env.MM_MAX_INVENTORY ?? d.maxInventory,
    plan: { maxSlippageBps: num('MM_PLAN_SLIPPAGE_BPS', d.plan.maxSlippageBps), graceSeconds: num('MM_PLAN_GRACE_SECONDS', d.plan.graceSeconds) },
    intervalMs: num('MM_INTERVAL_MS', d.intervalMs),
  };
}

export async function main(): Promise<void> {
  const client = clientFor(connectionFromEnv());
  const options = optionsFromEnv();
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  console.log(`quoting ${options.symbol} from subaccount '${options.subaccountName}' of ${client.account!.address}; Ctrl-C to stop`);
  await runMarketMaker(client, options, { signal: stop.signal, onEvent: (e) => console.log(JSON.stringify(e)) });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
