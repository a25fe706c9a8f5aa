/**
 * The client with every action bound: the base client (client.ts) extended with the actions
 * (decorators.ts). Kept apart from client.ts, which the actions themselves import.
 */
import { createKestrelBaseClient, type KestrelBaseClient, type KestrelClientConfig } from './client.js';
import { kestrelActions, type KestrelActions } from './decorators.js';

/** A client with every action bound: `client.placeOrder({...})`. */
export type KestrelClient = KestrelBaseClient & KestrelActions;

/**
 * Creates a Kestrel client with every action bound.
 *
 * @example
 * ```ts
 * import { createKestrelClient } from '@kestrel/sdk';
 * import { privateKeyToAccount } from 'viem/accounts';
 *
 * const client = createKestrelClient({
 *   nodeUrl: 'http://127.0.0.1:8545',
 *   account: privateKeyToAccount('0x…'),
 * });
 * const { orderHash, status } = await client.placeOrder({
 *   symbol: 'WETH/USDC', side: 'buy', price: '1850.25', amount: '1.5',
 * });
 * ```
 */
export function createKestrelClient(config: KestrelClientConfig): KestrelClient {
  return createKestrelBaseClient(config).extend(kestrelActions);
}
