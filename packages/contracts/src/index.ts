/**
 * @packageDocumentation
 * `@kestrel/contracts` — the Kestrel Exchange contract as TypeScript: typed ABIs and bytecode
 * (compiled offline from the Solidity sources at build), the batch struct types, the reason
 * codes of the contract's errors, a decoder for its reverts, a deploy helper for viem and a
 * local-chain launcher.
 *
 * @example
 * ```ts
 * import { createPublicClient, createWalletClient, http } from 'viem';
 * import { privateKeyToAccount } from 'viem/accounts';
 * import { foundry } from 'viem/chains';
 * import { deployKestrel, exchangeAbi, startAnvil } from '@kestrel/contracts';
 *
 * const anvil = await startAnvil();
 * const transport = http(anvil.url);
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
 * await anvil.stop();
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
export * from './anvil.js';
export * from './receipt.js';
export * from './chains.js';
