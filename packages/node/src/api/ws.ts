/**
 * The WebSocket API, `/v1/ws` (spec/api.md). A client sends
 * `{op: "subscribe" | "unsubscribe", channel, marketId?, subaccount?}` and gets, per subscription,
 * a snapshot and then sequence-numbered updates after each batch this node commits:
 *
 * | channel | key | snapshot | update (after a batch that concerns it) |
 * |---|---|---|---|
 * | `book` | `marketId` | the book, 50 levels a side | the book again |
 * | `trades` | `marketId` | `{trades: []}` | the batch's fills in the market |
 * | `account` | `subaccount` | the account view of `GET /v1/accounts/:subaccount` | the view again, with the kinds of the batch's events that concern it |
 * | `batches` | — | the last batch id and state hash | each batch's id, time, state hash and counts |
 *
 * A margin call is pushed on the account channel as its own message, `type: "marginCall"`, when
 * the batch that flags the account is committed (spec/de-risking.md): the trader's grace window starts
 * there. Every message carries `seq` (0 for the snapshot, +1 per message of that subscription):
 * a client that sees a gap resubscribes. Limits are explicit ({@link WS_LIMITS}); a client past
 * its buffer is disconnected rather than slowing the node, and a malformed message is answered
 * `{type: "error", code, message}` and changes nothing.
 *
 * Resuming (ws-replay.ts): a subscription to `trades` or `batches` may say `fromBatchId`, the
 * last batch its client saw; the updates of every batch since follow the snapshot, then the live
 * ones — or, when this node cannot replay them, a `gap` message naming the batches to read from
 * history. A batch this node rolls back is announced on those channels and `account` as a
 * `rollback` message with its id (its updates no longer hold; a batch of that id follows), and
 * `book` and `account` get their state again.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ErrorCode, formatX18, isHex, type EngineEvent, type Hex, type Proposal } from '@kestrel/core';
import { WS_PATH } from '@kestrel/api';
import type { LedgerReader } from '../store/ledger.js';
import type { Logger } from '../util/log.js';
import { RateLimiter } from '../util/rate-limit.js';
import { accountView, type Listed } from './account-view.js';
import { batchUpdate, ReplaySlots, resume } from './ws-replay.js';

export { WS_PATH };

export interface WsLimits {
  /** open sockets per node */
  maxConnections: number;
  /** open sockets per client address (one address cannot take them all) */
  maxConnectionsPerAddress: number;
  /** subscriptions per socket */
  maxSubscriptions: number;
  /** bytes per client message (a subscription is well under 200) */
  maxMessageBytes: number;
  /** client messages per second per socket, and the burst allowed above it */
  messagesPerSecond: number;
  messageBurst: number;
  /** bytes queued for one slow client before it is dropped */
  maxBufferedBytes: number;
  /** a ping this often; a client that has not answered the last one by the next is dropped */
  heartbeatMs: number;
  /** book levels per side in book messages */
  bookDepth: number;
  /** most batches a resumed subscription is sent again; further back is a `gap` */
  maxReplayBatches: number;
  /** replay steps (history reads) running at once over every client; the others wait their turn */
  maxConcurrentReplays: number;
}

export const WS_LIMITS: Readonly<WsLimits> = Object.freeze({
  maxConnections: 1000,
  maxConnectionsPerAddress: 16,
  maxSubscriptions: 64,
  maxMessageBytes: 4096,
  messagesPerSecond: 10,
  // every subscription of a full socket taken again at once, after a reconnect, and some room
  messageBurst: 80,
  maxBufferedBytes: 4 * 1024 * 1024,
  heartbeatMs: 30_000,
  bookDepth: 50,
  maxReplayBatches: 10_000,
  maxConcurrentReplays: 8,
});

/**
 * Close codes a client can act on (4000–4999 are the application's own): it sent too much, or
 * read too slowly; a dead connection (no pong) is cut without a frame.
 */
export const WS_CLOSE = Object.freeze({
  /** more messages than messagesPerSecond / messageBurst allow */
  RATE_LIMITED: 4008,
  /** more than maxBufferedBytes waiting for the client to read */
  SLOW_CONSUMER: 4009,
});

type Channel = 'book' | 'trades' | 'account' | 'batches';

interface Subscription {
  channel: Channel;
  /** market id, subaccount, or "" */
  key: string;
  seq: number;
  /** its snapshot was sent: updates follow it (none before, so none the snapshot already holds) */
  ready: boolean;
  /** the last batch whose update it was given (or, before any, the one its client last saw) */
  lastBatch: bigint;
  /** the client's name for it, echoed in every message of it (so a late message of a subscription replaced since is told apart) */
  ref: string | undefined;
  /** while its replay runs: the lowest batch this node rolled back meanwhile */
  rolledBack: bigint | null;
}

export interface WsHubInit {
  server: Server;
  ledger: LedgerReader;
  listing: Listed;
  log: Logger;
  /** WS_LIMITS by default */
  limits?: Partial<WsLimits>;
}

interface Client {
  /** this hub's number for the socket (its message bucket) */
  id: number;
  subs: Map<string, Subscription>;
  address: string;
  /** answered the last ping */
  alive: boolean;
}

const key = (channel: Channel, k: string): string => `${channel}:${k}`;

export class WsHub {
  private readonly wss: WebSocketServer;
  private readonly clients = new Map<WebSocket, Client>();
  private readonly perAddress = new Map<string, number>();
  private nextId = 0;
  private readonly limits: WsLimits;
  private readonly messages: RateLimiter;
  /** replay steps at once over every client */
  private readonly slots: ReplaySlots;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

  constructor(private readonly init: WsHubInit) {
    const limits = { ...WS_LIMITS, ...init.limits };
    this.limits = limits;
    this.messages = new RateLimiter({ perSecond: limits.messagesPerSecond, burst: limits.messageBurst });
    this.slots = new ReplaySlots(limits.maxConcurrentReplays);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
    this.onUpgrade = (req, socket, head) => {
      const path = (req.url ?? '').split('?')[0];
      const address = req.socket.remoteAddress ?? '';
      const refusal =
        path !== WS_PATH
          ? '404 Not Found'
          : this.clients.size >= limits.maxConnections
            ? '503 Service Unavailable'
            : (this.perAddress.get(address) ?? 0) >= limits.maxConnectionsPerAddress
              ? '429 Too Many Requests'
              : null;
      if (refusal !== null) {
        socket.end(`HTTP/1.1 ${refusal}\r\nconnection: close\r\n\r\n`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, address));
    };
    init.server.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => this.beat(), limits.heartbeatMs);
    this.heartbeat.unref();
  }

  close(): void {
    clearInterval(this.heartbeat);
    // a replay waiting for its turn finds its client gone and stops
    this.slots.wakeAll();
    this.init.server.off('upgrade', this.onUpgrade);
    for (const ws of this.clients.keys()) ws.terminate();
    this.clients.clear();
    this.perAddress.clear();
    this.wss.close();
  }

  /** Subscriptions held over every socket (those still waiting for their snapshot included). */
  subscriptions(): number {
    let n = 0;
    for (const c of this.clients.values()) n += c.subs.size;
    return n;
  }

  /** Open sockets, and how many come from `address`. */
  connections(address?: string): number {
    return address === undefined ? this.clients.size : (this.perAddress.get(address) ?? 0);
  }

  private accept(ws: WebSocket, address: string): void {
    this.clients.set(ws, { id: this.nextId++, subs: new Map(), address, alive: true });
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(ws, data, isBinary));
    ws.on('pong', () => {
      const c = this.clients.get(ws);
      if (c) c.alive = true;
    });
    ws.on('close', () => this.drop(ws));
    ws.on('error', () => this.drop(ws));
  }

  /** Forgets a client (once, whichever way it went). */
  private drop(ws: WebSocket): void {
    const c = this.clients.get(ws);
    if (!c) return;
    this.clients.delete(ws);
    const n = (this.perAddress.get(c.address) ?? 1) - 1;
    if (n > 0) this.perAddress.set(c.address, n);
    else this.perAddress.delete(c.address);
  }

  /** Drops the clients that did not answer the last ping, and pings the rest. */
  private beat(): void {
    for (const [ws, c] of this.clients) {
      if (!c.alive) {
        this.drop(ws);
        ws.terminate();
        continue;
      }
      c.alive = false;
      ws.ping();
    }
  }

  /** Closes a client with a code it can act on; cut by the next heartbeat if it does not go. */
  private closeWith(ws: WebSocket, code: number, reason: string): void {
    this.drop(ws);
    ws.close(code, reason);
    setTimeout(() => ws.terminate(), this.limits.heartbeatMs).unref();
  }

  private onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    const client = this.clients.get(ws);
    if (!client) return;
    if (!this.messages.take(String(client.id))) {
      return this.closeWith(ws, WS_CLOSE.RATE_LIMITED, `RATE_LIMITED: at most ${this.limits.messagesPerSecond} messages per second`);
    }
    const subs = client.subs;
    const parsed = parseJson(isBinary ? '' : data.toString());
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return this.error(ws, ErrorCode.MALFORMED, 'expected a JSON object');
    const msg = parsed as Record<string, unknown>;
    // the client's name for this message, echoed in an error about it
    const ref = typeof msg.id === 'string' && msg.id.length <= 64 ? msg.id : undefined;
    const error = (code: ErrorCode, message: string): void => this.error(ws, code, message, ref);
    const channel = msg.channel;
    if (channel !== 'book' && channel !== 'trades' && channel !== 'account' && channel !== 'batches') {
      return error(ErrorCode.MALFORMED, 'channel: expected book, trades, account or batches');
    }
    let k = '';
    if (channel === 'book' || channel === 'trades') {
      const id = msg.marketId;
      if (typeof id !== 'number' || !this.init.listing.markets.some((m) => m.marketId === id))
        return error(ErrorCode.UNKNOWN_MARKET, 'marketId: not a listed market');
      k = String(id);
    } else if (channel === 'account') {
      if (!isHex(msg.subaccount, 32)) return error(ErrorCode.MALFORMED, 'subaccount: expected 32 bytes of 0x hex');
      k = msg.subaccount.toLowerCase();
    }
    const id = key(channel, k);
    if (msg.op === 'unsubscribe') {
      subs.delete(id);
      return;
    }
    if (msg.op !== 'subscribe') return error(ErrorCode.MALFORMED, 'op: expected subscribe or unsubscribe');
    if (!subs.has(id) && subs.size >= this.limits.maxSubscriptions)
      return error(ErrorCode.RATE_LIMITED, `at most ${this.limits.maxSubscriptions} subscriptions per connection`);
    const from = msg.fromBatchId;
    if (from !== undefined && (typeof from !== 'string' || !/^\d{1,20}$/.test(from)))
      return error(ErrorCode.MALFORMED, 'fromBatchId: expected a decimal batch id');
    const fromHash = msg.fromStateHash;
    if (fromHash !== undefined && !isHex(fromHash, 32)) return error(ErrorCode.MALFORMED, 'fromStateHash: expected 32 bytes of 0x hex');
    const sub: Subscription = { channel, key: k, seq: 0, ready: false, lastBatch: 0n, ref, rolledBack: null };
    subs.set(id, sub);
    // the snapshot is of committed state: a batch being applied (not committed, and perhaps
    // undone) is waited out, as the HTTP reads wait; its update is then in the snapshot
    void this.init.ledger
      .quiescent()
      .then(() =>
        this.start(
          ws,
          subs,
          id,
          sub,
          from === undefined || (channel !== 'trades' && channel !== 'batches') ? null : { batchId: BigInt(from), stateHash: fromHash?.toLowerCase() },
        ),
      )
      .catch((err: unknown) => {
        this.init.log.warn('ws: a subscription could not start', { channel, error: String(err) });
        if (subs.get(id) === sub) subs.delete(id);
        error(ErrorCode.INTERNAL, 'the subscription could not start: subscribe again');
      });
  }

  /**
   * Sends a subscription's snapshot, then (resuming) the updates of the batches after `from`,
   * then marks it ready for live updates — in the same turn as the last check that it has caught
   * up with the ledger, so that no committed batch falls between the replay and the live updates.
   */
  private async start(
    ws: WebSocket,
    subs: Map<string, Subscription>,
    id: string,
    sub: Subscription,
    from: { batchId: bigint; stateHash: string | undefined } | null,
  ): Promise<void> {
    const { ledger } = this.init;
    const wanted = (): boolean => subs.get(id) === sub && this.clients.has(ws);
    if (!wanted()) return; // unsubscribed or replaced meanwhile
    this.send(ws, sub, 'snapshot', this.snapshot(sub));
    sub.lastBatch = ledger.lastBatchId;
    if (from === null) {
      sub.ready = true;
      return;
    }
    await resume(
      {
        history: ledger.history,
        lastBatchId: () => ledger.lastBatchId,
        maxReplayBatches: this.limits.maxReplayBatches,
        slots: this.slots,
        send: (type, data) => this.send(ws, sub, type, data),
        wanted,
      },
      sub,
      from,
    );
  }

  /** Replay steps running now (at most maxConcurrentReplays). */
  replays(): number {
    return this.slots.size;
  }

  /**
   * After this node rolled back batch `batchId` (the chain settled another version, or reverted
   * it): the clients that were given its updates are told, and state channels get their state again.
   */
  onRollback(batchId: bigint): void {
    for (const [ws, { subs }] of this.clients) {
      for (const sub of subs.values()) {
        if (sub.channel === 'book') {
          if (sub.ready) this.send(ws, sub, 'update', this.snapshot(sub));
          continue;
        }
        if (!sub.ready) {
          // its replay is reading: it sees to the rollback when its step is done
          sub.rolledBack = sub.rolledBack === null || batchId < sub.rolledBack ? batchId : sub.rolledBack;
          continue;
        }
        if (sub.lastBatch < batchId) continue;
        sub.lastBatch = batchId - 1n;
        this.send(ws, sub, 'rollback', { batchId: batchId.toString() });
        if (sub.channel === 'account' && sub.ready) this.send(ws, sub, 'update', { batchId: null, events: [], account: this.snapshot(sub) });
      }
    }
  }

  /** After each committed batch: the updates of every subscription it concerns. */
  onBatch(p: Proposal, events: readonly EngineEvent[]): void {
    if (this.clients.size === 0) return;
    const markets = new Set<number>();
    const touched = new Map<Hex, string[]>();
    const warnings: Array<Extract<EngineEvent, { kind: 'marginCall' }>> = [];
    for (const e of events) {
      if ('marketId' in e && typeof e.marketId === 'number') markets.add(e.marketId);
      for (const s of subaccountsOf(e)) {
        const list = touched.get(s) ?? [];
        list.push(e.kind);
        touched.set(s, list);
      }
      if (e.kind === 'marginCall') warnings.push(e);
    }
    const fills: Array<{ e: Extract<EngineEvent, { kind: 'fill' }>; index: number }> = [];
    events.forEach((e, index) => {
      if (e.kind === 'fill') fills.push({ e, index });
    });
    for (const [ws, { subs }] of this.clients) {
      for (const sub of subs.values()) {
        // a batch already given (a resumed subscription's replay read it from history)
        if (!sub.ready || p.batchId <= sub.lastBatch) continue;
        sub.lastBatch = p.batchId;
        if (sub.channel === 'batches') {
          this.send(ws, sub, 'update', batchUpdate({ ...p, inputs: p.inputs.length, requests: p.requests.length, fills: fills.length }));
        } else if (sub.channel === 'book' && markets.has(Number(sub.key))) {
          this.send(ws, sub, 'update', this.snapshot(sub));
        } else if (sub.channel === 'trades') {
          const trades = fills.filter((f) => f.e.marketId === Number(sub.key));
          if (trades.length > 0) {
            this.send(ws, sub, 'update', {
              batchId: p.batchId.toString(),
              stateHash: p.stateHash,
              trades: trades.map(({ e, index }) => ({
                batchId: p.batchId.toString(),
                index,
                timestamp: p.timestamp.toString(),
                marketId: e.marketId,
                price: formatX18(e.price),
                amount: formatX18(e.amount),
                takerIsBuy: e.takerIsBuy,
                makerHash: e.makerHash,
                takerHash: e.takerHash,
              })),
            });
          }
        } else if (sub.channel === 'account') {
          for (const w of warnings) {
            if (w.subaccount !== sub.key) continue;
            this.send(ws, sub, 'marginCall', {
              subaccount: w.subaccount,
              at: w.at.toString(),
              graceEnds: w.graceEnds.toString(),
              maintenanceHealth: formatX18(w.maintenanceHealth),
              message: 'maintenance health is below zero: act (deposit, hedge, reduce) before graceEnds, or your risk plan runs',
            });
          }
          const kinds = touched.get(sub.key as Hex);
          if (kinds) this.send(ws, sub, 'update', { batchId: p.batchId.toString(), events: kinds, account: this.snapshot(sub) });
        }
      }
    }
  }

  private snapshot(sub: Subscription): unknown {
    const { ledger, listing } = this.init;
    switch (sub.channel) {
      case 'book': {
        const b = ledger.engine.book(Number(sub.key), this.limits.bookDepth);
        const lv = (levels: Array<[bigint, bigint]>): Array<[string, string]> => levels.map(([px, a]) => [formatX18(px), formatX18(a)]);
        return { marketId: b.marketId, sequence: ledger.engine.sequence.toString(), bids: lv(b.bids), asks: lv(b.asks) };
      }
      case 'trades':
        return { marketId: Number(sub.key), trades: [], lastBatchId: ledger.lastBatchId.toString(), stateHash: ledger.stateHash };
      case 'account':
        return accountView(ledger.engine, listing, sub.key as Hex);
      case 'batches':
        return { lastBatchId: ledger.lastBatchId.toString(), stateHash: ledger.stateHash };
    }
  }

  /** Sends one message of a subscription; false when the client is gone (or is dropped now, too slow). */
  private send(ws: WebSocket, sub: Subscription, type: string, data: unknown): boolean {
    if (!this.clients.has(ws)) return false;
    if (ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.init.log.warn('ws: a client fell too far behind; disconnecting it', { buffered: ws.bufferedAmount });
      this.closeWith(ws, WS_CLOSE.SLOW_CONSUMER, `SLOW_CONSUMER: more than ${this.limits.maxBufferedBytes} bytes unread`);
      return false;
    }
    const msg: Record<string, unknown> = { channel: sub.channel, type, seq: sub.seq++, data };
    if (sub.ref !== undefined) msg.id = sub.ref;
    if (sub.key !== '') msg[sub.channel === 'account' ? 'subaccount' : 'marketId'] = sub.channel === 'account' ? sub.key : Number(sub.key);
    ws.send(JSON.stringify(msg));
    return true;
  }

  private error(ws: WebSocket, code: ErrorCode, message: string, id?: string): void {
    if (this.clients.has(ws)) ws.send(JSON.stringify(id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id }));
  }
}

/** The subaccounts an event concerns. */
function subaccountsOf(e: EngineEvent): Hex[] {
  switch (e.kind) {
    case 'fill':
      return [e.maker, e.taker];
    case 'liquidated':
    case 'liquidationRejected':
      return [e.subaccount, e.liquidator];
    case 'deleveraged':
      return [e.subaccount, e.counterparty];
    default:
      return 'subaccount' in e && typeof e.subaccount === 'string' ? [e.subaccount] : [];
  }
}

/** The JSON value of a client's message, or undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // the caller answers MALFORMED
  }
}
