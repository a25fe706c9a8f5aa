import type { Eip712Domain } from '@kestrel/core';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode, type KestrelApiError } from '../errors.js';
import { cachedInfo, domainOf } from '../utils/deployment.js';

export type GetDomainParameters = Record<string, never>;
/** `{name: 'Kestrel', version: '1', chainId, verifyingContract}` */
export type GetDomainReturnType = Eip712Domain;
export type GetDomainErrorType = KestrelSdkError | KestrelApiError;

/**
 * The EIP-712 domain orders and cancels are signed under, built from the node's `/v1/info`
 * (loaded once per client). Throws `DEPLOYMENT_MISMATCH` when the client was configured with a
 * different `exchange` than the node serves.
 *
 * @example
 * ```ts
 * const domain = await client.getDomain();
 * // { name: 'Kestrel', version: '1', chainId: 31337n, verifyingContract: '0x…' }
 * ```
 */
export async function getDomain(client: KestrelBaseClient, _parameters: GetDomainParameters = {}): Promise<GetDomainReturnType> {
  const info = await cachedInfo(client);
  if (client.exchange !== undefined && client.exchange.toLowerCase() !== info.exchange.toLowerCase()) {
    throw new KestrelSdkError(SdkErrorCode.DEPLOYMENT_MISMATCH, `the client's exchange ${client.exchange} is not the node's ${info.exchange}`, {
      details: { client: client.exchange, node: info.exchange, chainId: info.chainId },
    });
  }
  return domainOf(info);
}
