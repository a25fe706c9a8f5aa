/**
 * The gossip network: libp2p over TCP with noise and yamux, gossipsub with `StrictNoSign` and a
 * content-hash message id (the payload is self-authenticating: orders carry their own
 * signatures), and two topics per deployment (spec/node.md).
 */
import '../util/polyfill.js';
import { createLibp2p, type Libp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@libp2p/noise';
import { yamux } from '@libp2p/yamux';
import { identify } from '@libp2p/identify';
import { gossipsub, TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub';
import { multiaddr } from '@multiformats/multiaddr';
import type { PrivateKey } from '@libp2p/interface';
import { keccak_256 } from '@noble/hashes/sha3.js';
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
  onMessage(topic: string, handler: MessageHandler, opts?: { perPeer?: RateLimit; onThrottle?: () => void; onDrop?: (reason: DropReason) => void }): void;
  stop(): Promise<void>;
}

const VERDICT: Record<Verdict, TopicValidatorResult> = {
  ACCEPT: TopicValidatorResult.Accept,
  IGNORE: TopicValidatorResult.Ignore,
  REJECT: TopicValidatorResult.Reject,
};

export async function startNetwork(init: NetworkInit): Promise<Network> {
  const node: Libp2p<{ pubsub: GossipSub; identify: unknown }> = await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({
        globalSignaturePolicy: 'StrictNoSign',
        msgIdFn: (msg) => keccak_256(msg.data),
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
          opts?.onDrop?.('too_large');
          return VERDICT.REJECT;
        }
        if (limiter && !limiter.take(peer.toString())) {
          opts?.onThrottle?.();
          opts?.onDrop?.('throttled');
          return VERDICT.IGNORE;
        }
        try {
          return VERDICT[await handler(msg.data, topic)];
        } catch (err) {
          init.log('p2p: handler failed', { topic, error: (err as Error).message });
          opts?.onDrop?.('handler_failed');
          return VERDICT.IGNORE;
        }
      });
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await node.stop();
    },
  };
}
