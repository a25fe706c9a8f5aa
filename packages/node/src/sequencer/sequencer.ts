/**
 * The sequencer (leader): every `batchInterval` it takes the mempool in arrival order and the
 * chain's new requests, applies them to the engine, simulates `settleBatch`, and — if the chain
 * would refuse an order — undoes the batch and rebuilds it without that order. Then it gossips
 * the proposal, commits it to disk and submits it, one batch at a time.
 *
 * A batch the chain reverts after all (something changed on chain between the simulation and the
 * block: a trader's `cancelOrders` or `cancelUpTo` mined first) is rolled back — its inputs return
 * to the mempool — and the next tick builds the batch again against the chain as it now is, so a
 * race costs one interval instead of stopping the exchange. Followers replace their copy when
 * the new batch with the same id arrives.
 */
import {
  KestrelError,
  ErrorCode,
  findOrderInput,
  proposalDigest,
  settlementOf,
  type PriceUpdate,
  type Proposal,
  type SettlementArgs,
  type BatchInput,
  type ProtocolInput,
} from '@kestrel/core';
import type { Hex } from '@kestrel/core';
import type { ExchangeChain, FeedInfo } from '../chain/exchange.js';
import { InvalidBatchReason, InvalidFillReason } from '@kestrel/contracts';
import { blame, refusalCode } from './refusal.js';
import { batchClock } from './batch-clock.js';
import { sendTimer, type BatchStage, type StageObserver } from './timing.js';
import type { Ledger } from '../store/ledger.js';
import type { Logger } from '../util/log.js';
import { Loop } from '../util/loop.js';
import { epochAt, inHandoverGap, leaderAt, mayLeadAt, rankAt, turnFrom } from '../chain/schedule.js';

/** A revert that refuses who sent the batch (out of its turn, or no operator), not what it holds. */
const refusedTheSender = (error: string | undefined): boolean => error !== undefined && /^Not(Leader|Operator)\(/.test(error);

export interface SequencerInit {
  ledger: Ledger;
  chain: ExchangeChain;
  log: Logger;
  /** publishes a committed proposal to the batches topic */
  publish: (p: Proposal) => Promise<void>;
  /** signs a proposal digest with the operator key */
  sign: (digest: Hex) => Promise<Hex>;
  /** wall clock in unix seconds (the only clock: the batch timestamp comes from here) */
  nowSeconds: () => bigint;
  batchIntervalMs: number;
  maxBatchOrders: number;
  maxBatchRequests: number;
  /** price feeds by market id (from the Exchange) */
  feeds: ReadonlyMap<number, FeedInfo>;
  /** perp market ids */
  perps: readonly number[];
  fundingIntervalSeconds: number;
  /**
   * an empty batch once this long has passed since the last (0: never): no batch for the
   * Exchange's forceDelay lets anyone freeze it, so an idle exchange still settles now and then
   */
  heartbeatSeconds: number;
  /** told how long each phase of a tick took, in milliseconds (metrics) */
  observe?: (phase: TickPhase, ms: number) => void;
  /** told how long a stage of a batch took, in seconds (the latency histograms) */
  observeStage?: StageObserver;
  /** whether the node halted (its state is not the chain's or the leader's): it sequences nothing more */
  halted?: () => boolean;
  /**
   * called at the two points where a leader dying leaves the most to recover (a testing hook,
   * faults.ts): a batch committed and gossiped but not yet sent, and sent but its receipt not yet
   * recorded
   */
  fault?: (point: FaultPoint, p: Proposal) => void;
}

/** Where {@link SequencerInit.fault} is called. */
export type FaultPoint = 'before-submit' | 'after-submit';

/**
 * The phases of a tick, in order: the chain reads; apply (the engine, the state commitment and
 * the settlement arguments, once per build); simulate (per build); commit (sign and write);
 * publish (gossip); submit (send and receipt).
 */
export type TickPhase = 'read' | 'apply' | 'simulate' | 'commit' | 'publish' | 'submit';

/** The heartbeat a node keeps by default: a quarter of the Exchange's forceDelay. */
export const heartbeatFor = (forceDelay: bigint): number => Number(forceDelay / 4n);

/** How many times a batch is rebuilt after a simulated refusal before the tick gives up. */
const MAX_REBUILDS = 8;
/**
 * A plan step for one account at most this often: a step with nothing to trade against leaves
 * the book untouched, and retrying it every batch would settle a batch every interval for nothing.
 */
const DE_RISK_RETRY_SECONDS = 5n;

export class Sequencer {
  private readonly loop: Loop;
  /** when each account's last plan step was sequenced (see DE_RISK_RETRY_SECONDS) */
  private readonly lastStep = new Map<Hex, bigint>();
  /**
   * The schedule as the last tick read it: the epoch, its leader, and the block time from which
   * this operator may settle in it (its turn, or its takeover); null before the first tick.
   */
  turn: { epoch: bigint; leader: Hex | null; from: bigint | null } | null = null;

  constructor(private readonly s: SequencerInit) {
    this.loop = new Loop(
      () => this.tick(),
      s.batchIntervalMs,
      (err) => s.log.error('sequencer: tick failed', { error: err.message }),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** This node's operator address, lower-case. */
  private get operator(): Hex {
    const op = this.s.chain.operator;
    if (!op) throw new KestrelError(ErrorCode.INTERNAL, 'sequencer: the chain client has no operator key');
    return op.toLowerCase() as Hex;
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Starts a phase's clock; the returned function stops it and reports the phase (and the batch stage it is). */
  private time(phase: TickPhase, stage?: BatchStage): () => void {
    const t0 = performance.now();
    return () => {
      const ms = performance.now() - t0;
      this.s.observe?.(phase, ms);
      if (stage) this.s.observeStage?.(stage, ms / 1000);
    };
  }

  /** One batch, if there is anything to sequence (one at a time with this node's following, Ledger.exclusive). Exposed for tests. */
  tick(): Promise<void> {
    return this.s.ledger.exclusive(() => this.tickNow());
  }

  /**
   * Whether the last tick found this operator leading (its turn, past a handover's gap, or a
   * takeover): the relay then takes inputs in rather than re-sending them.
   */
  leading = false;

  private async tickNow(): Promise<void> {
    const { ledger, chain, log } = this.s;
    if (this.s.halted?.()) {
      this.leading = false;
      return;
    }
    const reads = this.time('read');
    // every read the tick needs from the chain, at once (one JSON-RPC batch): the chain's height,
    // its request queue, the next block's time and each feed's latest round
    const [onChain, count, pendingTime, rounds, { schedule, now }] = await Promise.all([
      chain.lastBatchId(),
      chain.requestCount(),
      chain.pendingBlockTimestamp(),
      this.latestRounds(),
      chain.leaderSchedule(),
    ]);
    reads();
    // only in this operator's turn by the chain's schedule (or a takeover whose delay passed):
    // out of it, the chain would refuse the batch, and sending committed ones again would too
    this.turn = { epoch: epochAt(schedule, now), leader: leaderAt(schedule, now), from: turnFrom(schedule, this.operator, now) };
    const rank = rankAt(schedule, this.operator, now);
    this.leading = mayLeadAt(schedule, this.operator, now) && !(rank === 0 && inHandoverGap(schedule, this.operator, now));
    if (!this.leading) return;
    if (await this.resubmitUnsettled(onChain)) return; // what it read is older than what it sent: next tick
    if (ledger.lastSettledBatchId > ledger.lastBatchId) {
      // another operator settled batches this log lacks: sequencing on would only be refused
      log.error('sequencer: the chain is ahead of this node; not sequencing', { chain: String(ledger.lastSettledBatchId), local: String(ledger.lastBatchId) });
      return;
    }
    await ledger.pruneExpired(this.s.nowSeconds());
    const to = count < ledger.requestCursor + BigInt(this.s.maxBatchRequests) ? count : ledger.requestCursor + BigInt(this.s.maxBatchRequests);
    const requests = to > ledger.requestCursor ? await chain.requests(ledger.requestCursor, to) : [];
    let inputs: BatchInput[] = ledger.mempool.peek(this.s.maxBatchOrders).map((e) => e.input);

    const timestamp = batchClock(this.s.nowSeconds(), pendingTime, ledger.lastTimestamp, ledger.config.maxBatchAge ?? 0n);
    const batchId = ledger.lastBatchId + 1n;
    let prices = this.newPrices(rounds, timestamp);
    let funding = this.fundingDue(timestamp, prices);
    inputs = [...inputs, ...this.protocolSteps(timestamp)];
    // with other operators, a leader with nothing to do still settles within half the takeover
    // delay: the chain cannot tell an idle leader from a dead one
    let every = BigInt(this.s.heartbeatSeconds);
    if (schedule.operators.length > 1 && schedule.takeoverSeconds / 2n < every) every = schedule.takeoverSeconds / 2n;
    const heartbeat = every > 0n && timestamp - ledger.lastTimestamp >= every;
    if (inputs.length === 0 && requests.length === 0 && prices.length === 0 && funding.length === 0 && !heartbeat) return;

    for (let attempt = 0; attempt <= MAX_REBUILDS; attempt++) {
      const applying = this.time('apply', 'build');
      const applied = ledger.tryApply({ timestamp, prices, funding, requests, inputs });
      const unsigned = {
        batchId,
        timestamp,
        requestCursor: to,
        prices,
        funding,
        requests,
        inputs,
        prevStateHash: ledger.stateHash,
        stateHash: applied.stateHash,
      };
      const proposal: Proposal = { ...unsigned, signature: '0x' };
      const args = settlementOf(
        proposal,
        applied.events,
        (h) => {
          const o = ledger.signedOrder(h) ?? findOrderInput(inputs, h);
          return o && { hash: h, order: o.order, signature: o.signature };
        },
        (id) => this.s.perps.includes(id),
      );
      applying();
      let sim: Awaited<ReturnType<ExchangeChain['simulate']>>;
      try {
        const simulating = this.time('simulate', 'simulation');
        sim = await chain.simulate(args);
        simulating();
        if (sim.ok) {
          const committing = this.time('commit');
          proposal.signature = await this.s.sign(proposalDigest(ledger.domainSep, unsigned));
          await ledger.commit(proposal, applied.events, args);
          committing();
        }
      } catch (err) {
        applied.undo(); // nothing was committed: the batch is built again next tick
        throw err;
      }
      if (sim.ok) {
        await this.finish(proposal, args, sim.gas);
        return;
      }
      applied.undo();
      if (sim.error === 'NotLeader' || sim.error === 'NotOperator') {
        log.info("sequencer: not this operator's turn by the chain; waiting", { error: sim.error });
        return;
      }
      if (sim.error === 'InvalidBatch' && (Number(sim.args[0]) === InvalidBatchReason.PRICE || Number(sim.args[0]) === InvalidBatchReason.FUNDING)) {
        // a feed round the chain will not read (a feed changed meanwhile): try without prices and funding
        log.warn("sequencer: the chain refuses the batch's prices; rebuilding without them", { error: sim.error, args: sim.args.map(String) });
        prices = [];
        funding = [];
        if (inputs.length === 0 && requests.length === 0) return;
        continue;
      }
      const without = await this.withoutProtocolCulprit(sim, args, inputs);
      if (without !== null) {
        log.warn('sequencer: the chain refuses a de-risking step; rebuilding without it', { error: sim.error, args: sim.args.map(String) });
        inputs = without;
        if (inputs.length === 0 && requests.length === 0 && prices.length === 0 && funding.length === 0) return;
        continue;
      }
      const culprit = blame(sim, args, inputs, await this.consumedOnChain(sim, args));
      if (!culprit) {
        log.error('sequencer: the chain refuses the batch and no order is to blame', { error: sim.error, args: sim.args.map(String) });
        return;
      }
      log.warn('sequencer: chain would refuse the batch; rebuilding', { error: sim.error, args: sim.args.map(String), culprit });
      const own = inputs.find((i) => i.type === 'order' && i.hash === culprit);
      if (own?.type === 'order') {
        // the order is new in this batch: leave it out and refuse it
        inputs = inputs.filter((i) => i !== own);
        await ledger.recordReject(own, refusalCode(sim));
        if (inputs.length === 0 && requests.length === 0) return;
      } else {
        // a resting order the chain will no longer settle: take it off the book first
        inputs = [{ type: 'drop', hash: culprit }, ...inputs];
      }
    }
    log.error('sequencer: gave up rebuilding the batch', { batchId: String(batchId) });
  }

  /**
   * The de-risking steps due at the batch's time (spec/de-risking.md): a plan step for each flagged account
   * whose grace window is over (at most every DE_RISK_RETRY_SECONDS), and the absorptions and
   * deleveraging the engine lists. The engine checks each again when it applies it.
   */
  private protocolSteps(timestamp: bigint): ProtocolInput[] {
    const engine = this.s.ledger.engine;
    const out: ProtocolInput[] = [];
    for (const a of engine.accountsAtRisk()) {
      if (a.graceEnds === undefined || a.graceEnds > timestamp || a.tier === 'healthy' || a.tier === 'restricted') continue;
      const last = this.lastStep.get(a.subaccount);
      if (last !== undefined && timestamp - last < DE_RISK_RETRY_SECONDS) continue;
      this.lastStep.set(a.subaccount, timestamp);
      out.push({ type: 'deRisk', subaccount: a.subaccount });
    }
    for (const step of engine.dueSteps()) {
      if (step.kind === 'absorb') out.push({ type: 'absorb', subaccount: step.subaccount });
      else if (step.kind === 'deleverage') out.push({ type: 'deleverage', subaccount: step.subaccount, marketId: step.marketId });
    }
    return out;
  }

  /**
   * The inputs without the protocol step the chain refused, or null when the refusal is not a
   * protocol step's: a plan order (no signature) leaves out its account's plan step; a refused
   * absorption or deleveraging leaves out every one of its kind; a refused plan leaves out the
   * plans (they go back to nobody: the chain would refuse them again).
   */
  private async withoutProtocolCulprit(
    sim: { error: string; args: readonly unknown[] },
    args: SettlementArgs,
    inputs: BatchInput[],
  ): Promise<BatchInput[] | null> {
    const reason = Number(sim.args[sim.error === 'InvalidBatch' ? 0 : 1]);
    // a plan order (no signature) the chain refuses, whatever the reason, or a fill it takes part
    // in: its account's plan step is left out (never a trader's order in its place)
    const planOrders =
      sim.error === 'InvalidOrder'
        ? [args.orders[Number(sim.args[0])]]
        : sim.error === 'InvalidFill'
          ? [args.fills[Number(sim.args[0])]].flatMap((f) => (f ? [args.orders[f.maker], args.orders[f.taker]] : []))
          : [];
    const plan = planOrders.find((o) => o !== undefined && o.signature === '0x');
    if (plan !== undefined) return inputs.filter((i) => !(i.type === 'deRisk' && i.subaccount === plan.order.subaccount));
    if (sim.error !== 'InvalidBatch') return null;
    if (reason === InvalidBatchReason.ABSORB) return inputs.filter((i) => i.type !== 'absorb');
    if (reason === InvalidBatchReason.DELEVERAGE) return inputs.filter((i) => i.type !== 'deleverage');
    if (reason === InvalidBatchReason.PLAN) {
      await this.s.ledger.discard(inputs.flatMap((i) => (i.type === 'riskPlan' ? [i.hash] : [])));
      return inputs.filter((i) => i.type !== 'riskPlan');
    }
    return null;
  }

  /** Each feed's latest round, by market id (a feed that cannot be read is left out, with a warning). */
  private async latestRounds(): Promise<PriceUpdate[]> {
    const { chain, log } = this.s;
    const feeds = [...this.s.feeds].sort((a, b) => a[0] - b[0]);
    const rounds = await Promise.all(
      feeds.map(([marketId, feed]) =>
        chain.latestRound(marketId, feed).catch((err: Error) => {
          log.warn('sequencer: a price feed could not be read', { marketId, error: err.message });
          return null;
        }),
      ),
    );
    return rounds.filter((u) => u !== null);
  }

  /**
   * The latest rounds newer than the price the engine holds and published by the batch's time
   * (the contract refuses a round from the future).
   */
  private newPrices(rounds: readonly PriceUpdate[], timestamp: bigint): PriceUpdate[] {
    const engine = this.s.ledger.engine;
    return rounds.filter((u) => {
      const held = engine.oracleTime(u.marketId);
      return u.publishedAt <= timestamp && (held === undefined || u.publishedAt > held);
    });
  }

  /** Perps whose funding interval has run out and that have a price to apply it at. */
  private fundingDue(timestamp: bigint, prices: readonly PriceUpdate[]): number[] {
    const engine = this.s.ledger.engine;
    const interval = BigInt(this.s.fundingIntervalSeconds);
    return this.s.perps.filter((id) => {
      const since = engine.fundingSince(id);
      const priced = engine.oraclePrice(id) !== undefined || prices.some((u) => u.marketId === id);
      return since !== 0n && timestamp - since >= interval && priced;
    });
  }

  /**
   * For an OVERFILL refusal: which of the fill's two orders the chain holds fully filled (an order
   * cancelled on chain after the batch was built), so the right one is left out.
   */
  private async consumedOnChain(sim: { error: string; args: readonly unknown[] }, args: SettlementArgs): Promise<Set<Hex>> {
    const out = new Set<Hex>();
    if (sim.error !== 'InvalidFill' || Number(sim.args[1]) !== InvalidFillReason.OVERFILL) return out;
    const fill = args.fills[Number(sim.args[0])];
    if (!fill) return out;
    for (const i of [fill.maker, fill.taker]) {
      const hash = args.hashes[i];
      const order = args.orders[i]?.order;
      if (hash !== undefined && order !== undefined && (await this.s.chain.filled(hash)) >= order.amount) out.add(hash);
    }
    return out;
  }

  /** Gossips and submits a committed batch, with the gas its simulation took. */
  private async finish(p: Proposal, args: SettlementArgs, gas: bigint): Promise<void> {
    const { ledger, chain, log } = this.s;
    const publishing = this.time('publish');
    await this.s.publish(p).catch((err: Error) => log.warn('sequencer: gossip failed', { error: err.message }));
    publishing();
    const fills = args.fills.length;
    this.s.fault?.('before-submit', p);
    const submitting = this.time('submit');
    const r = await chain.submit(args, gas, sendTimer(this.s.observeStage));
    submitting();
    this.s.fault?.('after-submit', p);
    if (r.status !== 'success' || r.txHash === null) {
      if (refusedTheSender(r.error)) {
        if (!(await this.superseded(p.batchId, p.stateHash))) {
          log.warn('sequencer: the chain refused the sender, not the batch (its turn ended); kept to be sent again', {
            batchId: String(p.batchId),
            error: r.error,
          });
        }
        return;
      }
      if (await this.landedAnyway(p.batchId, p.stateHash)) return;
      log.warn('sequencer: the chain reverted the batch; rolling it back to build it again', { batchId: String(p.batchId), txHash: r.txHash, error: r.error });
      await ledger.rollback(p.batchId);
      return;
    }
    await ledger.setTxHash(p.batchId, r.txHash);
    ledger.lastSettledBatchId = p.batchId;
    log.info('batch settled', {
      batchId: String(p.batchId),
      inputs: p.inputs.length,
      requests: p.requests.length,
      fills,
      gas: String(r.gasUsed),
      status: r.status,
      stateHash: p.stateHash,
    });
  }

  /**
   * After a restart (or a send that failed), batches committed locally but not on chain are sent
   * again, in order, from `onChain`, the chain's last batch id. Returns whether it sent any.
   */
  private async resubmitUnsettled(onChain: bigint): Promise<boolean> {
    const { ledger, chain, log } = this.s;
    ledger.lastSettledBatchId = onChain;
    const sent = onChain < ledger.lastBatchId;
    while (onChain < ledger.lastBatchId) {
      const rec = await ledger.batch(onChain + 1n);
      if (!rec?.settlement) throw new KestrelError(ErrorCode.INTERNAL, `batch ${onChain + 1n} is not in the log with its settlement`);
      const args = rec.settlement;
      log.info('sequencer: resubmitting a committed batch', { batchId: String(onChain + 1n) });
      const r = await chain.submit(args, undefined, sendTimer(this.s.observeStage));
      if (r.status !== 'success' || r.txHash === null) {
        // kept: sent again in this operator's next turn, or by the next leader — unless another's won
        if (refusedTheSender(r.error)) {
          await this.superseded(onChain + 1n, rec.proposal.stateHash);
          return true;
        }
        if (await this.landedAnyway(onChain + 1n, rec.proposal.stateHash)) return true;
        if (!ledger.canRollBack(onChain + 1n))
          throw new KestrelError(ErrorCode.INTERNAL, `resubmitted batch ${onChain + 1n} reverted and cannot be rolled back`);
        log.warn('sequencer: the chain reverted a resubmitted batch; rolling it back', { batchId: String(onChain + 1n) });
        await ledger.rollback(onChain + 1n);
        return true;
      }
      await ledger.setTxHash(onChain + 1n, r.txHash);
      onChain += 1n;
      ledger.lastSettledBatchId = onChain;
    }
    return sent;
  }

  /**
   * Before a reverted batch is undone, the chain is asked whether it holds that batch after all: a
   * send the node took for failed (its answer lost, the RPC down) can land, and the batch sent
   * again then reverts. Settled with this state hash: it is recorded as settled, not undone.
   * Settled otherwise, or past it: the chain is ahead of this log (the tick says so and stops
   * sequencing); undoing would not help. Returns whether the batch must be left as it is.
   */
  private async landedAnyway(batchId: bigint, stateHash: Hex): Promise<boolean> {
    const { ledger, chain, log } = this.s;
    const settled = await chain.lastSettled();
    if (settled.batchId < batchId) return false;
    if (settled.batchId === batchId && settled.stateHash === stateHash.toLowerCase()) {
      const txHash = await chain.settlementTx(batchId);
      if (txHash) await ledger.setTxHash(batchId, txHash);
      ledger.lastSettledBatchId = batchId;
      log.warn('sequencer: a send of the batch reverted, but the chain settled it already: kept', { batchId: String(batchId), txHash });
      return true;
    }
    ledger.lastSettledBatchId = settled.batchId;
    log.error('sequencer: the chain settled this batch id otherwise, or further; not undoing it', {
      batchId: String(batchId),
      chainBatchId: String(settled.batchId),
      chainStateHash: settled.stateHash,
      localStateHash: stateHash,
    });
    return true;
  }

  /**
   * After the chain refused this operator's batch for its sender: whether another operator's batch
   * with that id was settled instead (a takeover that crossed it). Then this one can never land: it
   * is undone here (its inputs back to the mempool), and the follower takes the chain's version.
   */
  private async superseded(batchId: bigint, stateHash: Hex): Promise<boolean> {
    const { ledger, chain, log } = this.s;
    const settled = await chain.lastSettled();
    if (settled.batchId < batchId) return false;
    if (settled.batchId === batchId && settled.stateHash === stateHash.toLowerCase()) return false;
    if (!ledger.canRollBack(batchId)) return false;
    log.warn('sequencer: another operator settled this batch id first; ours is undone', { batchId: String(batchId), chainBatchId: String(settled.batchId) });
    await ledger.rollback(batchId);
    return true;
  }
}
