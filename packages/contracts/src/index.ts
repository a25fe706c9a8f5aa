/**
 * @packageDocumentation
 * `@kestrel/contracts` — the Kestrel Exchange contract as TypeScript: typed ABIs and bytecode
 * (compiled offline from the Solidity sources at build), the batch struct types, the reason
 * codes of the contract's errors, a decoder for its reverts and a deploy helper for viem. viem is
 * a peer dependency (the app's own copy); a local chain to try it on is in `@kestrel/devnet`.
 *
 * @example
 * ```ts
 * import { createPublicClient, createWalletClient, http } from 'viem';
 * import { privateKeyToAccount } from 'viem/accounts';
 * import { foundry } from 'viem/chains';
 * import { deployKestrel, exchangeAbi } from '@kestrel/contracts';
 *
 * const transport = http(rpcUrl); // any EVM RPC; a local one: startAnvil() from @kestrel/devnet
 * const account = privateKeyToAccount(adminKey);
 * const walletClient = createWalletClient({ chain: foundry, transport, account });
 * const publicClient = createPublicClient({ chain: foundry, transport });
 * const { exchange } = await deployKestrel({
 *   walletClient, publicClient, operators: [operator], feeSubaccount,
 *   assets: [{ symbol: 'USDC', decimals: 6 }, { symbol: 'WETH', decimals: 18 }],
 *   markets: [{ marketId: 1, symbol: 'WETH/USDC', baseAssetId: 1, tickSize: 10n ** 16n,
 *     lotSize: 10n ** 15n, minSize: 10n ** 15n, makerFee: 0n, takerFee: 5n * 10n ** 14n }],
 * });
 * const lastBatchId = await publicClient.readContract({ address: exchange, abi: exchangeAbi, functionName: 'lastBatchId' });
 * ```
 */
export {
  blockingTokenAbi,
  blockingTokenBytecode,
  compilerVersion,
  exchangeAbi,
  exchangeBytecode,
  mockFeedAbi,
  mockFeedBytecode,
  testTokenAbi,
  testTokenBytecode,
  timelockAbi,
  timelockBytecode,
} from './generated/artifacts.js';
export * from './types.js';
export * from './errors.js';
export * from './deploy.js';
export * from './receipt.js';
export * from './chains.js';
