/**
 * What every `subscribe*` action shares: the client's stream connections, the subscription's
 * life (ready, unsubscribe, errors and status to the caller), and the resume point of the
 * channels whose updates are batches (`trades`, `batches`).
 */
import { WS_PATH, type BatchUpdate, type TradesUpdate, type WsMessage, type WsRequest } from '@kestrel/api';
import type { Hex } from '@kestrel/core';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode } from '../errors.js';
import { cachedInfo } from '../utils/deployment.js';
import { DEFAULT_STREAM_BACKOFF, MAX_SUBSCRIPTIONS_PER_SOCKET, StreamConnection, type StreamEntry, type StreamStatus } from './connection.js';
import { PlatformWebSocket } from './websocket-node.js';

export type { StreamStatus };

/** Callbacks every subscription takes. */
export interface StreamHandlers {
  /**
   * A problem the stream reports without stopping (STREAM_GAP: batches the node could not
   * replay after a reconnect, to read from the history actions; an exception thrown by a
   * callback), or the refusal that ended it (STREAM_REFUSED, and what `ready` rejects with).
   */
  onError?: ((error: KestrelSdkError) => void) | undefined;
  /** The connection's state: `connecting`, `open`, `reconnecting` (with backoff), `closed`. */
  onStatus?: ((status: StreamStatus) => void) | undefined;
}

/** A live subscription. */
export interface KestrelSubscription {
  /** Settles once the first snapshot arrived; rejects if the node refused the subscription. */
  readonly ready: Promise<void>;
  /** Stops it; the client's socket closes with its last subscription. */
  unsubscribe(): void;
}

type ChannelMessage = Exclude<WsMessage, { type: 'error' }>;
/** The update of each channel whose updates are batches. */
interface BatchUpdates {
  trades: TradesUpdate;
  batches: BatchUpdate;
}

let nextId = 0;

/**
 * Starts a subscription: `request` builds its subscribe message (called again on every
 * resubscription, so a resume point it reads is current), `deliver` gets its messages in order.
 * `key` resolves what the request needs (a market by symbol) before the first subscribe.
 */
export function startSubscription<K>(
  client: KestrelBaseClient,
  action: string,
  handlers: StreamHandlers,
  key: () => Promise<K>,
  request: (key: K) => WsRequest,
  deliver: (msg: ChannelMessage, report: (err: KestrelSdkError) => void) => void,
): KestrelSubscription {
  const id = `s${nextId++}`;
  let stopped = false;
  let connection: StreamConnection | null = null;
  let settle!: { resolve: () => void; reject: (e: unknown) => void };
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  ready.catch(() => undefined); // a caller that never awaits it still gets onError
  const report = (err: KestrelSdkError): void => {
    try {
      handlers.onError?.(err);
    } catch {
      // the caller's own handler failing must not stop the stream
    }
  };
  const fail = (err: KestrelSdkError): void => {
    stopped = true;
    settle.reject(err);
    report(err);
  };

  void (async () => {
    if (client.nodeUrl === undefined) throw new KestrelSdkError(SdkErrorCode.NODE_URL_REQUIRED, `${action} needs a node: this client has no nodeUrl`);
    const Impl = client.webSocket ?? PlatformWebSocket;
    if (Impl === undefined) {
      throw new KestrelSdkError(SdkErrorCode.WEBSOCKET_REQUIRED, `${action}: this platform has no WebSocket; give the client one (webSocket)`);
    }
    // the node must serve the client's deployment, as for every other action
    await cachedInfo(client);
    const k = await key();
    if (stopped) return;
    const entry: StreamEntry = {
      id,
      request: () => request(k),
      deliver: (msg) => {
        if (msg.type === 'snapshot') settle.resolve();
        try {
          deliver(msg, report);
        } catch (err) {
          report(new KestrelSdkError(SdkErrorCode.STREAM_CALLBACK_FAILED, `${action}: a callback threw`, { cause: err }));
        }
      },
      fail: (err, fatal) => (fatal ? fail(err) : report(err)),
      status: (s) => handlers.onStatus?.(s),
    };
    connection = connectionFor(client, Impl, entry.request());
    connection.add(entry);
  })().catch((err: unknown) =>
    fail(err instanceof KestrelSdkError ? err : new KestrelSdkError(SdkErrorCode.NETWORK, `${action} could not start`, { cause: err })),
  );

  return {
    ready,
    unsubscribe() {
      if (stopped) return;
      stopped = true;
      connection?.remove(id);
      settle.resolve(); // a caller awaiting `ready` is not left hanging
      handlers.onStatus?.('closed');
    },
  };
}

/** A connection of the client's that does not yet run this channel and key (the node holds one of each per socket). */
function connectionFor(client: KestrelBaseClient, Impl: NonNullable<KestrelBaseClient['webSocket']>, request: WsRequest): StreamConnection {
  const all = client.cache.streams;
  for (let i = all.length - 1; i >= 0; i--) if (all[i]!.size === 0) all.splice(i, 1);
  const free = all.find((c) => c.size < MAX_SUBSCRIPTIONS_PER_SOCKET && !c.holds(request));
  if (free) return free;
  const url = `${client.nodeUrl!.replace(/^http/, 'ws')}${WS_PATH}`;
  const c = new StreamConnection(url, Impl, { ...DEFAULT_STREAM_BACKOFF, ...client.streamBackoff });
  all.push(c);
  return c;
}

/**
 * The resume point of a channel whose updates are batches: the last batch delivered. Updates of
 * a batch at or before it are dropped (sent again after a reconnect); a rollback moves it back.
 */
export class BatchCursor {
  /** the state hash of the last batch delivered, as the node gave it (null: not known) */
  private hash: Hex | null = null;

  constructor(private last: bigint | null) {}

  /** what a (re)subscription asks to be replayed from: the batch, and the version of it seen */
  resume(): { fromBatchId?: string; fromStateHash?: Hex } {
    if (this.last === null) return {};
    return this.hash === null ? { fromBatchId: this.last.toString() } : { fromBatchId: this.last.toString(), fromStateHash: this.hash };
  }

  /** the first snapshot fixes the start when none was given */
  start(lastBatchId: string, stateHash: Hex): void {
    if (this.last !== null) return;
    this.last = BigInt(lastBatchId);
    this.hash = stateHash;
  }

  /** whether the update of `batchId` is new (and then it is the last delivered) */
  take(batchId: string, stateHash: Hex): boolean {
    const id = BigInt(batchId);
    if (this.last !== null && id <= this.last) return false;
    this.last = id;
    this.hash = stateHash;
    return true;
  }

  skipTo(batchId: string): void {
    this.last = BigInt(batchId);
    this.hash = null;
  }

  rollBack(batchId: string): void {
    const before = BigInt(batchId) - 1n;
    if (this.last === null || this.last > before) {
      this.last = before;
      this.hash = null;
    }
  }
}

/**
 * The delivery of a channel whose updates are batches (`trades`, `batches`): each batch's update
 * once and in order through `cursor`, a `gap` reported as STREAM_GAP, a `rollback` passed on.
 */
export function batchChannel<C extends keyof BatchUpdates>(
  channel: C,
  action: string,
  cursor: BatchCursor,
  onUpdate: (data: BatchUpdates[C]) => void,
  onRollback: ((batchId: bigint) => void) | undefined,
): (msg: ChannelMessage, report: (err: KestrelSdkError) => void) => void {
  return (msg, report) => {
    if (msg.channel !== channel) return;
    if (msg.type === 'snapshot') {
      const data = msg.data as { lastBatchId: string; stateHash: Hex };
      cursor.start(data.lastBatchId, data.stateHash);
    } else if (msg.type === 'update') {
      const data = msg.data as BatchUpdates[C];
      if (cursor.take(data.batchId, data.stateHash)) onUpdate(data);
    } else if (msg.type === 'gap') {
      cursor.skipTo(msg.data.toBatchId);
      report(
        new KestrelSdkError(
          SdkErrorCode.STREAM_GAP,
          `${action}: the node could not replay batches ${msg.data.fromBatchId} to ${msg.data.toBatchId} after a reconnect; read them from the history actions`,
          { details: { ...msg.data } },
        ),
      );
    } else if (msg.type === 'rollback') {
      cursor.rollBack(msg.data.batchId);
      onRollback?.(BigInt(msg.data.batchId));
    }
  };
}
