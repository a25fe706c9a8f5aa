import { domainSeparator, orderHash as hashOrder, type Eip712Domain, type Hex, type Order } from '@kestrel/core';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { signKestrelTypedData } from '../utils/sign.js';
import { getDomain } from './getDomain.js';

export interface SignOrderParameters {
  order: Order;
  /** the EIP-712 domain; defaults to the node's (`getDomain`), so pass it to sign offline */
  domain?: Eip712Domain | undefined;
}

/** A signed order, ready for `placeOrder`. */
export interface SignedOrder {
  order: Order;
  /** 65-byte `r‖s‖v` */
  signature: Hex;
  /** the order's identity: its EIP-712 digest */
  orderHash: Hex;
}
export type SignOrderReturnType = SignedOrder;
export type SignOrderErrorType = KestrelSdkError | KestrelApiError;

/**
 * Signs an order with the client's account (EIP-712, `Order` of spec/orders.md). The typed data is
 * validated first: the domain must be Kestrel's, every field must fit its type and the flags must
 * be a known combination (`INVALID_TYPED_DATA`, `INVALID_FLAGS`).
 *
 * @example
 * ```ts
 * const order = await client.buildOrder({ symbol: 'WETH/USDC', side: 'sell', price: '1900', amount: '0.5' });
 * const signed = await client.signOrder({ order });
 * await client.placeOrder(signed);
 * ```
 */
export async function signOrder(client: KestrelBaseClient, parameters: SignOrderParameters): Promise<SignOrderReturnType> {
  const domain = parameters.domain ?? (await getDomain(client));
  const { order } = parameters;
  const signature = await signKestrelTypedData(client, domain, { primaryType: 'Order', message: order }, 'signOrder');
  return { order, signature, orderHash: hashOrder(domainSeparator(domain), order) };
}
