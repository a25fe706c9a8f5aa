/**
 * The relay: what makes a 2xx mean delivered (spec/node.md, Delivery). Gossip sends an input once,
 * and a peer that cannot take it then (its mempool full, its connection down) drops it; gossipsub
 * would drop the same bytes again within its seen-cache window. So a follower also pushes each
 * input it holds unsequenced to the sequencer over a request/response stream of its own, again
 * and again with backoff (`ResendSchedule`), until the input leaves its mempool: sequenced (a
 * proposal took it), refused by the sequencer with a reason (recorded, so the node that accepted
 * it shows `rejected` with the code), or expired. And every node pushes its pending inputs to a
 * peer when the peer connects, so a cut does not strand them.
 *
 * Requests go to the connected peers that answered as the sequencer (their answer signed by an
 * operator key); while none has, to every connected peer (each relays what it takes in turn).
 * Only a sequencer's refusal is final.
 */
import { inputToWire } from '@kestrel/api';
import { ErrorCode, type Hex, type SignedInput } from '@kestrel/core';
import type { Ledger } from '../store/ledger.js';
import type { Network } from '../gossip/network.js';
import type { Logger } from '../util/log.js';
import { Loop } from '../util/loop.js';
import type { RelayLimits } from './limits.js';
import type { RelayResponder } from './responder.js';
import { ResendSchedule } from './schedule.js';
import { decodeRelayAnswer, encodeRelay, RELAY_VERSION, relayAnswerDigest, type RelayResult } from './wire.js';

export interface RelayInit {
  ledger: Pick<Ledger, 'mempool' | 'recordReject' | 'discard'>;
  network: Pick<Network, 'request' | 'peers' | 'onPeerReady' | 'handle'>;
  protocol: string;
  /** a sequencer answers and exchanges, but re-sends nothing: its mempool is where inputs go */
  role: 'sequencer' | 'follower';
  /**
   * for an operator's node, whether it leads now (its sequencer's last tick): while it does, it
   * re-sends nothing; out of its turn it re-sends what it holds to the leader, as a follower does
   */
  leading?: () => boolean;
  limits: RelayLimits;
  /** the size bound of a request and of its answer, bytes */
  maxBytes: number;
  responder: RelayResponder;
  /** the domain separator the sequencer's answer signature is over */
  domainSep: Hex;
  /** whether `signature` of `digest` is an operator's: only then is a peer taken for the sequencer */
  verifySequencer: (digest: Hex, signature: Hex) => Promise<boolean>;
  log: Logger;
  /** ms; the schedule's clock */
  now?: () => number;
  /** inputs sent, by why (`resend` or `exchange`) */
  onSent?: (why: 'resend' | 'exchange', count: number) => void;
  /** each result a peer answered */
  onResult?: (result: RelayResult, fromSequencer: boolean) => void;
  /** a request that failed (no answer, a bad answer, the peer gone) */
  onFailed?: () => void;
  /** an input dropped from the mempool because the sequencer refused it */
  onDropped?: (code: string) => void;
}

export class Relay {
  readonly schedule: ResendSchedule;
  private readonly loop: Loop;
  /** peers whose last answer said they sequence */
  private readonly sequencers = new Set<string>();
  /** peers an exchange is running with (one at a time per peer) */
  private readonly exchanging = new Set<string>();
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly r: RelayInit) {
    this.now = r.now ?? (() => Date.now());
    this.schedule = new ResendSchedule(r.limits);
    if (r.role === 'follower' || r.leading) {
      // The schedule follows the mempool as it changes: what it holds now (read back from disk:
      // due soon), then each input that enters or leaves. An input is first taken as a peer's
      // (gossip, relay): the peer that took it from its client re-sends it itself, so this node's
      // copy waits maxBackoffMs, a backstop should that peer go away — under a sequencer's backlog,
      // re-sending every gossiped input after firstResendMs doubled the load on both. `own` brings
      // in the inputs this node's clients gave it.
      const { mempool } = r.ledger;
      const now = this.now();
      for (const e of mempool.peek(mempool.size)) this.schedule.add(e.input.hash, now);
      mempool.watch({
        added: (e) => this.schedule.add(e.input.hash, this.now(), r.limits.maxBackoffMs),
        removed: (h, why) => this.schedule.forget(h, why === 'sequenced' ? this.now() : undefined),
      });
    }
    this.loop = new Loop(
      () => this.round(),
      r.limits.intervalMs,
      (err) => r.log.warn('relay: round failed', { error: err.message }),
    );
  }

  async start(): Promise<void> {
    await this.r.network.handle(this.r.protocol, (data, peer) => this.r.responder.answer(data, peer), { maxBytes: this.r.maxBytes });
    this.r.network.onPeerReady(this.r.protocol, (peer) => {
      void this.exchange(peer).catch((err: Error) => this.r.log.warn('relay: exchange failed', { peer, error: err.message }));
    });
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }

  /** Whether this node is where inputs go now: a sequencer in its turn. */
  private isLeading(): boolean {
    return this.r.leading ? this.r.leading() : this.r.role === 'sequencer';
  }

  /** A client of this node gave it the input (admitted through the API): it is re-sent after the schedule's first wait (ResendSchedule.firstWait). */
  own(hash: Hex): void {
    this.schedule.soon(hash, this.now());
  }

  /** Inputs this node holds unsequenced and follows (the re-send schedule's size). */
  get pending(): number {
    return this.schedule.size;
  }

  /** One re-send round: the inputs due, in requests of `maxInputsPerRequest`, to the targets. Exposed for tests. */
  async round(): Promise<void> {
    if (this.isLeading()) return;
    const now = this.now();
    const due = this.schedule.due(now, this.r.limits.maxInputsPerRound);
    // with no peer they stay due: the exchange sends them when a peer connects
    const targets = this.targets();
    if (due.length === 0 || targets.length === 0) return;
    for (const chunk of chunks(this.inputs(due), this.r.limits.maxInputsPerRequest)) {
      if (this.stopped) return;
      for (const i of chunk) this.schedule.sent(i.hash, now);
      this.r.onSent?.('resend', chunk.length * targets.length);
      await Promise.all(targets.map((peer) => this.push(peer, chunk)));
    }
  }

  /** Pushes this node's pending inputs, oldest first and at most `exchangeMaxInputs`, to a peer that just connected. */
  async exchange(peer: string): Promise<void> {
    if (this.exchanging.has(peer) || this.stopped) return;
    this.exchanging.add(peer);
    try {
      const { mempool } = this.r.ledger;
      const inputs = mempool.peek(this.r.limits.exchangeMaxInputs).map((e) => e.input);
      if (inputs.length === 0) return;
      this.r.log.info('relay: pushing pending inputs to a peer that connected', { peer, inputs: inputs.length });
      const now = this.now();
      for (const chunk of chunks(inputs, this.r.limits.maxInputsPerRequest)) {
        if (this.stopped) return;
        if (!this.isLeading()) for (const i of chunk) this.schedule.sent(i.hash, now);
        this.r.onSent?.('exchange', chunk.length);
        if (!(await this.push(peer, chunk))) return;
      }
    } finally {
      this.exchanging.delete(peer);
    }
  }

  /** The connected peers that sequence, or every connected peer while none is known to. */
  private targets(): string[] {
    const connected = this.r.network.peers();
    const leaders = connected.filter((p) => this.sequencers.has(p));
    return leaders.length > 0 ? leaders : connected;
  }

  private inputs(hashes: readonly Hex[]): SignedInput[] {
    return hashes.flatMap((h) => ((i) => (i ? [i] : []))(this.r.ledger.mempool.get(h)));
  }

  /** Sends one request and acts on its answer; false when the request failed. */
  private async push(peer: string, inputs: readonly SignedInput[]): Promise<boolean> {
    let answer: ReturnType<typeof decodeRelayAnswer>;
    try {
      const data = encodeRelay({ v: RELAY_VERSION, inputs: inputs.map(inputToWire) });
      const raw = await this.r.network.request(peer, this.r.protocol, data, { maxBytes: this.r.maxBytes, timeoutMs: this.r.limits.requestTimeoutMs });
      answer = decodeRelayAnswer(
        raw,
        inputs.map((i) => i.hash),
      );
    } catch (err) {
      this.r.onFailed?.();
      this.r.log.debug('relay: a request failed; its inputs wait for their next turn', { peer, inputs: inputs.length, error: (err as Error).message });
      return false;
    }
    const sequencer = answer.sequencer && answer.signature !== undefined && (await this.isSequencer(answer.resultsJson, answer.signature));
    if (answer.sequencer && !sequencer) this.r.log.warn('relay: a peer answered as the sequencer without an operator signature; not trusted', { peer });
    if (sequencer) this.sequencers.add(peer);
    else this.sequencers.delete(peer);
    for (const [i, input] of inputs.entries()) await this.apply(input, answer.results[i]!, sequencer);
    return true;
  }

  private async isSequencer(resultsJson: string, signature: Hex): Promise<boolean> {
    try {
      return await this.r.verifySequencer(relayAnswerDigest(this.r.domainSep, resultsJson), signature);
    } catch {
      return false; // the chain could not be asked: not trusted this time
    }
  }

  /** A sequencer's refusal is final: the input leaves the mempool, an order recorded `rejected` with the code. */
  private async apply(input: SignedInput, result: RelayResult, fromSequencer: boolean): Promise<void> {
    this.r.onResult?.(result, fromSequencer);
    if (fromSequencer && (result.status === 'accepted' || result.status === 'known')) this.schedule.held(input.hash, this.now());
    if (result.status !== 'refused' || !fromSequencer || !this.r.ledger.mempool.has(input.hash)) return;
    const code = result.code ?? ErrorCode.SETTLEMENT_REFUSED;
    if (input.type === 'order') await this.r.ledger.recordReject(input, code);
    else await this.r.ledger.discard([input.hash]);
    this.schedule.forget(input.hash);
    this.r.onDropped?.(code);
    this.r.log.info('relay: the sequencer refused an input; dropped from the mempool', { hash: input.hash, type: input.type, code });
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
