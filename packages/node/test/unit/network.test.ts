import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { startNetwork, type Network, type Verdict } from '../../src/gossip/network.js';
import { subscribeGossip } from '../../src/gossip/subscribe.js';
import { encodeInputBundle } from '../../src/gossip/codec.js';

const topics = { orders: '/kestrel/test/orders/1', batches: '/kestrel/test/batches/1' };
const quiet = (): void => undefined;

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A node on a free loopback port, dialing `bootstrap`. */
async function peer(bootstrap: string[]): Promise<Network> {
  return startNetwork({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, topics, maxMessageBytes: 1024, log: quiet });
}

const dialable = (n: Network): string[] => n.addresses().map((x) => (x.includes('/p2p/') ? x : `${x}/p2p/${n.peerId}`));

/** `count` nodes, every one after the first dialing the first; all pushed to `nets` for cleanup. */
async function mesh(count: number, nets: Network[]): Promise<Network[]> {
  const first = await peer([]);
  nets.push(first);
  for (let i = 1; i < count; i++) nets.push(await peer(dialable(first)));
  return [...nets];
}

describe('gossip network over TCP on loopback', () => {
  it('delivers messages between three nodes and drops what the validator rejects', async () => {
    const nets: Network[] = [];
    try {
      const [a, b, c] = (await mesh(3, nets)) as [Network, Network, Network];
      const got: Record<string, string[]> = { b: [], c: [] };
      const handler =
        (who: 'b' | 'c') =>
        (data: Uint8Array): Verdict => {
          const text = new TextDecoder().decode(data);
          if (text.startsWith('bad')) return 'REJECT';
          got[who]!.push(text);
          return 'ACCEPT';
        };
      a.onMessage(topics.orders, () => 'ACCEPT');
      b.onMessage(topics.orders, handler('b'));
      c.onMessage(topics.orders, handler('c'));
      await waitFor(() => a.peerCount() >= 2);
      // let the gossip mesh form before publishing
      await new Promise((r) => setTimeout(r, 1500));
      await a.publish(topics.orders, new TextEncoder().encode('bad message'));
      for (let i = 0; i < 20; i++) await a.publish(topics.orders, new TextEncoder().encode(`order ${i}`));
      await a.publish(topics.orders, new Uint8Array(2048)); // over the size limit
      await waitFor(() => got.b!.length >= 20 && got.c!.length >= 20);
      expect(got.b).toEqual(Array.from({ length: 20 }, (_, i) => `order ${i}`));
      expect(got.c).toHaveLength(20);
    } finally {
      await Promise.all(nets.map((n) => n.stop()));
    }
  });

  it('ignores what a peer relays beyond its rate limit, before the handler runs', async () => {
    const nets: Network[] = [];
    try {
      const [a, b] = (await mesh(2, nets)) as [Network, Network];
      const handled: string[] = [];
      let throttled = 0;
      a.onMessage(topics.orders, () => 'ACCEPT');
      // a burst of 5 and a refill far too slow to matter during the test
      b.onMessage(
        topics.orders,
        (data) => {
          handled.push(new TextDecoder().decode(data));
          return 'ACCEPT';
        },
        { perPeer: { perSecond: 0.001, burst: 5 }, onThrottle: () => throttled++ },
      );
      await waitFor(() => b.peerCount() >= 1);
      await new Promise((r) => setTimeout(r, 1500));
      for (let i = 0; i < 20; i++) await a.publish(topics.orders, new TextEncoder().encode(`order ${i}`));
      await waitFor(() => handled.length + throttled >= 20);
      expect(handled).toEqual(Array.from({ length: 5 }, (_, i) => `order ${i}`));
      expect(throttled).toBe(15);
    } finally {
      await Promise.all(nets.map((n) => n.stop()));
    }
  });

  it('charges a message what its cost says, and tells the throttled cost', async () => {
    const nets: Network[] = [];
    try {
      const [a, b] = (await mesh(2, nets)) as [Network, Network];
      const handled: number[] = [];
      const throttled: number[] = [];
      a.onMessage(topics.orders, () => 'ACCEPT');
      // an allowance of 10 tokens; each message's first byte is its cost
      b.onMessage(
        topics.orders,
        (data) => {
          handled.push(data[0]!);
          return 'ACCEPT';
        },
        { perPeer: { perSecond: 0.001, burst: 10 }, cost: (data) => data[0]!, onThrottle: (cost) => throttled.push(cost) },
      );
      await waitFor(() => b.peerCount() >= 1);
      await new Promise((r) => setTimeout(r, 1500));
      for (const [i, cost] of [4, 4, 4, 2, 1].entries()) await a.publish(topics.orders, Uint8Array.from([cost, i]));
      await waitFor(() => handled.length + throttled.length >= 5);
      // 4 + 4 taken; the third 4 would pass the allowance; 2 fits; 1 does not
      expect(handled).toEqual([4, 4, 2]);
      expect(throttled).toEqual([4, 1]);
    } finally {
      await Promise.all(nets.map((n) => n.stop()));
    }
  });

  it("limits each peer on the node's batches topic as on its inputs topic", async () => {
    const nets: Network[] = [];
    try {
      const [a, b] = (await mesh(2, nets)) as [Network, Network];
      const handled = { input: 0, proposal: 0 };
      const throttled = { input: 0, proposal: 0 };
      a.onMessage(topics.orders, () => 'ACCEPT');
      a.onMessage(topics.batches, () => 'ACCEPT');
      subscribeGossip(
        b,
        topics,
        {
          input: async () => {
            handled.input++;
            return 'ACCEPT';
          },
          proposal: async () => {
            handled.proposal++;
            return 'ACCEPT';
          },
        },
        { gossipRateLimit: { perSecond: 0.001, burst: 8 }, proposalRateLimit: { perSecond: 0.001, burst: 3 } },
        { inputThrottled: (inputs) => (throttled.input += inputs), proposalThrottled: () => throttled.proposal++ },
      );
      await waitFor(() => b.peerCount() >= 1);
      await new Promise((r) => setTimeout(r, 1500));
      for (let i = 0; i < 20; i++) await a.publish(topics.batches, new TextEncoder().encode(`proposal ${i}`));
      // a bundle of 5 inputs takes 5 of the 8 tokens, as 5 single inputs would
      await a.publish(topics.orders, encodeInputBundle(['1', '2', '3', '4', '5']));
      for (let i = 0; i < 5; i++) await a.publish(topics.orders, new TextEncoder().encode(`order ${i}`));
      await waitFor(() => handled.proposal + throttled.proposal >= 20 && handled.input + throttled.input >= 6);
      expect([handled.proposal, throttled.proposal]).toEqual([3, 17]);
      expect([handled.input, throttled.input]).toEqual([4, 2]);
    } finally {
      await Promise.all(nets.map((n) => n.stop()));
    }
  });

  it('tells of every message it drops before the handler decides, with the reason', async () => {
    const nets: Network[] = [];
    try {
      const [a, b] = (await mesh(2, nets)) as [Network, Network];
      const drops: string[] = [];
      let handled = 0;
      a.onMessage(topics.orders, () => 'ACCEPT');
      b.onMessage(
        topics.orders,
        (data) => {
          handled++;
          if (new TextDecoder().decode(data).startsWith('boom')) throw new Error('handler failure');
          return 'ACCEPT';
        },
        { perPeer: { perSecond: 0.001, burst: 3 }, onDrop: (reason) => drops.push(reason) },
      );
      await waitFor(() => b.peerCount() >= 1);
      await new Promise((r) => setTimeout(r, 1500));
      await a.publish(topics.orders, new Uint8Array(2048)); // over maxMessageBytes (1,024)
      await a.publish(topics.orders, new TextEncoder().encode('order 1'));
      await a.publish(topics.orders, new TextEncoder().encode('boom 2'));
      await a.publish(topics.orders, new TextEncoder().encode('order 3'));
      for (let i = 4; i < 6; i++) await a.publish(topics.orders, new TextEncoder().encode(`order ${i}`));
      // seven events: the failing message is both handled and dropped
      await waitFor(() => drops.length + handled >= 7);
      expect(handled).toBe(3);
      expect(drops.sort()).toEqual(['handler_failed', 'throttled', 'throttled', 'too_large']);
    } finally {
      await Promise.all(nets.map((n) => n.stop()));
    }
  });
});
