/**
 * Runs the liquidation watcher until Ctrl-C, logging what it does.
 *
 *   npx tsx src/index.ts                      # against `npm start`'s devnet, third test account
 *   KESTREL_NODE_URL=… KESTREL_RPC_URL=… KESTREL_EXCHANGE=… KESTREL_PRIVATE_KEY=… npx tsx src/index.ts
 *
 * WATCH_SUBACCOUNT (the liquidator's, default `backstop`), WATCH_ACCOUNTS (comma-separated
 * subaccounts to follow from the start), WATCH_DISCOVER=0 (follow only those) and
 * WATCH_RESPECT_GRACE=0 (act on a backstop-tier account at once) override the defaults;
 * WATCH_DEPOSIT=20000 deposits that much USDC into the liquidator's subaccount first.
 */
import { pathToFileURL } from 'node:url';
import type { Hex } from 'viem';
import { clientFor, connectionFromEnv } from './config.js';
import { DEFAULT_OPTIONS, startWatcher, type WatcherOptions } from './watcher.js';

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): WatcherOptions {
  const d = DEFAULT_OPTIONS;
  return {
    subaccountName: env.WATCH_SUBACCOUNT ?? d.subaccountName,
    watch: (env.WATCH_ACCOUNTS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '') as Hex[],
    discover: env.WATCH_DISCOVER === undefined ? d.discover : env.WATCH_DISCOVER !== '0',
    respectGrace: env.WATCH_RESPECT_GRACE === undefined ? d.respectGrace : env.WATCH_RESPECT_GRACE !== '0',
  };
}

export async function main(): Promise<void> {
  const client = clientFor(connectionFromEnv());
  const options = optionsFromEnv();
  if (process.env.WATCH_DEPOSIT) {
    // credited by the next batch; the watcher needs it only once it takes a position over
    await client.deposit({ symbol: 'USDC', amount: process.env.WATCH_DEPOSIT, subaccountName: options.subaccountName });
  } else if ((await client.getAccount({ subaccountName: options.subaccountName })).balances.length === 0) {
    console.warn(`subaccount '${options.subaccountName}' holds nothing: it could not take over a position (WATCH_DEPOSIT=20000 deposits first)`);
  }
  const watcher = await startWatcher(client, options, (e) => console.log(JSON.stringify(e)));
  await watcher.ready;
  console.log(`watching as subaccount '${options.subaccountName}' of ${client.account!.address}; Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  watcher.stop();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
