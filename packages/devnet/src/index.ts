/**
 * @packageDocumentation
 * `@kestrel/devnet` — a local chain for development and tests: anvil from its npm package, started
 * on a free port, quiet (or logging to a file), mining a block per transaction or, by a clock of
 * its own, a block every few milliseconds as MegaETH does. Nothing here is needed to trade: the
 * SDK and the contracts package do not depend on it.
 *
 * @example
 * ```ts
 * import { createPublicClient, http } from 'viem';
 * import { startAnvil } from '@kestrel/devnet';
 *
 * const anvil = await startAnvil({ blockIntervalMs: 10 });
 * const client = createPublicClient({ transport: http(anvil.url) });
 * console.log(await client.getBlockNumber());
 * await anvil.stop();
 * ```
 */
export * from './anvil.js';
