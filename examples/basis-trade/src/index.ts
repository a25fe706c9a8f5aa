/**
 * Opens one basis trade and prints each step.
 *
 *   npx tsx src/index.ts                      # against `npm start`'s devnet, second test account
 *   KESTREL_NODE_URL=… KESTREL_RPC_URL=… KESTREL_EXCHANGE=… KESTREL_PRIVATE_KEY=… npx tsx src/index.ts
 *
 * BASIS_SPOT, BASIS_PERP, BASIS_AMOUNT, BASIS_SUBACCOUNT, BASIS_DEPOSIT ('' for none) and
 * BASIS_SLIPPAGE_BPS override the defaults (src/basis-trade.ts).
 */
import { pathToFileURL } from 'node:url';
import { clientFor, connectionFromEnv } from './config.js';
import { DEFAULT_OPTIONS, openBasisTrade, type BasisTradeOptions } from './basis-trade.js';

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): BasisTradeOptions {
  const d = DEFAULT_OPTIONS;
  const slippage = env.BASIS_SLIPPAGE_BPS === undefined ? d.slippageBps : Number(env.BASIS_SLIPPAGE_BPS);
  if (!Number.isInteger(slippage) || slippage < 0) throw new Error('BASIS_SLIPPAGE_BPS must be a non-negative integer');
  const deposit = env.BASIS_DEPOSIT ?? d.deposit;
  return {
    spot: env.BASIS_SPOT ?? d.spot,
    perp: env.BASIS_PERP ?? d.perp,
    amount: env.BASIS_AMOUNT ?? d.amount,
    subaccountName: env.BASIS_SUBACCOUNT ?? d.subaccountName,
    deposit: deposit === '' ? undefined : deposit,
    slippageBps: slippage,
  };
}

export async function main(): Promise<void> {
  const client = clientFor(connectionFromEnv());
  const result = await openBasisTrade(client, optionsFromEnv(), (e) => console.log(JSON.stringify(e)));
  if (!result.opened) process.exitCode = 2;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
