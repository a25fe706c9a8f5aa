import type { Eip712Domain } from '@kestrel/core';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { cachedInfo, domainOf } from '../utils/deployment.js';

export type GetDomainParameters = Record<string, never>;
/** `{name: 'Kestrel', version: '1', chainId, verifyingContract}` */
export type GetDomainReturnType = Eip712Domain;
export type GetDomainErrorType = KestrelSdkError | KestrelApiError;

/**
 * The EIP-712 domain orders and cancels are signed under: the client's exchange and chain id,
 * once the node's `/v1/info` (loaded once per client) is found to name the same. Throws
 * `DEPLOYMENT_MISMATCH` when it names another exchange or chain.
 *
 * @example
 * ```ts
 * const domain = await client.getDomain();
 * // { name: 'Kestrel', version: '1', chainId: 31337n, verifyingContract: '0x…' }
 * ```
 */
export async function getDomain(client: KestrelBaseClient, _parameters: GetDomainParameters = {}): Promise<GetDomainReturnType> {
  // the node's answer is checked against the client's deployment when it loads (fetchInfo)
  return domainOf(await cachedInfo(client));
}
