/**
 * The WebSocket API, `/v1/ws` (spec/api.md, "WebSocket"): what a client sends and what it is
 * sent. Every message of a subscription carries its channel, its key (`marketId` or
 * `subaccount`) and `seq`: 0 for the snapshot, then +1 per message.
 */
import type { Hex } from '@kestrel/core';
import type { Trade } from './history.js';
import type { AccountResponse, BookResponse } from './messages.js';

export const WS_PATH = '/v1/ws';

export type WsChannel = 'book' | 'trades' | 'account' | 'batches';

/**
 * What a client sends. `id` (optional, up to 64 characters) names the subscription: it is echoed
 * in every message of it, and in an error about this message. `fromBatchId` (and the state hash of
 * that batch as the client saw it, `fromStateHash`) resume a `trades` or `batches` subscription.
 */
export type WsRequest =
  | { op: 'subscribe' | 'unsubscribe'; channel: 'book'; marketId: number; id?: string }
  | { op: 'subscribe' | 'unsubscribe'; channel: 'trades'; marketId: number; fromBatchId?: string; fromStateHash?: Hex; id?: string }
  | { op: 'subscribe' | 'unsubscribe'; channel: 'account'; subaccount: Hex; id?: string }
  | { op: 'subscribe' | 'unsubscribe'; channel: 'batches'; fromBatchId?: string; fromStateHash?: Hex; id?: string };

/** The trades of one batch in one market. */
export interface TradesUpdate {
  batchId: string;
  /** the batch's state hash: the version of it these trades are of */
  stateHash: Hex;
  trades: Trade[];
}

/** A batch this node committed. */
export interface BatchUpdate {
  batchId: string;
  /** unix seconds */
  timestamp: string;
  stateHash: Hex;
  inputs: number;
  requests: number;
  fills: number;
}

/** The account after a batch that concerned it, and the kinds of the batch's events that did. */
export interface AccountUpdate {
  /** null when sent again after a rollback */
  batchId: string | null;
  events: string[];
  account: AccountResponse;
}

/** The account's maintenance health went below zero: its grace window runs until `graceEnds`. */
export interface MarginCallMessage {
  subaccount: Hex;
  at: string;
  graceEnds: string;
  maintenanceHealth: string;
  message: string;
}

/** Batches a resumed subscription could not be sent again: read them from the history endpoints. */
export interface GapMessage {
  fromBatchId: string;
  toBatchId: string;
}

/** A batch this node rolled back: updates of it given before no longer hold; a batch of that id follows. */
export interface RollbackMessage {
  batchId: string;
}

type Sub<C extends WsChannel, K> = { channel: C; seq: number; id?: string } & K;
type Market = { marketId: number };
type Account = { subaccount: Hex };

/** Every message a client is sent. */
export type WsMessage =
  | (Sub<'book', Market> & { type: 'snapshot' | 'update'; data: BookResponse })
  | (Sub<'trades', Market> & { type: 'snapshot'; data: { marketId: number; trades: []; lastBatchId: string; stateHash: Hex } })
  | (Sub<'trades', Market> & { type: 'update'; data: TradesUpdate })
  | (Sub<'account', Account> & { type: 'snapshot'; data: AccountResponse })
  | (Sub<'account', Account> & { type: 'update'; data: AccountUpdate })
  | (Sub<'account', Account> & { type: 'marginCall'; data: MarginCallMessage })
  | (Sub<'batches', object> & { type: 'snapshot'; data: { lastBatchId: string; stateHash: Hex } })
  | (Sub<'batches', object> & { type: 'update'; data: BatchUpdate })
  | (Sub<'trades' | 'batches', Partial<Market>> & { type: 'gap'; data: GapMessage })
  | (Sub<'trades' | 'batches' | 'account', Partial<Market & Account>> & { type: 'rollback'; data: RollbackMessage })
  | { type: 'error'; code: string; message: string; id?: string };
