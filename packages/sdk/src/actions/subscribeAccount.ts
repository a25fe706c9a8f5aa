import type { AccountResponse, MarginCallMessage } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { startSubscription, type KestrelSubscription, type StreamHandlers } from '../streams/subscription.js';
import { resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';

/** Why an account message came: the batch and the kinds of its events that concerned the account (none for a snapshot). */
export interface AccountStreamUpdate {
  batchId: bigint | null;
  events: string[];
}

export type SubscribeAccountParameters = SubaccountRef &
  StreamHandlers & {
    /** the account view (as `getAccount`): on subscribing, after each batch that concerned it, and again after a reconnect */
    onAccount: (account: AccountResponse, update: AccountStreamUpdate) => void;
    /** maintenance health fell below zero: act (deposit, hedge, reduce) before `graceEnds`, or the account's risk plan runs */
    onMarginCall?: ((call: MarginCallMessage) => void) | undefined;
  };
export type SubscribeAccountReturnType = KestrelSubscription;

/**
 * Streams a subaccount over `/v1/ws` (channel `account`): its balances, positions, open orders
 * and health after every batch that touched it, and margin calls as they are made. Each message
 * is the whole account, so a reconnect misses nothing; a margin call made while the socket was
 * down shows in the account's `marginCall` field.
 *
 * @example
 * ```ts
 * client.subscribeAccount({
 *   onAccount: (a, u) => console.log(u.batchId, a.health?.maintenanceHealth),
 *   onMarginCall: (c) => console.warn('margin call, grace until', c.graceEnds),
 * });
 * ```
 */
export function subscribeAccount(client: KestrelBaseClient, parameters: SubscribeAccountParameters): SubscribeAccountReturnType {
  return startSubscription(
    client,
    'subscribeAccount',
    parameters,
    async () => resolveSubaccount(client, parameters, 'subscribeAccount'),
    (subaccount) => ({ op: 'subscribe', channel: 'account', subaccount }),
    (msg) => {
      if (msg.channel !== 'account') return;
      if (msg.type === 'snapshot') parameters.onAccount(msg.data, { batchId: null, events: [] });
      else if (msg.type === 'update')
        parameters.onAccount(msg.data.account, { batchId: msg.data.batchId === null ? null : BigInt(msg.data.batchId), events: msg.data.events });
      else if (msg.type === 'marginCall') parameters.onMarginCall?.(msg.data);
    },
  );
}
