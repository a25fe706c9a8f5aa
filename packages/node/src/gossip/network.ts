/**
 * The gossip network: libp2p over TCP with noise and yamux, gossipsub with `StrictNoSign` and a
 * content-hash message id (the payload is self-authenticating: orders carry their own
 * signatures), and two topics per deployment (spec/node.md). Besides gossip, one-shot
 * request/response streams between two peers (the relay of pending inputs, relay/): gossipsub
 * drops a payload it has seen within its seen-cache window, so it cannot carry a re-send.
 */
import '../util/polyfill.js';
import { createLibp2p, type Libp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@libp2p/noise';
import { yamux } from '@libp2p/yamux';
import { identify, identifyPush } from '@libp2p/identify';
import { gossipsub, TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub';
import { multiaddr } from '@multiformats/multiaddr';
import type { PrivateKey, Stream } from '@libp2p/interface';
import { createHash } from 'node:crypto';
import { RateLimiter, type RateLimit } from '../util/rate-limit.js';

/** Verdict of a gossip validator: only REJECT (provably bad) penalizes the sending peer. */
export type Verdict = 'ACCEPT' | 'IGNORE' | 'REJECT';

export interface NetworkInit {
  privateKey: PrivateKey;
  listen: string[];
  bootstrap: string[];
  topics: { orders: string; batches: string };
  /** largest gossip payload accepted, bytes; larger messages are rejected before decoding */
  maxMessageBytes: number;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

export type MessageHandler = (data: Uint8Array, topic: string) => Verdict | Promise<Verdict>;

/** Why a gossip message was dropped before its handler's verdict (counted by the node). */
export type DropReason = 'too_large' | 'throttled' | 'handler_failed';

export interface MessageOptions {
  /** the relaying peer's allowance; its surplus is IGNOREd before the handler runs */
  perPeer?: RateLimit;
  /** what a message costs the allowance, read without decoding it (1 when not given) */
  cost?: (data: Uint8Array) => number;
  /** told of each message over the allowance, with its cost */
  onThrottle?: (cost: number) => void;
  /** told of each message dropped before the handler decided, with the reason and its cost */
  onDrop?: (reason: DropReason, cost: number) => void;
}

/** Answers one request of a request/response protocol; throwing closes the stream unanswered. */
export type RequestHandler = (data: Uint8Array, peer: string) => Promise<Uint8Array>;

export interface Network {
  readonly peerId: string;
  addresses(): string[];
  peerCount(): number;
  publish(topic: string, data: Uint8Array): Promise<void>;
  /**
   * Runs `handler` as the topic's validator; accepted messages are relayed to the mesh. With
   * `perPeer`, a peer relaying faster than that has its surplus ignored before `handler` runs
   * (IGNORE, not REJECT: a busy honest relay is not penalized), and `onThrottle` is told.
   * `onDrop` is told of every message dropped before `handler` decided (oversized, throttled,
   * or the handler threw).
   */
  onMessage(topic: string, handler: MessageHandler, opts?: MessageOptions): void;
  /** Answers `protocol` requests: one request and one answer per stream, each at most `maxBytes`. */
  handle(protocol: string, handler: RequestHandler, opts: { maxBytes: number }): Promise<void>;
  /** Sends one request to a connected peer and returns its answer (throws on timeout, a too large answer, or no answer). */
  request(peer: string, protocol: string, data: Uint8Array, opts: { maxBytes: number; timeoutMs: number }): Promise<Uint8Array>;
  /** Ids of the connected peers. */
  peers(): string[];
  /**
   * Calls `onReady` for each peer that connects and says (identify) it speaks `protocol`, and
   * once now for each peer already connected.
   */
  onPeerReady(protocol: string, onReady: (peer: string) => void): void;
  stop(): Promise<void>;
}

/** Reads a stream to its end, refusing more than `maxBytes`. */
async function readAll(stream: Stream, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray();
    size += bytes.length;
    if (size > maxBytes) {
      stream.abort(new Error(`message over ${maxBytes} bytes`));
      throw new Error(`message over ${maxBytes} bytes`);
    }
    chunks.push(bytes);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Writes `data` and closes the writing side (the reader sees the end). */
async function writeAll(stream: Stream, data: Uint8Array, signal?: AbortSignal): Promise<void> {
  if (!stream.send(data)) await stream.onDrain(signal ? { signal } : {});
  await stream.close(signal ? { signal } : {});
}

const VERDICT: Record<Verdict, TopicValidatorResult> = {
  ACCEPT: TopicValidatorResult.Accept,
  IGNORE: TopicValidatorResult.Ignore,
  REJECT: TopicValidatorResult.Reject,
};

export async function startNetwork(init: NetworkInit): Promise<Network> {
  const node: Libp2p<{ pubsub: GossipSub; identify: unknown; identifyPush: unknown }> = await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      // a protocol handled after a peer connected (the relay starts after the bootstrap dial) is
      // announced to it: its peer:identify fires again, with the protocol
      identifyPush: identifyPush(),
      pubsub: gossipsub({
        globalSignaturePolicy: 'StrictNoSign',
        // native SHA-256: a proposal carries every input of its batch (~100 kB at 250 orders), and
        // every message is hashed on publish and on receipt
        msgIdFn: (msg) => createHash('sha256').update(msg.data).digest(),
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        floodPublish: true,
      }),
    },
  });
  const pubsub = node.services.pubsub;
  for (const topic of [init.topics.orders, init.topics.batches]) pubsub.subscribe(topic);

  let stopped = false;
  const redial = async (): Promise<void> => {
    for (const addr of init.bootstrap) {
      if (stopped) return;
      try {
        const ma = multiaddr(addr);
        const peer = ma.getComponents().find((c) => c.name === 'p2p')?.value;
        if (peer && node.getConnections().some((c) => c.remotePeer.toString() === peer)) continue;
        await node.dial(ma, { signal: AbortSignal.timeout(5000) });
        init.log('p2p: connected', { addr });
      } catch (err) {
        init.log('p2p: dial failed, will retry', { addr, error: (err as Error).message });
      }
    }
  };
  await redial();
  // Keep the bootstrap peers connected: a restarted peer comes back on its old address.
  const timer = setInterval(() => void redial(), 2000);
  timer.unref();

  return {
    peerId: node.peerId.toString(),
    addresses: () => node.getMultiaddrs().map((a) => a.toString()),
    peerCount: () => node.getPeers().length,
    async publish(topic, data) {
      await pubsub.publish(topic, data);
    },
    onMessage(topic, handler, opts) {
      const limiter = opts?.perPeer ? new RateLimiter(opts.perPeer) : null;
      pubsub.topicValidators.set(topic, async (peer, msg) => {
        if (msg.data.length > init.maxMessageBytes) {
          opts?.onDrop?.('too_large', 1);
          return VERDICT.REJECT;
        }
        const cost = opts?.cost?.(msg.data) ?? 1;
        if (limiter && !limiter.take(peer.toString(), cost)) {
          opts?.onThrottle?.(cost);
          opts?.onDrop?.('throttled', cost);
          return VERDICT.IGNORE;
        }
        try {
          return VERDICT[await handler(msg.data, topic)];
        } catch (err) {
          init.log('p2p: handler failed', { topic, error: (err as Error).message });
          opts?.onDrop?.('handler_failed', cost);
          return VERDICT.IGNORE;
        }
      });
    },
    async handle(protocol, handler, opts) {
      await node.handle(protocol, async (stream, connection) => {
        try {
          const answer = await handler(await readAll(stream, opts.maxBytes), connection.remotePeer.toString());
          if (answer.length > opts.maxBytes) throw new Error(`answer over ${opts.maxBytes} bytes`);
          await writeAll(stream, answer);
        } catch (err) {
          init.log('p2p: request not answered', { protocol, peer: connection.remotePeer.toString(), error: (err as Error).message });
          stream.abort(err as Error);
        }
      });
    },
    async request(peer, protocol, data, opts) {
      const signal = AbortSignal.timeout(opts.timeoutMs);
      const target = node.getPeers().find((p) => p.toString() === peer);
      if (!target) throw new Error(`peer ${peer} is not connected`);
      const stream = await node.dialProtocol(target, protocol, { signal });
      try {
        await writeAll(stream, data, signal);
        const onAbort = (): void => stream.abort(new Error(`no answer within ${opts.timeoutMs} ms`));
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          return await readAll(stream, opts.maxBytes);
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      } catch (err) {
        stream.abort(err as Error);
        throw err;
      }
    },
    peers: () => node.getPeers().map((p) => p.toString()),
    onPeerReady(protocol, onReady) {
      // once per connection: identify may run again on a live connection
      const ready = new Set<string>();
      const announce = (peer: string): void => {
        if (ready.has(peer)) return;
        ready.add(peer);
        onReady(peer);
      };
      node.addEventListener('peer:disconnect', (evt) => ready.delete(evt.detail.toString()));
      node.addEventListener('peer:identify', (evt) => {
        if (evt.detail.protocols.includes(protocol)) announce(evt.detail.peerId.toString());
      });
      // peers identified before this call; one not identified yet comes through the event
      for (const p of node.getPeers()) {
        void node.peerStore
          .get(p)
          .then((known) => (known.protocols.includes(protocol) ? announce(p.toString()) : undefined))
          .catch(() => undefined);
      }
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await node.stop();
    },
  };
}
