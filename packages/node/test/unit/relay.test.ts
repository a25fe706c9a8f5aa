/**
 * The relay over real libp2p streams on loopback: a follower's pending inputs reach a peer that
 * answers as the sequencer, its refusals become the follower's, a cut peer gets them when it
 * connects, and a bad request is never answered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { ErrorCode, KestrelError, orderInput, type Hex, type SignedInput } from '@kestrel/core';
import { inputToWire } from '@kestrel/api';
import { startNetwork, type Network } from '../../src/gossip/network.js';
import { Mempool } from '../../src/mempool/mempool.js';
import { DEFAULT_RELAY_LIMITS } from '../../src/relay/limits.js';
import { Relay } from '../../src/relay/relay.js';
import { RelayResponder } from '../../src/relay/responder.js';
import { decodeRelayAnswer, encodeRelay, RELAY_VERSION } from '../../src/relay/wire.js';
import { RateLimiter } from '../../src/util/rate-limit.js';
import { recoverAddress } from '../../src/admission/recover.js';
import { privateKeyToAccount } from 'viem/accounts';
import { createLogger } from '../../src/util/log.js';

const PROTOCOL = '/kestrel/test/relay/1';
const DOMAIN = `0x${'11'.repeat(32)}` as Hex;
const topics = { orders: '/kestrel/test/orders/1', batches: '/kestrel/test/batches/1' };
const log = createLogger('test', 'silent');
const SIG = `0x${'22'.repeat(64)}1b` as Hex;
/** the operator key the test's sequencer signs its answers with, and a key that is no operator's */
const OPERATOR = privateKeyToAccount(`0x${'33'.repeat(32)}`);
const STRANGER = privateKeyToAccount(`0x${'44'.repeat(32)}`);
const isOperator = async (digest: Hex, signature: Hex): Promise<boolean> => recoverAddress(digest, signature) === OPERATOR.address.toLowerCase();

const order = (nonce: number): SignedInput =>
  orderInput(
    DOMAIN,
    {
      subaccount: `0x${'ab'.repeat(20)}${'00'.repeat(12)}`,
      marketId: 1,
      isBuy: true,
      price: 1_000n * 10n ** 18n,
      amount: 10n ** 18n,
      nonce: BigInt(nonce),
      expiry: 0n,
      flags: 0,
      clientId: 0n,
    },
    SIG,
  );

async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const nets: Network[] = [];
const relays: Relay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
  await Promise.all(nets.splice(0).map((n) => n.stop()));
});

async function net(bootstrap: string[] = []): Promise<Network> {
  const n = await startNetwork({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap,
    topics,
    maxMessageBytes: 1 << 20,
    log: () => undefined,
  });
  nets.push(n);
  return n;
}
const dialable = (n: Network): string[] => n.addresses().map((x) => (x.includes('/p2p/') ? x : `${x}/p2p/${n.peerId}`));

/** A node's relay over `network`: its mempool holds `pending`; `admit` judges what peers push. */
function node(
  network: Network,
  role: 'sequencer' | 'follower',
  pending: SignedInput[],
  admit: (i: SignedInput) => Promise<void>,
  now = () => Date.now(),
  signer = OPERATOR,
) {
  const mempool = new Mempool({ maxTotal: 100, maxPerSubaccount: 100, maxPerOwner: 100 });
  for (const i of pending) mempool.add(i);
  const rejected = new Map<Hex, string>();
  const ledger = {
    domainSep: DOMAIN,
    mempool,
    isSequenced: () => false,
    rejectCode: (h: Hex) => rejected.get(h),
    cancelSeen: () => false,
    recordReject: async (input: SignedInput, code: string) => {
      rejected.set(input.hash, code);
      mempool.remove([input.hash]);
    },
    discard: async (hashes: readonly Hex[]) => void mempool.remove(hashes),
  };
  const answered: string[] = [];
  const results: string[] = [];
  const responder = new RelayResponder({
    ledger,
    admit: async (i) => {
      await admit(i);
      mempool.add(i);
    },
    sequencer: role === 'sequencer',
    sign: (digest) => signer.sign({ hash: digest }),
    limiter: new RateLimiter({ perSecond: 1000, burst: 1000 }),
    maxInputsPerRequest: 3,
    onRefused: () => undefined,
    onResult: (r) => answered.push(`${r.status}${r.code ? `:${r.code}` : ''}`),
  });
  const relay = new Relay({
    ledger,
    network,
    protocol: PROTOCOL,
    role,
    limits: { ...DEFAULT_RELAY_LIMITS, maxInputsPerRequest: 3, firstResendMs: 1_000, intervalMs: 3_600_000 },
    maxBytes: 1 << 20,
    responder,
    domainSep: DOMAIN,
    verifySequencer: isOperator,
    log,
    now,
    onResult: (r, fromSequencer) => results.push(`${fromSequencer ? 'sequencer' : 'peer'} ${r.status}`),
  });
  relays.push(relay);
  return { relay, mempool, rejected, answered, results };
}

describe('relay', () => {
  it('re-sends what is due to the sequencer, drops what it refuses and keeps what it is too busy for', async () => {
    const [a, b, c] = [order(1), order(2), order(3)];
    const leaderNet = await net();
    const leader = node(leaderNet, 'sequencer', [], async (i) => {
      if (i.hash === b.hash) throw new KestrelError(ErrorCode.NONCE_USED, 'nonce used');
      if (i.hash === c.hash) throw new KestrelError(ErrorCode.MEMPOOL_FULL, 'full', { limit: 1 });
    });
    await leader.relay.start();
    let t = 0;
    const followerNet = await net(dialable(leaderNet));
    const follower = node(
      followerNet,
      'follower',
      [a, b, c],
      async () => undefined,
      () => t,
    );
    await follower.relay.start();
    await waitFor(() => followerNet.peers().length > 0, 'the follower connected');
    // the exchange on connect already pushed them all; the answers act as a re-send's would
    await waitFor(() => follower.results.length === 3, 'the answers came back');
    expect(follower.rejected.get(b.hash)).toBe('NONCE_USED');
    expect(follower.mempool.has(b.hash)).toBe(false);
    expect(follower.mempool.has(c.hash)).toBe(true); // busy is not a refusal
    expect(leader.mempool.has(a.hash)).toBe(true);
    expect(leader.answered).toEqual(['accepted', 'refused:NONCE_USED', 'busy:MEMPOOL_FULL']);
    expect(follower.results).toEqual(['sequencer accepted', 'sequencer refused', 'sequencer busy']);
    // not due yet: the exchange counted as a send, so the next turn is a doubled wait away
    t = 1_000;
    await follower.relay.round();
    expect(leader.answered).toHaveLength(3);
    // the sequencer holds a: it is not asked again before maxBackoffMs; c (busy) is
    expect(follower.relay.schedule.get(a.hash)).toEqual({ sends: 1, dueAt: DEFAULT_RELAY_LIMITS.maxBackoffMs });
    t = 2_000;
    await follower.relay.round();
    expect(leader.answered.slice(3)).toEqual(['busy:MEMPOOL_FULL']);
    expect(follower.relay.schedule.get(c.hash)).toEqual({ sends: 2, dueAt: 2_000 + 4_000 });
    // still pending here after maxBackoffMs (no batch took it): asked again, and it is known there
    // (c, due since 6,000, goes first: the longest overdue)
    t = DEFAULT_RELAY_LIMITS.maxBackoffMs;
    await follower.relay.round();
    expect(leader.answered.slice(4)).toEqual(['busy:MEMPOOL_FULL', 'known']);
    expect(follower.relay.schedule.get(a.hash)).toEqual({ sends: 2, dueAt: t + DEFAULT_RELAY_LIMITS.maxBackoffMs });
  });

  it("waits maxBackoffMs before re-sending a peer's input, firstResendMs for a client's, and soon for what it read back from disk", async () => {
    const [disk, peers, clients] = [order(1), order(2), order(3)];
    const t = 1_000;
    const follower = node(
      await net(),
      'follower',
      [disk],
      async () => undefined,
      () => t,
    );
    follower.mempool.add(peers); // gossip or a relay brought it
    follower.mempool.add(clients);
    follower.relay.own(clients.hash); // the API admitted it
    const { firstResendMs, maxBackoffMs } = { firstResendMs: 1_000, maxBackoffMs: DEFAULT_RELAY_LIMITS.maxBackoffMs };
    expect(follower.relay.schedule.get(disk.hash)?.dueAt).toBe(t + firstResendMs);
    expect(follower.relay.schedule.get(clients.hash)?.dueAt).toBe(t + firstResendMs);
    expect(follower.relay.schedule.get(peers.hash)?.dueAt).toBe(t + maxBackoffMs);
  });

  it('does not drop an input for a peer that claims to sequence without an operator signature', async () => {
    const a = order(1);
    const liarNet = await net();
    const liar = node(
      liarNet,
      'sequencer',
      [],
      async () => {
        throw new KestrelError(ErrorCode.NONCE_USED, 'nonce used');
      },
      () => Date.now(),
      STRANGER,
    );
    await liar.relay.start();
    const followerNet = await net(dialable(liarNet));
    const follower = node(followerNet, 'follower', [a], async () => undefined);
    await follower.relay.start();
    await waitFor(() => follower.results.length === 1, 'the answer was read');
    expect(liar.answered).toEqual(['refused:NONCE_USED']);
    expect(follower.results).toEqual(['peer refused']);
    expect(follower.mempool.has(a.hash)).toBe(true);
    expect(follower.rejected.size).toBe(0);
  });

  it('pushes its pending inputs to a peer when it connects, in requests of maxInputsPerRequest', async () => {
    const pending = [order(1), order(2), order(3), order(4), order(5)];
    const leaderNet = await net();
    const leader = node(leaderNet, 'sequencer', [], async () => undefined);
    await leader.relay.start();
    const followerNet = await net(dialable(leaderNet));
    const follower = node(followerNet, 'follower', pending, async () => undefined);
    await follower.relay.start();
    await waitFor(() => leader.mempool.size === pending.length, 'every pending input reached the leader');
    expect(leader.answered).toEqual(Array(5).fill('accepted'));
    expect(pending.map((i) => follower.relay.schedule.get(i.hash)?.sends)).toEqual([1, 1, 1, 1, 1]);
  });

  it('pushes to a peer that starts answering the protocol after it connected', async () => {
    const pending = [order(1), order(2)];
    const leaderNet = await net();
    const leader = node(leaderNet, 'sequencer', pending, async () => undefined);
    await leader.relay.start();
    const followerNet = await net(dialable(leaderNet));
    await waitFor(() => leaderNet.peers().length > 0, 'connected');
    // the follower handles the relay protocol only now: the leader learns it by identify push
    const follower = node(followerNet, 'follower', [], async () => undefined);
    await follower.relay.start();
    await waitFor(() => follower.mempool.size === pending.length, 'the leader pushed its pending inputs');
    expect(follower.answered).toEqual(['accepted', 'accepted']);
  });

  it('closes a request it cannot read without an answer, and judges each input of one it can', async () => {
    const leaderNet = await net();
    const leader = node(leaderNet, 'sequencer', [], async () => undefined);
    await leader.relay.start();
    const client = await net(dialable(leaderNet));
    await waitFor(() => client.peers().length > 0, 'connected');
    const peer = client.peers()[0]!;
    const opts = { maxBytes: 1 << 20, timeoutMs: 5_000 };
    await expect(client.request(peer, PROTOCOL, new TextEncoder().encode('not json'), opts)).rejects.toThrow();
    const tooMany = encodeRelay({ v: RELAY_VERSION, inputs: [{}, {}, {}, {}] as never[] });
    await expect(client.request(peer, PROTOCOL, tooMany, opts)).rejects.toThrow();
    const mixed = encodeRelay({ v: RELAY_VERSION, inputs: [{ type: 'drop', hash: `0x${'00'.repeat(32)}` }, { type: 'order' }] as never[] });
    // a result names the digest an input claims, or 0x when it claims none
    const answer = decodeRelayAnswer(await client.request(peer, PROTOCOL, mixed, opts), [`0x${'00'.repeat(32)}`, '0x']);
    expect(answer.sequencer).toBe(true);
    expect(answer.results.map((r) => `${r.status}:${r.code}`)).toEqual(['refused:MALFORMED', 'refused:MALFORMED']);
    expect(leader.mempool.size).toBe(0);
  });

  it('refuses an answer whose results name other inputs than those sent', () => {
    const [a, b] = [order(1), order(2)];
    const answer = (hashes: Hex[]): Uint8Array =>
      encodeRelay({ v: RELAY_VERSION, sequencer: true, results: hashes.map((hash) => ({ hash, status: 'refused', code: 'NONCE_USED' })) });
    expect(decodeRelayAnswer(answer([a.hash, b.hash]), [a.hash, b.hash]).results).toHaveLength(2);
    expect(() => decodeRelayAnswer(answer([b.hash, a.hash]), [a.hash, b.hash])).toThrow(/another input/);
    expect(() => decodeRelayAnswer(answer([a.hash]), [a.hash, b.hash])).toThrow(/malformed/);
  });

  it('answers a re-sent input it holds as known, under the digest it holds, without hashing it again', async () => {
    const held = order(5);
    // held under a digest no hash of its fields gives: only the held digest can name it
    const heldDigest = `0x${'7e'.repeat(32)}` as Hex;
    const mempool = new Mempool({ maxTotal: 10, maxPerSubaccount: 10, maxPerOwner: 10 });
    mempool.add({ ...held, hash: heldDigest });
    const responder = new RelayResponder({
      ledger: { domainSep: DOMAIN, mempool, isSequenced: () => false, rejectCode: () => undefined, cancelSeen: () => false },
      admit: async () => {
        throw new Error('a held input is not admitted again');
      },
      sequencer: false,
      limiter: new RateLimiter({ perSecond: 10, burst: 10 }),
      maxInputsPerRequest: 3,
      onRefused: () => undefined,
    });
    const request = encodeRelay({ v: RELAY_VERSION, inputs: [inputToWire(held), inputToWire(order(6))] });
    const answer = decodeRelayAnswer(await responder.answer(request, 'peer'), [heldDigest, order(6).hash]);
    expect(answer.results.map((r) => `${r.hash.slice(0, 6)} ${r.status}`)).toEqual(['0x7e7e known', `${order(6).hash.slice(0, 6)} busy`]);
  });
});
