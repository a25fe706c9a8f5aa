/**
 * The node's place on the gossip network: its two topics, each rate-limited per relaying peer,
 * and its libp2p identity, kept in its data directory.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { NodeConfig } from '../config.js';
import { gossipCost } from './codec.js';
import type { DropReason, Network, Verdict } from './network.js';

/**
 * The node's two gossip topics, each rate-limited per relaying peer before its handler runs:
 * inputs (orders, cancels, plans) at `gossipRateLimit`, batch proposals at `proposalRateLimit`.
 */
export function subscribeGossip(
  network: Pick<Network, 'onMessage'>,
  topics: { orders: string; batches: string },
  handle: { input: (data: Uint8Array) => Promise<Verdict>; proposal: (data: Uint8Array) => Promise<Verdict> },
  limits: Pick<NodeConfig, 'gossipRateLimit' | 'proposalRateLimit'>,
  throttled: {
    /** told of each message over the allowance, with its count of inputs */
    inputThrottled: (inputs: number) => void;
    proposalThrottled: () => void;
    inputDropped?: (reason: DropReason, inputs: number) => void;
    proposalDropped?: (reason: DropReason) => void;
  },
): void {
  const { inputDropped, proposalDropped } = throttled;
  // a bundle of inputs costs its peer's allowance one token per input
  network.onMessage(topics.orders, (data) => handle.input(data), {
    perPeer: limits.gossipRateLimit,
    cost: gossipCost,
    onThrottle: throttled.inputThrottled,
    ...(inputDropped ? { onDrop: inputDropped } : {}),
  });
  network.onMessage(topics.batches, (data) => handle.proposal(data), {
    perPeer: limits.proposalRateLimit,
    onThrottle: throttled.proposalThrottled,
    ...(proposalDropped ? { onDrop: (reason: DropReason) => proposalDropped(reason) } : {}),
  });
}

/** The node's libp2p identity, kept in its data directory so its peer id survives restarts. */
export async function loadPeerKey(dataDir: string): Promise<Awaited<ReturnType<typeof generateKeyPair>>> {
  const path = join(dataDir, 'peer.key');
  try {
    return privateKeyFromProtobuf(await readFile(path));
  } catch {
    const key = await generateKeyPair('Ed25519');
    await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600 });
    return key;
  }
}
