/**
 * A follower applies the leader's proposals in batch order and checks that its own engine reaches
 * the state hash the leader announced. Proposals arrive by gossip; a follower that missed some
 * (it was down, or a message was lost) fetches them from a peer's API (`GET /v1/batches/:id`).
 * The chain's settled batch height is the final word on how far the log is real: a batch above it
 * is tentative, and when the leader replaces it (the chain reverted it and the leader built it
 * again) the follower rolls its copy back and applies the new one.
 */
import { findOrderInput, proposalDigest, settlementOf, type ChainRequest, type Hex, type Proposal } from '@kestrel/core';
import { proposalFromWire, type Recover } from './proposal-inputs.js';
import { recoverAddress } from '../admission/recover.js';
import type { ExchangeChain, FeedInfo } from '../chain/exchange.js';
import { inTurnNow } from '../chain/schedule.js';
import { endpoints, pathOf, type BatchResponse, type DivergenceWire } from '@kestrel/api';
import type { Ledger } from '../store/ledger.js';
import type { Logger } from '../util/log.js';
import { Loop } from '../util/loop.js';
import { TentativeCheck } from './tentative-check.js';

export interface FollowerInit {
  ledger: Ledger;
  chain: ExchangeChain;
  log: Logger;
  /** peer API base URLs to fetch missing batches from */
  syncFrom: string[];
  pollIntervalMs: number;
  /** price feeds by market id: a proposal's prices are checked against their rounds */
  feeds: ReadonlyMap<number, FeedInfo>;
  /** recovers a signer for the inputs of a fetched batch this node never saw (in place if not given) */
  recover?: Recover;
  /** how long our last batch stays tentative before catch-up asks a peer whether it was replaced, ms (TentativeCheck) */
  tentativeCheckMs?: number;
}

/** A second: several batch intervals, and longer than a batch normally takes to land. */
export const DEFAULT_TENTATIVE_CHECK_MS = 1_000;

export type ApplyResult = 'applied' | 'old' | 'gap' | 'diverged' | 'forged';

export class Follower {
  private readonly loop: Loop;
  diverged: DivergenceWire | null = null;
  private readonly tentative: TentativeCheck;

  constructor(private readonly f: FollowerInit) {
    this.tentative = new TentativeCheck(f.tentativeCheckMs ?? DEFAULT_TENTATIVE_CHECK_MS);
    this.loop = new Loop(
      () => this.catchUp(),
      f.pollIntervalMs,
      (err) => f.log.warn('follower: catch-up failed', { error: err.message }),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Stops applying anything more, with why (the audit of settled batches halts the node this way). */
  halt(d: DivergenceWire): void {
    this.diverged ??= d;
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.f.ledger.exclusive(async () => undefined);
  }

  /**
   * Whether a gossiped proposal for `batchId` may matter, before anything is verified: the next
   * batch, or one with the id of our last (the leader's replacement of a batch the chain
   * reverted). Anything older is ignored at no cost.
   */
  wants(batchId: bigint): boolean {
    return batchId >= this.f.ledger.lastBatchId;
  }

  /** Applies one proposal if it is the next batch (one at a time with this node's own sequencing, Ledger.exclusive). */
  apply(p: Proposal): Promise<ApplyResult> {
    return this.f.ledger.exclusive(() => this.applyNow(p));
  }

  private async applyNow(p: Proposal): Promise<ApplyResult> {
    const { ledger, log } = this.f;
    if (this.diverged) return 'diverged';
    if (p.batchId === ledger.lastBatchId && p.batchId > 0n) {
      if (!(await this.replaces(p))) return 'old';
      log.warn('follower: the leader replaced an unsettled batch; rolling ours back', { batchId: String(p.batchId) });
      await ledger.rollback(p.batchId);
    }
    if (p.batchId <= ledger.lastBatchId) return 'old';
    if (p.batchId !== ledger.lastBatchId + 1n) return 'gap';
    if (!(await this.signedInTurn(p))) {
      log.warn('follower: proposal not signed by an operator in its turn; ignored', { batchId: String(p.batchId) });
      return 'forged';
    }
    if (!(await this.checkPrices(p))) {
      log.warn('follower: proposal prices differ from the feeds; ignored', { batchId: String(p.batchId) });
      return 'forged';
    }
    const requests = await this.checkRequests(p);
    if (typeof requests === 'string') {
      if (requests === 'forged') log.warn('follower: proposal requests differ from the chain queue; ignored', { batchId: String(p.batchId) });
      return requests === 'forged' ? 'forged' : 'gap';
    }
    // the chain's own requests: a listing change comes with what the chain keeps, not a peer's word for it
    p = { ...p, requests };
    if (p.prevStateHash !== ledger.stateHash) {
      // our last batch may have been replaced: catch-up compares it with the peers' before halting
      if ((await this.f.chain.lastBatchId()) < ledger.lastBatchId) return 'gap';
      // the chain settled another batch with our last id (a takeover crossed a batch this node
      // built or applied): ours will never land; undone, the chain's version comes by catch-up
      const chainsOwn = await this.f.chain.settledBatch(ledger.lastBatchId);
      if (chainsOwn !== null && chainsOwn.stateHash !== ledger.stateHash.toLowerCase() && ledger.canRollBack(ledger.lastBatchId)) {
        log.warn('follower: the chain settled another version of our last batch; ours is undone', {
          batchId: String(ledger.lastBatchId),
          chain: chainsOwn.stateHash,
          ours: ledger.stateHash,
        });
        await ledger.rollback(ledger.lastBatchId);
        return 'gap';
      }
      this.diverged = { batchId: String(p.batchId), expected: p.prevStateHash, got: ledger.stateHash };
      log.error('follower: parent state hash differs; halting', this.diverged);
      return 'diverged';
    }
    const applied = ledger.tryApply(p);
    if (applied.stateHash !== p.stateHash) {
      applied.undo();
      this.diverged = { batchId: String(p.batchId), expected: p.stateHash, got: applied.stateHash };
      log.error('follower: state hash differs from the leader; halting', this.diverged);
      return 'diverged';
    }
    try {
      const args = settlementOf(
        p,
        applied.events,
        (h) => {
          const o = ledger.signedOrder(h) ?? findOrderInput(p.inputs, h);
          return o && { hash: h, order: o.order, signature: o.signature };
        },
        (id) => ledger.config.markets.some((m) => m.marketId === id && m.kind === 'PERP'),
      );
      await ledger.commit(p, applied.events, args);
    } catch (err) {
      applied.undo();
      throw err;
    }
    log.info('follower: applied batch', { batchId: String(p.batchId), stateHash: p.stateHash });
    return 'applied';
  }

  /**
   * The requests a proposal applies must be exactly the chain's queue from this node's cursor to
   * the proposal's: an operator cannot credit a deposit that was never made. 'unseen' when this
   * node's RPC has not caught up with the queue yet (try again later); else the chain's requests.
   */
  private async checkRequests(p: Proposal): Promise<ChainRequest[] | 'forged' | 'unseen'> {
    const { ledger, chain } = this.f;
    if (p.requestCursor < ledger.requestCursor || p.requestCursor - ledger.requestCursor !== BigInt(p.requests.length)) return 'forged';
    if (p.requests.length === 0) return [];
    if ((await chain.requestCount()) < p.requestCursor) return 'unseen';
    const onChain = await chain.requests(ledger.requestCursor, p.requestCursor);
    const same = onChain.every((r, i) => {
      const q = p.requests[i]!;
      return q.id === r.id && q.kind === r.kind && q.subaccount === r.subaccount && q.assetId === r.assetId && q.amount === r.amount && q.data === r.data;
    });
    return same ? onChain : 'forged';
  }

  /** Each price a proposal applies must be what its feed's named round says. */
  private async checkPrices(p: Proposal): Promise<boolean> {
    for (const u of p.prices) {
      const feed = this.f.feeds.get(u.marketId);
      if (feed === undefined || !(await this.f.chain.confirmsRound(u, feed))) return false;
    }
    return true;
  }

  /**
   * Whether `p` is a new version of our last batch: signed by an operator, different from ours,
   * and either not settled yet or settled with `p`'s state hash (the chain is the final word).
   */
  private async replaces(p: Proposal): Promise<boolean> {
    const { ledger, chain } = this.f;
    if (!ledger.canRollBack(p.batchId)) return false;
    const ours = await ledger.batch(p.batchId);
    if (!ours) return false;
    const digest = proposalDigest(ledger.domainSep, p);
    if (proposalDigest(ledger.domainSep, ours.proposal) === digest) return false;
    const settled = await chain.lastSettled();
    if (settled.batchId > p.batchId) return false;
    if (settled.batchId === p.batchId && settled.stateHash !== p.stateHash.toLowerCase()) return false;
    return this.signedInTurn(p);
  }

  /**
   * Whether the proposal is signed by an operator whose turn it is (chain/schedule.ts): for a batch
   * past the chain's settled height, the leader now, a taker whose delay passed, or the last
   * epoch's leader just after its epoch ended; for one the chain settled already, an operator (the
   * chain took it; replaying it checks its state hash). Asked of the chain every time, so an
   * operator revoked on chain is refused at once.
   */
  async signedInTurn(p: Proposal): Promise<boolean> {
    return (await this.proposer(p)) === 'in-turn';
  }

  /** Who signed `p`: an operator in its turn (as {@link signedInTurn} reads it), one out of it, or no operator. */
  async proposer(p: Proposal): Promise<'in-turn' | 'out-of-turn' | 'stranger'> {
    const { chain } = this.f;
    const signer = recoverAddress(proposalDigest(this.f.ledger.domainSep, p), p.signature);
    if (!signer) return 'stranger';
    if (p.batchId <= (await chain.lastBatchId())) return (await chain.isOperator(signer)) ? 'in-turn' : 'stranger';
    if (await inTurnNow(chain, signer)) return 'in-turn';
    return (await chain.isOperator(signer)) ? 'out-of-turn' : 'stranger';
  }

  private catching: Promise<void> | null = null;
  private catchAgain = false;

  /**
   * Fetches and applies batches up to the chain's settled height (or a peer's log head). One runs
   * at a time: a call while one runs (every gossiped proposal past a gap makes one) asks it to go
   * round once more and shares its end, so each batch is fetched and decoded once.
   */
  catchUp(): Promise<void> {
    if (this.catching) {
      this.catchAgain = true;
      return this.catching;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.catchAgain = false;
          await this.catchUpOnce();
        } while (this.catchAgain && !this.loop.isStopped && !this.diverged);
      } finally {
        this.catching = null;
      }
    };
    this.catching = run();
    return this.catching;
  }

  private async catchUpOnce(): Promise<void> {
    const { ledger, chain } = this.f;
    const onChain = await chain.lastSettled();
    ledger.lastSettledBatchId = onChain.batchId;
    await ledger.exclusive(() => ledger.pruneExpired(BigInt(Math.floor(Date.now() / 1000))));
    if (!this.diverged && ledger.lastBatchId > 0n && ledger.lastBatchId >= ledger.lastSettledBatchId) {
      // Our last batch is tentative, or settled with another state hash than ours: the leader
      // replaced it. The peers hold the new version.
      const settled = ledger.lastBatchId === ledger.lastSettledBatchId;
      const settledAsOurs = settled && onChain.stateHash === ledger.stateHash.toLowerCase();
      // settled as another state: ask now; still tentative: only once it has stayed so a while
      if (!settledAsOurs && (settled || this.tentative.due(ledger.lastBatchId, Date.now()))) {
        // settled otherwise: the chain's version, kept here if this node once held it (it sent it, or
        // took it and let it go for another), else from a peer that holds it
        const kept = settled ? await ledger.batchVersion(ledger.lastBatchId, onChain.stateHash) : undefined;
        const rec = kept ? undefined : await this.fetch(ledger.lastBatchId, settled ? onChain.stateHash : undefined);
        if (kept) await this.apply(kept.proposal);
        else if (rec)
          await this.apply(
            await proposalFromWire(
              ledger.domainSep,
              rec.proposal,
              (i) => ledger.knows(i),
              (s, k) => ledger.engine.canSign(s, k),
              this.f.recover,
              (sig) => ledger.mempool.bySignature(sig),
            ),
          );
        // the chain may have moved on meanwhile: judged on one block's reading, as above
        const now = await chain.lastSettled();
        if (ledger.lastBatchId === now.batchId && now.stateHash !== ledger.stateHash.toLowerCase()) {
          this.diverged = { batchId: String(ledger.lastBatchId), expected: now.stateHash, got: ledger.stateHash };
          this.f.log.error('follower: the chain settled another state for our last batch; halting', this.diverged);
          return;
        }
      }
    }
    while (!this.loop.isStopped && !this.diverged) {
      const next = ledger.lastBatchId + 1n;
      const rec = await this.fetch(next);
      if (!rec) return;
      const result = await this.apply(
        await proposalFromWire(
          ledger.domainSep,
          rec.proposal,
          (i) => ledger.knows(i),
          (s, k) => ledger.engine.canSign(s, k),
          this.f.recover,
          (sig) => ledger.mempool.bySignature(sig),
        ),
      );
      if (result !== 'applied' && result !== 'old') return;
    }
  }

  /** Batch `batchId` from the first peer that has it (the version with `stateHash`, when given). */
  private async fetch(batchId: bigint, stateHash?: Hex): Promise<BatchResponse | undefined> {
    const query = stateHash === undefined ? '' : `?stateHash=${stateHash}`;
    for (const base of this.f.syncFrom) {
      try {
        const res = await fetch(`${base}${pathOf(endpoints.batch.path, { batchId })}${query}`, { signal: AbortSignal.timeout(3000) });
        if (res.status === 200) return (await res.json()) as BatchResponse;
      } catch (err) {
        this.f.log.info('follower: a peer did not answer for a batch; trying the next', {
          peer: base,
          batchId: String(batchId),
          error: (err as Error).message,
        });
      }
    }
    return undefined;
  }
}
