/**
 * One WebSocket per client, shared by its subscriptions (spec/api.md, "WebSocket"). It opens with
 * the first subscription and closes with the last; when it drops it reconnects with backoff and
 * subscribes everything again — `trades` and `batches` from the last batch they delivered, so the
 * node replays what was missed and nothing arrives twice. A subscription whose `seq` skips is
 * taken again the same way.
 */
import type { WsMessage, WsRequest } from '@kestrel/api';
import { KestrelSdkError, SdkErrorCode } from '../errors.js';
import type { WebSocketInstance, WebSocketLike } from './websocket-native.js';

export type StreamStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** How a stream reconnects: the n-th attempt waits a random time up to min(maxMs, initialMs·2ⁿ). */
export interface StreamBackoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_STREAM_BACKOFF: Readonly<StreamBackoff> = Object.freeze({ initialMs: 250, maxMs: 10_000 });

/** Subscriptions one socket carries at most (the node's limit): another socket takes the next. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 64;

/** A subscription as the connection runs it. */
export interface StreamEntry {
  readonly id: string;
  /** the subscribe message, its resume point filled in on each (re)subscription */
  request(): WsRequest;
  /** a message of this subscription, in order, gaps already handled */
  deliver(msg: Exclude<WsMessage, { type: 'error' }>): void;
  /** the node refused the subscription, or something went wrong with the stream */
  fail(err: KestrelSdkError, fatal: boolean): void;
  status(s: StreamStatus): void;
}

interface Running {
  entry: StreamEntry;
  /** the seq its next message must carry; -1 until subscribed on this socket */
  next: number;
  /**
   * the id of its latest subscribe, echoed by the node in each of its messages: messages of an
   * earlier one, still on their way, are told apart and dropped
   */
  ref: string;
  generation: number;
}

export class StreamConnection {
  private socket: WebSocketInstance | null = null;
  private readonly subs = new Map<string, Running>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private status: StreamStatus = 'closed';

  constructor(
    private readonly url: string,
    private readonly Impl: WebSocketLike,
    private readonly backoff: StreamBackoff,
  ) {}

  /** Whether this connection already runs a subscription to the same channel and key (the node holds one of each per socket). */
  holds(request: WsRequest): boolean {
    for (const run of this.subs.values()) if (sameKey(run.entry.request(), request)) return true;
    return false;
  }

  get size(): number {
    return this.subs.size;
  }

  add(entry: StreamEntry): void {
    this.subs.set(entry.id, { entry, next: -1, ref: '', generation: 0 });
    if (this.socket === null && this.timer === null) return this.connect();
    if (this.socket?.readyState === 1) this.subscribe(this.subs.get(entry.id)!);
    entry.status(this.status);
  }

  remove(id: string): void {
    const run = this.subs.get(id);
    if (run === undefined) return;
    this.subs.delete(id);
    if (this.socket?.readyState === 1) this.send({ ...run.entry.request(), op: 'unsubscribe', id: run.ref });
    if (this.subs.size === 0) this.shutdown();
  }

  /** Tells every subscription, once per change. */
  private setStatus(s: StreamStatus): void {
    if (s === this.status) return;
    this.status = s;
    for (const { entry } of this.subs.values()) entry.status(s);
  }

  private connect(): void {
    this.timer = null;
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let socket: WebSocketInstance;
    try {
      socket = new this.Impl(this.url);
    } catch (err) {
      this.failAll(new KestrelSdkError(SdkErrorCode.NETWORK, `cannot open ${this.url}`, { cause: err }), true);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setStatus('open');
      for (const run of this.subs.values()) this.subscribe(run);
    };
    socket.onmessage = (ev) => this.onMessage(ev.data);
    // an error is followed by a close: the close reconnects
    socket.onerror = () => undefined;
    socket.onclose = () => {
      if (this.socket !== socket) return; // one this connection let go of
      this.socket = null;
      for (const run of this.subs.values()) run.next = -1;
      if (this.subs.size === 0) return this.setStatus('closed');
      const ceiling = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(this.attempt, 20));
      this.attempt++;
      this.setStatus('reconnecting');
      // full jitter: clients cut by one node restart do not all come back in the same instant
      this.timer = setTimeout(() => this.connect(), Math.random() * ceiling);
    };
  }

  private shutdown(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    this.attempt = 0;
    this.status = 'closed';
    if (socket !== null && socket.readyState <= 1) socket.close(1000, 'no subscriptions left');
  }

  private subscribe(run: Running): void {
    run.next = 0;
    run.ref = `${run.entry.id}.${++run.generation}`;
    this.send({ ...run.entry.request(), id: run.ref });
  }

  private send(msg: WsRequest): void {
    this.socket?.send(JSON.stringify(msg));
  }

  private onMessage(raw: unknown): void {
    const text =
      typeof raw === 'string' ? raw : raw instanceof ArrayBuffer || ArrayBuffer.isView(raw) ? new TextDecoder().decode(raw as ArrayBuffer) : String(raw);
    let msg: WsMessage;
    try {
      msg = JSON.parse(text) as WsMessage;
    } catch {
      return this.failAll(new KestrelSdkError(SdkErrorCode.INVALID_RESPONSE, 'the node sent a stream message that is not JSON'), false);
    }
    if (msg.type === 'error') {
      const run = this.byRef(msg.id);
      if (run === undefined) return; // about a subscription since replaced or ended
      if (msg.code === 'INTERNAL') {
        // the node could not start it this time: take it again, as after a reconnect
        run.next = -1;
        setTimeout(() => {
          if (this.subs.get(run.entry.id) === run && this.socket?.readyState === 1) this.subscribe(run);
        }, this.backoff.initialMs);
        return;
      }
      this.subs.delete(run.entry.id);
      if (this.subs.size === 0) this.shutdown();
      return run.entry.fail(
        new KestrelSdkError(SdkErrorCode.STREAM_REFUSED, `the node refused a subscription: ${msg.code}: ${msg.message}`, {
          details: { code: msg.code, message: msg.message },
        }),
        true,
      );
    }
    const run = this.byRef(msg.id);
    if (run === undefined || run.next < 0) return; // a subscription since replaced, or ended
    if (msg.seq !== run.next) {
      // a message lost between the node and here: take the subscription again, from where it was
      this.send({ ...run.entry.request(), op: 'unsubscribe', id: run.ref });
      this.subscribe(run);
      return;
    }
    run.next++;
    run.entry.deliver(msg);
  }

  /** The subscription whose latest subscribe a message answers. */
  private byRef(ref: string | undefined): Running | undefined {
    if (ref === undefined) return undefined;
    for (const run of this.subs.values()) if (run.ref === ref) return run;
    return undefined;
  }

  private failAll(err: KestrelSdkError, fatal: boolean): void {
    for (const { entry } of this.subs.values()) entry.fail(err, fatal);
    if (fatal) {
      this.subs.clear();
      this.shutdown();
    }
  }
}

type Keyed = { channel: string; marketId?: number | undefined; subaccount?: string | undefined };

function sameKey(a: Keyed, b: Keyed): boolean {
  return a.channel === b.channel && a.marketId === b.marketId && a.subaccount?.toLowerCase() === b.subaccount?.toLowerCase();
}
